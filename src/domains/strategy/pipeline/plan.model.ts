/**
 * The compiled plan's shape (zod, so the OpenAPI document and the TypeScript types come from one place):
 * plan -> strategies (one per trading prompt) -> executions (one per decided asset) -> reads.
 * Produced by plan.compile.ts; read by GET .../pipeline/compiled and by the decision runtime.
 */
import { z } from "@hono/zod-openapi";
import { GranularitySchema, ProfileSchema, PromptInclusionSchema, RetrievalDepthSchema } from "./configs.model";

const SettingOriginSchema = z.enum(["asset_override", "block", "profile_definition", "builtin", "channel_native"]);
export type SettingOrigin = z.infer<typeof SettingOriginSchema>;
export const ProfileOriginSchema = z.enum(["asset", "group", "default"]);
export type ProfileOrigin = z.infer<typeof ProfileOriginSchema>;

const ReadBase = {
  dataStreamNodeId: z.string(),
  blockId: z.string(),
  source: z.string(),
  channel: z.string(),
  /** The asset being decided. */
  symbol: z.string(),
  contextSymbol: z.string().openapi({
    description:
      "The subject read from memory: a coin, chain:<name>, protocol:<slug>, stablecoin:<sym>, market:<slug>, event:<slug> or global",
  }),
};

export const ReadSchema = z
  .object({
    ...ReadBase,
    retrievalDepth: RetrievalDepthSchema,
    promptInclusion: PromptInclusionSchema,
    lookbackMinutes: z.number().int(),
    granularity: GranularitySchema,
    profile: ProfileSchema,
    profileOrigin: ProfileOriginSchema,
    settingOrigins: z.object({
      retrievalDepth: SettingOriginSchema,
      promptInclusion: SettingOriginSchema,
      lookbackMinutes: SettingOriginSchema,
      granularity: SettingOriginSchema,
    }),
    maxDatapoints: z.number().int(),
    promptBudgetTokens: z.number().int(),
  })
  .openapi("PlanRead");
export type Read = z.infer<typeof ReadSchema>;

export const SkipReasonSchema = z.enum(["source_disabled", "unknown_asset", "asset_delisted", "channel_unsupported"]);
export type SkipReason = z.infer<typeof SkipReasonSchema>;
export const SkippedReadSchema = z.object({ ...ReadBase, reason: SkipReasonSchema, message: z.string() }).openapi("PlanSkippedRead");
export type SkippedRead = z.infer<typeof SkippedReadSchema>;

export const UniverseEntrySchema = z
  .object({
    symbol: z.string(),
    displayName: z.string(),
    kind: z.enum(["perp", "spot"]),
    category: z.string(),
    subcategories: z.array(z.string()),
    selectionSource: z.enum(["explicit_enable", "category", "subcategory"]),
    tradingSupported: z.boolean(),
    contextSupported: z.boolean(),
  })
  .openapi("UniverseEntry");
export type UniverseEntry = z.infer<typeof UniverseEntrySchema>;
export type SelectionSource = UniverseEntry["selectionSource"];

export const ExecutionSchema = z
  .object({
    symbol: z.string(),
    enabled: z.boolean(),
    decisionCadenceSec: z.number().int(),
    customBehaviorPrompt: z.string(),
    promptBudgetTokens: z.number().int(),
    reads: z.array(ReadSchema),
    skippedReads: z.array(SkippedReadSchema),
  })
  .openapi("PlanExecution");
export type Execution = z.infer<typeof ExecutionSchema>;

export const AssetSkipReasonSchema = z.enum(["asset_delisted", "disabled_by_override", "no_asset_override"]);
export type AssetSkipReason = z.infer<typeof AssetSkipReasonSchema>;

export const CompiledStrategySchema = z
  .object({
    strategyId: z.string(),
    promptNodeId: z.string(),
    enabled: z.boolean(),
    /** The policy's mode (`all`/`round_robin` as stored before the structured policy existed, or `scored`). */
    candidatePolicy: z.enum(["all", "round_robin", "scored"]),
    /** The structured policy with every default applied (cap, prefilters). */
    candidatePolicySettings: z.object({
      mode: z.enum(["scored", "all", "round_robin"]),
      cap: z.number().int(),
      prefilters: z.object({
        minVolume24hUsd: z.number(),
        rsiLow: z.number(),
        rsiHigh: z.number(),
        bollingerBreakout: z.boolean(),
        fundingAbsHourly: z.number(),
        momentumAbsPct: z.number(),
        requireSignal: z.boolean(),
      }),
    }),
    coverageMode: z.enum(["global", "global_with_asset_overrides", "asset_specific_only"]),
    assetSelectionNodeIds: z.array(z.string()),
    dataStreamNodeIds: z.array(z.string()),
    universe: z.array(UniverseEntrySchema),
    executions: z.array(ExecutionSchema),
    skippedAssets: z.array(z.object({ symbol: z.string(), reason: AssetSkipReasonSchema })),
  })
  .openapi("CompiledStrategy");
export type CompiledStrategy = z.infer<typeof CompiledStrategySchema>;

export const CompiledPlanSchema = z
  .object({
    cloneId: z.string(),
    pipelineVersion: z.number().int(),
    strategies: z.array(CompiledStrategySchema),
    /** Distinct symbols decided by enabled strategies: what the capacity entitlement counts. */
    activeSymbols: z.array(z.string()),
  })
  .openapi("CompiledPlan");
export type CompiledPlan = z.infer<typeof CompiledPlanSchema>;
