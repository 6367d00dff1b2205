/**
 * Config schemas of the three v1 node types, with a documented default for every field (so `{}` is a
 * valid data_stream or trading_prompt config). Configs are stored as sent; these schemas apply the
 * defaults when the validator and the compiler parse them. Source and channel names are plain strings
 * here so that the validator can report `unsupported_source` / `unsupported_channel` with node ids
 * instead of a generic parse failure. Callers: graph.validate.ts, plan.compile.ts, doc/domains/strategy.md.
 */
import { z } from "zod";

/**
 * Builder metadata (title and description) published in the catalog's JSON Schema
 * (`GET /pipeline/catalog`); zod keeps it in its registry, so it is written once, here.
 */
const about = (title: string, description: string) => ({ title, description });

/** Label and description of every enum value, published as the JSON Schema extension `x-enumLabels`. */
export function enumLabels<T extends string>(labels: Record<T, [label: string, description: string]>) {
  return {
    "x-enumLabels": Object.fromEntries(
      Object.entries<[string, string]>(labels).map(([v, [label, description]]) => [v, { label, description }]),
    ),
  };
}

const SymbolName = z.string().min(1).max(40);
const SymbolList = z.array(SymbolName).max(500).default([]);

// ---------- asset_selection ----------

export const AssetSelectionConfigSchema = z.object({
  highLevelCategories: z
    .array(z.string().min(1).max(40))
    .max(20)
    .default([])
    .meta(about("Categories", "Taxonomy category ids (`layer-1`, `meme`, ...): every listed asset in them is selected")),
  subcategories: z
    .array(z.string().min(1).max(80))
    .max(100)
    .default([])
    .meta(about("Subcategories", "Taxonomy subcategory names (`Solana ecosystem`): every listed asset carrying one is selected")),
  explicitlyEnabledSymbols: SymbolList.meta(about("Always include", "Registry symbols selected whatever the categories say")),
  explicitlyDisabledSymbols: SymbolList.meta(about("Always exclude", "Registry symbols never selected (beats everything)")),
});
export type AssetSelectionConfig = z.infer<typeof AssetSelectionConfigSchema>;

// ---------- data_stream ----------

export const PROFILES = ["fast", "balanced", "deep"] as const;
export const ProfileSchema = z.enum(PROFILES).meta(
  enumLabels<Profile>({
    fast: ["Fast", "Shallow, latest value only, 1 h lookback at 1 m"],
    balanced: ["Balanced", "Standard depth, a summary, 12 h lookback at 15 m"],
    deep: ["Deep", "Deep history, raw points, 7 d lookback at 1 h"],
  }),
);
export type Profile = (typeof PROFILES)[number];

export const RetrievalDepthSchema = z.enum(["shallow", "standard", "deep"]).meta(
  enumLabels({
    shallow: ["Shallow", "At most 60 datapoints"],
    standard: ["Standard", "At most 240 datapoints"],
    deep: ["Deep", "At most 1000 datapoints"],
  }),
);
export const PromptInclusionSchema = z.enum(["latest", "summary", "raw", "exclude"]).meta(
  enumLabels({
    latest: ["Latest", "Only the latest datapoint goes into the prompt"],
    summary: ["Summary", "A fixed block of summary statistics"],
    raw: ["Raw", "Every retrieved datapoint"],
    exclude: ["Exclude", "Retrieved but left out of the prompt"],
  }),
);
export const GranularitySchema = z.enum(["1m", "5m", "15m", "1h", "4h", "1d"]).meta(
  enumLabels({
    "1m": ["1 minute", "One point per minute"],
    "5m": ["5 minutes", "One point per 5 minutes"],
    "15m": ["15 minutes", "One point per 15 minutes"],
    "1h": ["1 hour", "One point per hour"],
    "4h": ["4 hours", "One point per 4 hours"],
    "1d": ["1 day", "One point per day"],
  }),
);

