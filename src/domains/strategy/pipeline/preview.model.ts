/**
 * Per-node preview of a compiled pipeline, for the builder to show beside each node
 * (`GET /api/v1/clones/{cloneId}/pipeline/preview`):
 *   data_stream      per block, the subjects it reads now (coins, `chain:<name>`, `market:<slug>`, ...),
 *                    how many reads it plans and skips (with reasons), over every strategy it feeds
 *   asset_selection  the assets this selection alone expands to now (registry + taxonomy)
 *   trading_prompt   decided and skipped assets, the candidate policy's cap (and the cap in effect:
 *                    never more than the decided assets), and the estimated prompt tokens per asset:
 *                    fixed allowance + behaviour prompt tokens + the reads' budgets
 * Pure: the plan, the parsed graph and the tokenizer are passed in (the context domain owns the
 * tokenizer; see preview.service.ts). Nodes in id order, lists sorted, so the answer is deterministic.
 */
import { z } from "@hono/zod-openapi";
import type { AssetSelectionConfig } from "./configs.model";
import type { ParsedGraph, Registry } from "./graph.validate";
import { AssetSkipReasonSchema, type CompiledPlan, type SkipReason, SkipReasonSchema, UniverseEntrySchema } from "./plan.model";
import { effectiveUniverse } from "./universe.model";

const StreamPreviewSchema = z.object({
  nodeId: z.string(),
  type: z.literal("data_stream"),
  feedsStrategies: z.array(z.string()),
  blocks: z.array(
    z.object({
      blockId: z.string(),
      source: z.string(),
      channel: z.string(),
      contextSymbols: z.array(z.string()).openapi({ description: "Distinct subjects read now, sorted" }),
      plannedReads: z.number().int(),
      skippedReads: z.number().int(),
      skipReasons: z.array(SkipReasonSchema),
      promptBudgetTokens: z.number().int().openapi({ description: "Largest budget of one of its reads" }),
    }),
  ),
});

const SelectionPreviewSchema = z.object({
  nodeId: z.string(),
  type: z.literal("asset_selection"),
  assetCount: z.number().int(),
  assets: z.array(
    UniverseEntrySchema.pick({ symbol: true, displayName: true, category: true, selectionSource: true, tradingSupported: true }),
  ),
});

const PromptPreviewSchema = z.object({
  nodeId: z.string(),
  type: z.literal("trading_prompt"),
  enabled: z.boolean(),
  universeSize: z.number().int(),
  decidedAssets: z.array(z.string()),
  skippedAssets: z.array(z.object({ symbol: z.string(), reason: AssetSkipReasonSchema })),
  candidatePolicy: z.object({
    mode: z.enum(["scored", "all", "round_robin"]),
    cap: z.number().int(),
    effectiveCap: z.number().int().openapi({ description: "min(cap, decided assets): decisions per slot at most" }),
  }),
  estimatedPromptTokens: z.object({
    fixedAllowance: z.number().int(),
    behaviorPrompt: z.number().int(),
    perAsset: z.array(z.object({ symbol: z.string(), tokens: z.number().int(), readBudget: z.number().int() })),
    max: z.number().int(),
  }),
});

export const PipelinePreviewSchema = z
  .object({
    cloneId: z.string(),
    pipelineVersion: z.number().int(),
    nodes: z.array(z.discriminatedUnion("type", [StreamPreviewSchema, SelectionPreviewSchema, PromptPreviewSchema])),
  })
  .openapi("PipelinePreview");
export type PipelinePreview = z.infer<typeof PipelinePreviewSchema>;
type NodePreview = PipelinePreview["nodes"][number];

