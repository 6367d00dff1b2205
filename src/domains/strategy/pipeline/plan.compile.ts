/**
 * The compiler: a validated graph and a registry snapshot -> one strategy per trading prompt -> one
 * execution per decided asset, each with its read plan. Layout is not an input. Deterministic: nodes,
 * edges and assets are walked in sorted order and objects are built with a fixed key order, so the same
 * graph and registry give a byte-identical JSON plan (whatever the order of nodes and edges in the body).
 */
import { type AssetSelectionConfig, candidatePolicySettings, type DataStreamConfig, type TradingPromptConfig } from "./configs.model";
import type { ParsedGraph, ParsedNode, Registry } from "./graph.validate";
import type { AssetSkipReason, CompiledPlan, CompiledStrategy, Execution, Read, SkippedRead, UniverseEntry } from "./plan.model";
import { planRead } from "./read-plan.model";
import { effectiveUniverse } from "./universe.model";

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function upstream(graph: ParsedGraph, targets: readonly string[], type: ParsedNode["type"]): string[] {
  const ids = graph.edges.filter((e) => targets.includes(e.target) && graph.nodes.get(e.source)?.type === type).map((e) => e.source);
  return [...new Set(ids)].sort(byId);
}

function configsOf<T>(graph: ParsedGraph, ids: readonly string[]): Array<{ id: string; config: T }> {
  return ids.map((id) => ({ id, config: graph.nodes.get(id)?.config as T }));
}

/** Which universe assets a prompt decides, with the per-asset prompt settings, by coverage mode. */
function coverage(
  prompt: TradingPromptConfig,
  entry: UniverseEntry,
): { skip: AssetSkipReason } | { enabled: boolean; cadence: number; behavior: string } {
  if (!entry.tradingSupported) return { skip: "asset_delisted" };
  const mode = prompt.coverageMode;
  const override = mode === "global" ? undefined : prompt.assetOverrides[entry.symbol];
  if (mode === "asset_specific_only" && !override) return { skip: "no_asset_override" };
  if (override?.enabled === false) return { skip: "disabled_by_override" };
  return {
    enabled: prompt.enabled,
    cadence: override?.decisionCadenceSec ?? prompt.decisionCadenceSec,
    behavior: override?.customBehaviorPrompt ?? prompt.customBehaviorPrompt,
  };
}

function compileStrategy(graph: ParsedGraph, promptId: string, prompt: TradingPromptConfig, registry: Registry): CompiledStrategy {
  const selectionIds = upstream(graph, [promptId], "asset_selection");
  const streamIds = upstream(graph, selectionIds, "data_stream");
  const streams = configsOf<DataStreamConfig>(graph, streamIds);
  const universe = effectiveUniverse(
    configsOf<AssetSelectionConfig>(graph, selectionIds).map((s) => s.config),
    registry,
  );
  const executions: Execution[] = [];
  const skippedAssets: CompiledStrategy["skippedAssets"] = [];
  for (const entry of universe) {
    const decided = registry.get(entry.symbol);
    const cover = coverage(prompt, entry);
    if (!decided || "skip" in cover) {
      skippedAssets.push({ symbol: entry.symbol, reason: "skip" in cover ? cover.skip : "asset_delisted" });
      continue;
    }
    const reads: Read[] = [];
    const skippedReads: SkippedRead[] = [];
    for (const stream of streams) {
      for (const block of stream.config.blocks) {
        const planned = planRead(stream, block, decided, registry);
        if ("read" in planned) reads.push(planned.read);
        else skippedReads.push(planned.skipped);
      }
    }
    executions.push({
      symbol: entry.symbol,
      enabled: cover.enabled,
      decisionCadenceSec: cover.cadence,
      customBehaviorPrompt: cover.behavior,
      promptBudgetTokens: reads.reduce((sum, r) => sum + r.promptBudgetTokens, 0),
      reads,
      skippedReads,
    });
  }
  return {
    strategyId: promptId,
    promptNodeId: promptId,
    enabled: prompt.enabled,
    candidatePolicy: candidatePolicySettings(prompt.candidatePolicy).mode,
    candidatePolicySettings: candidatePolicySettings(prompt.candidatePolicy),
    coverageMode: prompt.coverageMode,
    assetSelectionNodeIds: selectionIds,
    dataStreamNodeIds: streamIds,
    universe,
    executions,
    skippedAssets,
  };
}

/** Compiles a validated graph (see graph.validate.ts) against a registry snapshot. */
export function compilePlan(input: { cloneId: string; pipelineVersion: number; graph: ParsedGraph; registry: Registry }): CompiledPlan {
  const prompts = [...input.graph.nodes.values()].filter((n) => n.type === "trading_prompt").sort((a, b) => byId(a.id, b.id));
  const strategies = prompts.map((p) => compileStrategy(input.graph, p.id, p.config as TradingPromptConfig, input.registry));
  const active = new Set(strategies.filter((s) => s.enabled).flatMap((s) => s.executions.map((e) => e.symbol)));
  return { cloneId: input.cloneId, pipelineVersion: input.pipelineVersion, strategies, activeSymbols: [...active].sort(byId) };
}
