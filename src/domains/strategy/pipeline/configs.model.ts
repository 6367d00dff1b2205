/**
 * Config schemas of the three v1 node types, with a documented default for every field (so `{}` is a
 * valid data_stream or trading_prompt config). Configs are stored as sent; these schemas apply the
 * defaults when the validator and the compiler parse them. Source and channel names are plain strings
 * here so that the validator can report `unsupported_source` / `unsupported_channel` with node ids
 * instead of a generic parse failure. Callers: graph.validate.ts, plan.compile.ts, doc/domains/strategy.md.
 */
import { z } from "zod";

const SymbolName = z.string().min(1).max(40);
const SymbolList = z.array(SymbolName).max(500).default([]);

// ---------- asset_selection ----------

export const AssetSelectionConfigSchema = z.object({
  /** Taxonomy category ids (`layer-1`, `meme`, ...): every listed asset in them is selected. */
  highLevelCategories: z.array(z.string().min(1).max(40)).max(20).default([]),
  /** Subcategory names (`Solana ecosystem`): every listed asset carrying one is selected. */
  subcategories: z.array(z.string().min(1).max(80)).max(100).default([]),
  /** Selected whatever the categories say (beats categories). */
  explicitlyEnabledSymbols: SymbolList,
  /** Never selected (beats everything). */
  explicitlyDisabledSymbols: SymbolList,
});
export type AssetSelectionConfig = z.infer<typeof AssetSelectionConfigSchema>;

// ---------- data_stream ----------

export const PROFILES = ["fast", "balanced", "deep"] as const;
export const ProfileSchema = z.enum(PROFILES);
export type Profile = z.infer<typeof ProfileSchema>;

export const RetrievalDepthSchema = z.enum(["shallow", "standard", "deep"]);
export const PromptInclusionSchema = z.enum(["latest", "summary", "raw", "exclude"]);
export const GranularitySchema = z.enum(["1m", "5m", "15m", "1h", "4h", "1d"]);

/** The four settings every block resolves (max datapoints and prompt budget derive from them). */
export const BlockSettingsSchema = z.object({
  retrievalDepth: RetrievalDepthSchema,
  promptInclusion: PromptInclusionSchema,
  lookbackMinutes: z
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 90),
  granularity: GranularitySchema,
});
export type BlockSettings = z.infer<typeof BlockSettingsSchema>;
export type BlockSettingName = keyof BlockSettings;
export const BLOCK_SETTING_NAMES = Object.keys(BlockSettingsSchema.shape) as BlockSettingName[];

export const PartialBlockSettingsSchema = BlockSettingsSchema.partial();

/** Built-in profile definitions: the last level of the override precedence. */
export const BUILTIN_PROFILES: Readonly<Record<Profile, BlockSettings>> = {
  fast: { retrievalDepth: "shallow", promptInclusion: "latest", lookbackMinutes: 60, granularity: "1m" },
  balanced: { retrievalDepth: "standard", promptInclusion: "summary", lookbackMinutes: 720, granularity: "15m" },
  deep: { retrievalDepth: "deep", promptInclusion: "raw", lookbackMinutes: 10_080, granularity: "1h" },
};

export const DefillamaScopeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("global") }),
  z.object({ kind: z.literal("chain"), chain: z.string().min(1).max(80) }),
  z.object({ kind: z.literal("protocol"), protocol: z.string().min(1).max(120) }),
  z.object({ kind: z.literal("stablecoin"), stablecoin: z.string().min(1).max(40) }),
]);
export type DefillamaScope = z.infer<typeof DefillamaScopeSchema>;

export const PolymarketTargetSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("market"), slug: z.string().min(1).max(200) }),
  z.object({ kind: z.literal("event"), slug: z.string().min(1).max(200) }),
]);
export type PolymarketTarget = z.infer<typeof PolymarketTargetSchema>;

/**
 * One context block. `asset` (hyperliquid only) is the associated asset read from memory; absent,
 * the block reads the asset being decided. `scope` is DefiLlama's macro scope, `target` Polymarket's.
 * Settings left out come from the profile chain (see plan.compile.ts).
 */
export const ContextBlockSchema = PartialBlockSettingsSchema.extend({
  id: z.string().min(1).max(64),
  source: z.string().min(1).max(40),
  channel: z.string().min(1).max(40),
  asset: SymbolName.optional(),
  scope: DefillamaScopeSchema.optional(),
  target: PolymarketTargetSchema.optional(),
});
export type ContextBlock = z.infer<typeof ContextBlockSchema>;

export const DataStreamAssetOverrideSchema = PartialBlockSettingsSchema.extend({ profile: ProfileSchema.optional() });
export type DataStreamAssetOverride = z.infer<typeof DataStreamAssetOverrideSchema>;