/** The four settings every block resolves (max datapoints and prompt budget derive from them). */
export const BlockSettingsSchema = z.object({
  retrievalDepth: RetrievalDepthSchema.meta(about("Retrieval depth", "Caps the datapoints retrieved per read")),
  promptInclusion: PromptInclusionSchema.meta(about("Prompt inclusion", "How the read appears in the prompt")),
  lookbackMinutes: z
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 90)
    .meta(about("Lookback (minutes)", "How far back the read goes")),
  granularity: GranularitySchema.meta(about("Granularity", "Bar size; a channel's native granularity is the finest")),
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
  id: z.string().min(1).max(64).meta(about("Block id", "Unique within the stream")),
  source: z.string().min(1).max(40).meta(about("Source", "hyperliquid | polymarket | defillama (the catalog's `sources`)")),
  channel: z.string().min(1).max(40).meta(about("Channel", "One of the source's channels (the catalog's `sources`)")),
  asset: SymbolName.optional().meta(about("Asset", "Hyperliquid only: the associated asset read; absent = the asset being decided")),
  scope: DefillamaScopeSchema.optional().meta(about("Scope", "DefiLlama only (required): global, chain, protocol or stablecoin")),
  target: PolymarketTargetSchema.optional().meta(about("Target", "Polymarket only (required): a market or an event slug")),
});
export type ContextBlock = z.infer<typeof ContextBlockSchema>;

export const DataStreamAssetOverrideSchema = PartialBlockSettingsSchema.extend({ profile: ProfileSchema.optional() });
export type DataStreamAssetOverride = z.infer<typeof DataStreamAssetOverrideSchema>;

export const DataStreamConfigSchema = z.object({
  profile: ProfileSchema.default("balanced").meta(
    about("Default profile", "The stream's profile when no group or asset assignment applies"),
  ),
  sourcePolicy: z
    .record(z.string().min(1).max(40), z.object({ enabled: z.boolean().default(true) }))
    .default({})
    .meta(
      about("Sources", "Per source (`hyperliquid`, `polymarket`, `defillama`): a disabled source's blocks are skipped. Absent = enabled"),
    ),
  profileDefinitions: z
    .partialRecord(ProfileSchema, PartialBlockSettingsSchema)
    .default({})
    .meta(about("Profile edits", "Field-by-field edits of the built-in profile definitions")),
  groupProfiles: z
    .record(z.string().min(1).max(40), ProfileSchema)
    .default({})
    .meta(about("Group profiles", "Profile per taxonomy category id (the group level)")),
  assetOverrides: z
    .record(SymbolName, DataStreamAssetOverrideSchema)
    .default({})
    .meta(about("Asset overrides", "Per decided asset: a profile and/or explicit settings (beats everything)")),
  blocks: z.array(ContextBlockSchema).max(50).default([]).meta(about("Context blocks", "What the stream reads, in prompt order")),
});
export type DataStreamConfig = z.infer<typeof DataStreamConfigSchema>;

// ---------- trading_prompt ----------

export const CoverageModeSchema = z.enum(["global", "global_with_asset_overrides", "asset_specific_only"]).meta(
  enumLabels({
    global: ["Global", "Every universe asset with the prompt's settings; overrides ignored"],
    global_with_asset_overrides: ["Global with overrides", "Every universe asset; per-asset overrides apply"],
    asset_specific_only: ["Overridden assets only", "Only assets that have an override are decided"],
  }),
);
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

export const CandidateModeSchema = z.enum(["scored", "all", "round_robin"]).meta(
  enumLabels({
    scored: ["Scored", "Prefilters, then the highest scores up to the cap"],
    all: ["All", "No prefilters; ranked by score up to the cap"],
    round_robin: ["Round robin", "Assets in turn, up to the cap per slot"],
  }),
);

/** The structured policy. `mode`: scored (prefilters + score), all (no prefilters, ranked by score), round_robin. */
export const CandidatePolicySettingsSchema = z.object({
  mode: CandidateModeSchema.default("scored"),
  cap: z
    .number()
    .int()
    .min(1)
    .max(CANDIDATE_CAP_MAX)
    .default(CANDIDATE_CAP_DEFAULT)
    .meta(about("Candidate cap", "Assets decided per slot, at most")),
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
  enabled: z.boolean().default(true).meta(about("Enabled", "A disabled prompt compiles but publishes nothing")),
  customBehaviorPrompt: BehaviorPrompt.default("").meta(about("Behaviour", "Free-text trading instructions (at most 4000 characters)")),
  decisionCadenceSec: Cadence.default(300).meta(about("Cadence (seconds)", "Time between decisions per asset, 60..86400")),
  candidatePolicy: CandidatePolicySchema.default("all").meta(
    about("Candidate policy", "`all` / `round_robin` (legacy) or `{ mode, cap, prefilters }`: which assets are decided per slot"),
  ),
  coverageMode: CoverageModeSchema.default("global").meta(about("Coverage", "Which universe assets the prompt decides")),
  assetOverrides: z
    .record(SymbolName, TradingPromptAssetOverrideSchema)
    .default({})
    .meta(about("Asset overrides", "Per asset: enabled, behaviour and cadence")),
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
