/**
 * What the engine knows about the market at one instant: per-asset trading rules (with Hyperliquid's
 * margin tiers) and quotes. The engine never fetches; callers pass this in (the Worker reads D1, the
 * replay CLI folds its event file), so tests and replays control every price.
 */
import { z } from "@hono/zod-openapi";

export const MarginTierInputSchema = z.object({ lowerBound: z.string(), maxLeverage: z.number().int().positive() });

export const AssetSpecSchema = z.object({
  symbol: z.string(),
  kind: z.enum(["perp", "spot"]),
  szDecimals: z.number().int().min(0).max(10),
  maxLeverage: z.number().int().positive(),
  marginTiers: z.array(MarginTierInputSchema).min(1),
  isDelisted: z.boolean().default(false),
});
export type AssetSpec = z.infer<typeof AssetSpecSchema>;

export const QuoteSchema = z.object({
  symbol: z.string(),
  markPx: z.string(),
  oraclePx: z.string().nullable().optional(),
  midPx: z.string().nullable().optional(),
  /** When mark/mid/oracle were observed. */
  pxAtMs: z.number().int(),
  /** Close of the newest closed 1m candle and its close time (a trade price; a reference candidate). */
  closePx: z.string().nullable().optional(),
  closeAtMs: z.number().int().nullable().optional(),
  /** `[bid impact, ask impact]` for the exchange's impact notional. */
  impactPxs: z.tuple([z.string(), z.string()]).nullable().optional(),
});
export type Quote = z.infer<typeof QuoteSchema>;

export const MarketSchema = z.object({
  assets: z.record(z.string(), AssetSpecSchema),
  quotes: z.record(z.string(), QuoteSchema),
});
export type Market = z.infer<typeof MarketSchema>;

export const EMPTY_MARKET: Market = { assets: {}, quotes: {} };

/** Which price an intake used as its reference, and when it was observed. */
export interface Reference {
  px: string;
  source: "mid" | "mark" | "candle_close";
  atMs: number;
}

/** The freshest of the polled mid (mark when no mid) and the newest closed 1m close. */
export function referenceOf(quote: Quote): Reference {
  const polled: Reference = quote.midPx
    ? { px: quote.midPx, source: "mid", atMs: quote.pxAtMs }
    : { px: quote.markPx, source: "mark", atMs: quote.pxAtMs };
  if (quote.closePx && quote.closeAtMs !== null && quote.closeAtMs !== undefined && quote.closeAtMs > polled.atMs) {
    return { px: quote.closePx, source: "candle_close", atMs: quote.closeAtMs };
  }
  return polled;
}

/** The exchange's impact notional: 20k USDC on BTC and ETH, 6k on others. */
export const impactNotionalUsd = (symbol: string): number => (symbol === "BTC" || symbol === "ETH" ? 20_000 : 6_000);