export const DataStreamConfigSchema = z.object({
  /** Default profile of the stream. */
  profile: ProfileSchema.default("balanced"),
  /** Per source (`hyperliquid`, `polymarket`, `defillama`): a disabled source's blocks are skipped. Absent = enabled. */
  sourcePolicy: z.record(z.string().min(1).max(40), z.object({ enabled: z.boolean().default(true) })).default({}),
  /** Edits of the built-in profile definitions, field by field. */
  profileDefinitions: z.partialRecord(ProfileSchema, PartialBlockSettingsSchema).default({}),
  /** Profile assignment per taxonomy category (the "group" level). */
  groupProfiles: z.record(z.string().min(1).max(40), ProfileSchema).default({}),
  /** Per decided asset: a profile assignment and/or explicit settings. */
  assetOverrides: z.record(SymbolName, DataStreamAssetOverrideSchema).default({}),
  blocks: z.array(ContextBlockSchema).max(50).default([]),
});
export type DataStreamConfig = z.infer<typeof DataStreamConfigSchema>;

// ---------- trading_prompt ----------

export const CoverageModeSchema = z.enum(["global", "global_with_asset_overrides", "asset_specific_only"]);
/** Candidate cap per branch and slot before any engine call: default and the advanced maximum. */
export const CANDIDATE_CAP_DEFAULT = 10;
export const CANDIDATE_CAP_MAX = 25;

/**
 * Deterministic prefilters of the candidate scan (doc/domains/context.md). Volume is a hard filter;
 * the signals (RSI extreme, Bollinger breakout, funding extreme, 1h momentum) each add to the score,
 * and with `requireSignal` an asset must show at least one of them to pass.
 */
export const CandidatePrefiltersSchema = z.object({
  /** Minimum 24h notional volume (USD) from the latest asset-context poll. */
  minVolume24hUsd: z.number().min(0).default(1_000_000),
  /** RSI 14 (1m) at or below `rsiLow` / at or above `rsiHigh` is an extreme. */
  rsiLow: z.number().min(0).max(50).default(30),
  rsiHigh: z.number().min(50).max(100).default(70),
  /** Close outside the Bollinger 20/2 band is a breakout. */
  bollingerBreakout: z.boolean().default(true),
  /** |hourly funding rate| at or above this is an extreme (0.0001 = 0.01 %/h). */
  fundingAbsHourly: z.number().min(0).default(0.0001),
  /** |close change over the last 60 minutes| in percent at or above this is momentum. */
  momentumAbsPct: z.number().min(0).default(2),
  requireSignal: z.boolean().default(true),
});
export type CandidatePrefilters = z.infer<typeof CandidatePrefiltersSchema>;

export const CandidateModeSchema = z.enum(["scored", "all", "round_robin"]);

/** The structured policy. `mode`: scored (prefilters + score), all (no prefilters, ranked by score), round_robin. */
export const CandidatePolicySettingsSchema = z.object({
  mode: CandidateModeSchema.default("scored"),
  cap: z.number().int().min(1).max(CANDIDATE_CAP_MAX).default(CANDIDATE_CAP_DEFAULT),
  prefilters: CandidatePrefiltersSchema.default(CandidatePrefiltersSchema.parse({})),
});
export type CandidatePolicySettings = z.infer<typeof CandidatePolicySettingsSchema>;

/**
 * Stored values: the legacy strings `all` / `round_robin` (still accepted, mapped by
 * `candidatePolicySettings`) or the structured object.
 */
export const CandidatePolicySchema = z.union([z.enum(["all", "round_robin"]), CandidatePolicySettingsSchema]);
export type CandidatePolicy = z.infer<typeof CandidatePolicySchema>;

/** The structured form of any stored policy: `all` and `round_robin` keep the default cap and prefilter values. */
export function candidatePolicySettings(policy: CandidatePolicy): CandidatePolicySettings {
  if (typeof policy === "string") return CandidatePolicySettingsSchema.parse({ mode: policy });
  return policy;
}

const Cadence = z.number().int().min(60).max(86_400);
const BehaviorPrompt = z.string().max(4000);

export const TradingPromptAssetOverrideSchema = z.object({
  enabled: z.boolean().optional(),
  customBehaviorPrompt: BehaviorPrompt.optional(),
  decisionCadenceSec: Cadence.optional(),
});

export const TradingPromptConfigSchema = z.object({
  enabled: z.boolean().default(true),
  customBehaviorPrompt: BehaviorPrompt.default(""),
  decisionCadenceSec: Cadence.default(300),
  candidatePolicy: CandidatePolicySchema.default("all"),
  coverageMode: CoverageModeSchema.default("global"),
  assetOverrides: z.record(SymbolName, TradingPromptAssetOverrideSchema).default({}),
  // Legacy fields: accepted and stored for old clients, never enforced.
  maxAssetsPerRun: z.number().optional(),
  traderType: z.string().max(80).optional(),
  analysisTimeframe: z.string().max(80).optional(),
  marketMomentumSensitivity: z.union([z.number(), z.string().max(80)]).optional(),
});
export type TradingPromptConfig = z.infer<typeof TradingPromptConfigSchema>;

export const NODE_TYPES = ["data_stream", "asset_selection", "trading_prompt"] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export const CONFIG_SCHEMAS = {
  data_stream: DataStreamConfigSchema,
  asset_selection: AssetSelectionConfigSchema,
  trading_prompt: TradingPromptConfigSchema,
} as const;

/** v1 allowed edges: source type -> target type. */
export const ALLOWED_EDGES: ReadonlyArray<readonly [NodeType, NodeType]> = [
  ["data_stream", "asset_selection"],
  ["asset_selection", "trading_prompt"],
];