export interface Tokenizer {
  countTokens: (text: string) => number;
  /** Tokens reserved for the packet's fixed sections (account, instructions, output format). */
  fixedAllowanceTokens: number;
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

function streamPreview(nodeId: string, graph: ParsedGraph, plan: CompiledPlan): NodePreview {
  const node = graph.nodes.get(nodeId);
  const blocks = node?.type === "data_stream" ? node.config.blocks : [];
  const strategies = plan.strategies.filter((s) => s.dataStreamNodeIds.includes(nodeId));
  const executions = strategies.flatMap((s) => s.executions);
  return {
    nodeId,
    type: "data_stream",
    feedsStrategies: strategies.map((s) => s.strategyId),
    blocks: blocks.map((block) => {
      const reads = executions.flatMap((e) => e.reads).filter((r) => r.dataStreamNodeId === nodeId && r.blockId === block.id);
      const skipped = executions.flatMap((e) => e.skippedReads).filter((r) => r.dataStreamNodeId === nodeId && r.blockId === block.id);
      return {
        blockId: block.id,
        source: block.source,
        channel: block.channel,
        contextSymbols: sorted(reads.map((r) => r.contextSymbol)),
        plannedReads: reads.length,
        skippedReads: skipped.length,
        skipReasons: sorted(skipped.map((r) => r.reason)) as SkipReason[],
        promptBudgetTokens: Math.max(0, ...reads.map((r) => r.promptBudgetTokens)),
      };
    }),
  };
}

function selectionPreview(nodeId: string, config: AssetSelectionConfig, registry: Registry): NodePreview {
  const assets = effectiveUniverse([config], registry).map(({ symbol, displayName, category, selectionSource, tradingSupported }) => ({
    symbol,
    displayName,
    category,
    selectionSource,
    tradingSupported,
  }));
  return { nodeId, type: "asset_selection", assetCount: assets.length, assets };
}

function promptPreview(nodeId: string, plan: CompiledPlan, tokenizer: Tokenizer): NodePreview | undefined {
  const strategy = plan.strategies.find((s) => s.promptNodeId === nodeId);
  if (!strategy) return undefined;
  const settings = strategy.candidatePolicySettings;
  const behaviorTokens = new Map<string, number>();
  const tokensOf = (text: string) => {
    const known = behaviorTokens.get(text);
    if (known !== undefined) return known;
    const n = text ? tokenizer.countTokens(text) : 0;
    behaviorTokens.set(text, n);
    return n;
  };
  const perAsset = strategy.executions.map((e) => ({
    symbol: e.symbol,
    tokens: tokenizer.fixedAllowanceTokens + tokensOf(e.customBehaviorPrompt) + e.promptBudgetTokens,
    readBudget: e.promptBudgetTokens,
  }));
  const promptText = strategy.executions[0]?.customBehaviorPrompt ?? "";
  return {
    nodeId,
    type: "trading_prompt",
    enabled: strategy.enabled,
    universeSize: strategy.universe.length,
    decidedAssets: strategy.executions.map((e) => e.symbol),
    skippedAssets: strategy.skippedAssets,
    candidatePolicy: {
      mode: settings.mode,
      cap: settings.cap,
      effectiveCap: Math.min(settings.cap, strategy.executions.length),
    },
    estimatedPromptTokens: {
      fixedAllowance: tokenizer.fixedAllowanceTokens,
      behaviorPrompt: tokensOf(promptText),
      perAsset,
      max: Math.max(0, ...perAsset.map((p) => p.tokens)),
    },
  };
}

/** The preview of every node of a parsed graph, given its compiled plan. */
export function previewPipeline(graph: ParsedGraph, plan: CompiledPlan, registry: Registry, tokenizer: Tokenizer): PipelinePreview {
  const nodes: NodePreview[] = [];
  for (const id of [...graph.nodes.keys()].sort()) {
    const node = graph.nodes.get(id);
    if (node?.type === "data_stream") nodes.push(streamPreview(id, graph, plan));
    else if (node?.type === "asset_selection") nodes.push(selectionPreview(id, node.config, registry));
    else if (node?.type === "trading_prompt") {
      const preview = promptPreview(id, plan, tokenizer);
      if (preview) nodes.push(preview);
    }
  }
  return { cloneId: plan.cloneId, pipelineVersion: plan.pipelineVersion, nodes };
}
