/**
 * The effective context packet: everything a decision engine sees for one (clone, strategy, asset,
 * asOf), as a zod schema (the OpenAPI document and the types come from it). Canonical JSON of a
 * packet is hashed (SHA-256) into the packet hash; arrays here are sorted by the resolver so the
 * bytes depend only on the database state and `asOfMs`. Layout metadata is not an input, and neither
 * is the pipeline document's version counter (a layout-only save bumps it): the version travels beside
 * the packet (`ResolvedPacket.pipelineVersion`), the executable content (reads, execution) inside it.
 */
import { z } from "@hono/zod-openapi";
import { SeriesSchema } from "../market-data";
import { ReadSchema, UniverseEntrySchema } from "../strategy";
import { AccountSummarySchema } from "../trading";
import { AssetSnapshotSchema } from "./snapshot.model";

export const PACKET_SCHEMA_VERSION = 1;
/** Hyperliquid's minimum order value (USD), a venue limit the output contract states. */
export const MIN_NOTIONAL_USD = 10;

/** What the decision runtime remembers per (account, symbol): the previous decision and the open exit plan. */
export const ExitNoteSchema = z.object({
  symbol: z.string(),
  lastAction: z.string(),
  lastReason: z.string(),
  decidedAtMs: z.number().int(),
  /** The open position's invalidation condition (null: none stated). */
  invalidationCondition: z.string().nullable(),
});
export type ExitNote = z.infer<typeof ExitNoteSchema>;

/** The account's decision memory as of the packet's asOf (the decision domain's port fills it). */
export const DecisionMemorySchema = z.object({
  /** Decision runs of this account whose asOf is at or before the packet's (this run included). */
  invocationCount: z.number().int(),
  /** Notes written by decisions before asOf, by symbol. */
  notes: z.array(ExitNoteSchema),
});
export type DecisionMemory = z.infer<typeof DecisionMemorySchema>;

export const PacketSkippedReadSchema = z.object({
  dataStreamNodeId: z.string(),
  blockId: z.string(),
  source: z.string(),
  channel: z.string(),
  symbol: z.string(),
  contextSymbol: z.string(),
  /** Compile-time reasons (source_disabled, unknown_asset, asset_delisted, channel_unsupported) or read-time ones (not_found, unsupported). */
  reason: z.string(),
  message: z.string(),
});

export const PromptSectionInfoSchema = z.object({
  id: z.string(),
  kind: z.string(),
  trust: z.string(),
  inclusion: z.string().optional(),
  tokens: z.number().int(),
});

export const TrimSchema = z.object({
  step: z.number().int(),
  sectionId: z.string(),
  action: z.enum(["raw_to_summary", "summary_to_latest", "account_activity_dropped", "section_dropped"]),
  tokensBefore: z.number().int(),
  tokensAfter: z.number().int(),
});

export const PacketSchema = z
  .object({
    schemaVersion: z.literal(PACKET_SCHEMA_VERSION),
    asOfMs: z.number().int(),
    clone: z.object({ id: z.string(), ownerId: z.string(), name: z.string(), modelId: z.string(), tradingEnabled: z.boolean() }),
    strategy: z.object({
      strategyId: z.string(),
      enabled: z.boolean(),
      coverageMode: z.string(),
      candidatePolicy: z.string(),
    }),
    execution: z.object({
      symbol: z.string(),
      enabled: z.boolean(),
      decisionCadenceSec: z.number().int(),
      customBehaviorPrompt: z.string(),
      promptBudgetTokens: z.number().int(),
    }),
    asset: UniverseEntrySchema.extend({
      venue: z.object({
        szDecimals: z.number().int(),
        maxLeverage: z.number().int().nullable(),
        onlyIsolated: z.boolean(),
        minNotionalUsd: z.number(),
      }),
    }),
    reads: z.array(ReadSchema.extend({ readId: z.string() })),
    skippedReads: z.array(PacketSkippedReadSchema),
    series: z.array(SeriesSchema.extend({ readId: z.string() })),
    account: AccountSummarySchema.nullable(),
    /** The decided asset's price, two-horizon indicators, open interest and funding (snapshot.model.ts). */
    snapshot: AssetSnapshotSchema,
    /** Present when an account is attached and the runtime supplies its memory (invocation count, exit plans). */
    memory: DecisionMemorySchema.optional(),
    /** The stored pipeline version the packet was compiled from, when the account pinned one (audition, race). */
    pipelineVersionHash: z.string().optional(),
    prompt: z.object({
      budgetTokens: z.number().int(),
      tokens: z.number().int(),
      withinBudget: z.boolean(),
      sections: z.array(PromptSectionInfoSchema),
      trimmed: z.array(TrimSchema),
    }),
    /** Content addresses (artifact store keys) of the large payloads: the full prompt text. */
    artifacts: z.array(z.object({ role: z.string(), key: z.string(), sha256: z.string(), bytes: z.number().int() })),
  })
  .openapi("ContextPacket");
export type Packet = z.infer<typeof PacketSchema>;

export const ContextPreviewSchema = z
  .object({
    packetHash: z.string(),
    pipelineVersion: z.number().int(),
    asOfMs: z.number().int(),
    tokens: z.object({ total: z.number().int(), budget: z.number().int(), bySection: z.record(z.string(), z.number().int()) }),
    trimmed: z.array(TrimSchema),
    packet: PacketSchema,
    prompt: z.string(),
  })
  .openapi("ContextPreview");

export const CandidateVerdictSchema = z.object({
  symbol: z.string(),
  score: z.number(),
  passed: z.boolean(),
  openPosition: z.boolean(),
  selected: z.boolean(),
  reasons: z.array(z.string()),
  signals: z.object({
    symbol: z.string(),
    volume24hUsd: z.number().nullable(),
    fundingHourly: z.number().nullable(),
    rsi14: z.number().nullable(),
    close: z.number().nullable(),
    bbUpper: z.number().nullable(),
    bbLower: z.number().nullable(),
    closeHourAgo: z.number().nullable(),
  }),
});

export const CandidateScanSchema = z
  .object({
    cloneId: z.string(),
    strategyId: z.string(),
    asOfMs: z.number().int(),
    slotMs: z.number().int(),
    mode: z.enum(["scored", "all", "round_robin"]),
    cap: z.number().int(),
    selected: z.array(z.string()),
    ranked: z.array(CandidateVerdictSchema),
  })
  .openapi("CandidateScan");
export type CandidateScanResult = z.infer<typeof CandidateScanSchema>;
