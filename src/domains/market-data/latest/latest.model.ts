/**
 * The latest-data contract: `GET /api/v1/market/latest?source&channel&symbol|target&limit` answers
 * `{ source, channel, subject, rows }`, rows newest first, one normalized row shape per channel (what
 * a Data Stream Block review shows). Schemas here document every row shape in the OpenAPI document.
 * Decimal strings from Hyperliquid stay strings (exact); Polymarket money is integer micro-USD;
 * DefiLlama values are macro statistics in USD (floats, never ledger math).
 */
import { z } from "@hono/zod-openapi";
import { SourceSchema } from "../channels.model";

export const LATEST_MAX_LIMIT = 500;

export const LatestQuerySchema = z.object({
  source: SourceSchema.openapi({ example: "hyperliquid" }),
  channel: z.string().min(1).max(40).openapi({ example: "ohlcv_1m" }),
  /** Hyperliquid coin as on the wire (`BTC`, `@107`, `xyz:TSLA`). */
  symbol: z.string().min(1).max(60).optional().openapi({ example: "BTC" }),
  /**
   * Polymarket: `market:<id|slug>`, `event:<id|slug>`, `asset:<symbol>` (legacy keyword match) or a bare id/slug.
   * DefiLlama: `all` (default), `chain:<name>`, `protocol:<slug>`, `stablecoin:<symbol>`.
   */
  target: z.string().min(1).max(200).optional().openapi({ example: "chain:Solana" }),
  /** Indicator channels only: the candle interval they are computed on. */
  interval: z.enum(["1m", "1h"]).optional(),
  limit: z.coerce.number().int().min(1).max(LATEST_MAX_LIMIT).default(20),
});
export type LatestQuery = z.infer<typeof LatestQuerySchema>;

const decimal = z.string().openapi({ description: "exchange decimal string" });

export const CandleRowSchema = z
  .object({
    tMs: z.number().int().openapi({ description: "open time" }),
    closeTimeMs: z.number().int(),
    open: decimal,
    high: decimal,
    low: decimal,
    close: decimal,
    volume: decimal,
    trades: z.number().int().nullable(),
    /** 1h only: 1m candles in the bar and whether the hour is complete. */
    sourceMinutes: z.number().int().optional(),
    isFinal: z.boolean().optional(),
  })
  .openapi("LatestCandleRow");

export const FundingRowSchema = z
  .object({
    tMs: z.number().int().openapi({ description: "5-minute poll bucket" }),
    polledAtMs: z.number().int(),
    fundingRate: decimal,
    premium: decimal.nullable(),
    markPx: decimal,
    oraclePx: decimal,
    openInterest: decimal,
    predicted: z.array(z.object({ venue: z.string(), fundingRate: z.string(), nextFundingTimeMs: z.number().int() })),
  })
  .openapi("LatestFundingRow");

/** Fields Polymarket markets and events share. */
const listingFields = {
  volumeMicroUsd: z.number().int().nullable(),
  liquidityMicroUsd: z.number().int().nullable(),
  startMs: z.number().int().nullable(),
  endMs: z.number().int().nullable(),
  active: z.boolean(),
  closed: z.boolean(),
  tags: z.array(z.string()),
};

const OutcomeSchema = z.object({ name: z.string(), price: z.number().nullable(), tokenId: z.string().nullable() });

export const PolymarketMarketRowSchema = z
  .object({
    tMs: z.number().int().openapi({ description: "source update time (else ingest time)" }),
    id: z.string(),
    eventId: z.string().nullable(),
    slug: z.string(),
    question: z.string(),
    outcomes: z.array(OutcomeSchema),
    ...listingFields,
    /** For a target: `immediate` (soonest-resolving open market), `later` (the next), else null. */
    role: z.enum(["immediate", "later"]).nullable(),
  })
  .openapi("LatestPolymarketMarketRow");

export const PolymarketEventRowSchema = z
  .object({
    tMs: z.number().int(),
    id: z.string(),
    slug: z.string(),
    title: z.string(),
    ...listingFields,
  })
  .openapi("LatestPolymarketEventRow");

export const PolymarketPriceRowSchema = z
  .object({ tMs: z.number().int(), marketId: z.string(), outcome: z.string(), tokenId: z.string(), price: z.number() })
  .openapi("LatestPolymarketPriceRow");

export const DefillamaRowSchema = z
  .object({
    tMs: z.number().int(),
    dayMs: z.number().int(),
    valueUsd: z.number(),
    delta1dUsd: z.number().nullable(),
    delta7dUsd: z.number().nullable(),
  })
  .openapi("LatestDefillamaRow");

/** Indicator rows (rsi, bollinger, sma, ema, macd) come from the indicators workstream's reader. */
export const IndicatorRowSchema = z
  .object({ tMs: z.number().int() })
  .catchall(z.union([z.number(), z.string(), z.null()]))
  .openapi("LatestIndicatorRow");

export const LatestRowSchema = z.union([
  CandleRowSchema,
  FundingRowSchema,
  PolymarketMarketRowSchema,
  PolymarketEventRowSchema,
  PolymarketPriceRowSchema,
  DefillamaRowSchema,
  IndicatorRowSchema,
]);
export type LatestRow = z.infer<typeof LatestRowSchema>;

/** What the rows are about: an asset, a Polymarket target (with its immediate/later markets) or a DefiLlama scope. */
export const SubjectSchema = z
  .object({
    kind: z.enum(["asset", "market", "event", "asset-match", "all", "global", "chain", "protocol", "stablecoin"]),
    id: z.string(),
    label: z.string().optional(),
    immediateMarketId: z.string().nullable().optional(),
    laterMarketId: z.string().nullable().optional(),
  })
  .openapi("LatestSubject");
export type Subject = z.infer<typeof SubjectSchema>;

export const LatestResponseSchema = z
  .object({ source: SourceSchema, channel: z.string(), subject: SubjectSchema, rows: z.array(LatestRowSchema) })
  .openapi("LatestData");
export type LatestResponse = z.infer<typeof LatestResponseSchema>;
