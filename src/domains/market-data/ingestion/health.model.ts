/**
 * Ingestion health, per source and channel: the row shape the admin API and the dashboard show, and
 * the pure status rule. Status precedence: disabled > failing (the last 2+ polls failed) > stale (no
 * data, or the newest datapoint is older than the channel's threshold) > degraded (the last poll
 * failed once, or some expected subjects are not fresh) > ok.
 */
import { z } from "@hono/zod-openapi";
import { HOUR_MS, MINUTE_MS } from "../../../core/clock";

export const HealthStatusSchema = z.enum(["ok", "degraded", "stale", "failing", "disabled"]);
export type HealthStatus = z.infer<typeof HealthStatusSchema>;

export const HealthPointSchema = z.object({ hourStartMs: z.number().int(), rows: z.number().int(), lagMs: z.number().int().nullable() });

export const ChannelHealthSchema = z
  .object({
    source: z.string(),
    channel: z.string(),
    status: HealthStatusSchema,
    note: z.string().nullable(),
    lastSuccessMs: z.number().int().nullable(),
    lastError: z.object({ atMs: z.number().int(), message: z.string() }).nullable(),
    consecutiveFailures: z.number().int(),
    newestDataMs: z.number().int().nullable(),
    lagMs: z.number().int().nullable(),
    staleAfterMs: z.number().int(),
    volume: z.object({ lastHour: z.number().int(), lastDay: z.number().int() }),
    coverage: z.object({ fresh: z.number().int(), expected: z.number().int() }),
    /** Hourly buckets over the last 24 hours, oldest first: rows written and lag at the bucket. */
    last24h: z.array(HealthPointSchema),
  })
  .openapi("ChannelHealth");
export type ChannelHealth = z.infer<typeof ChannelHealthSchema>;

/** Lag beyond which a channel is stale: a few cadences of its poll or feed. */
export const STALE_AFTER_MS: Record<string, number> = {
  "hyperliquid:ohlcv_1m": 5 * MINUTE_MS,
  "hyperliquid:ohlcv_1h": 2 * HOUR_MS + 5 * MINUTE_MS,
  "hyperliquid:funding": 20 * MINUTE_MS,
  // Indicators trail the candles by the job's minute plus its gap wait (3 minutes).
  "hyperliquid:rsi": 6 * MINUTE_MS,
  "hyperliquid:bollinger": 6 * MINUTE_MS,
  "hyperliquid:sma": 6 * MINUTE_MS,
  "hyperliquid:ema": 6 * MINUTE_MS,
  "hyperliquid:macd": 6 * MINUTE_MS,
  "polymarket:markets": 20 * MINUTE_MS,
  "polymarket:events": 20 * MINUTE_MS,
  "polymarket:prices": 3 * HOUR_MS,
  "defillama:tvl": 6 * HOUR_MS,
  "defillama:stablecoins": 6 * HOUR_MS,
  "defillama:dex_volume": 6 * HOUR_MS,
  "defillama:fees": 6 * HOUR_MS,
  "defillama:revenue": 6 * HOUR_MS,
  "defillama:open_interest": 6 * HOUR_MS,
};
export const DEFAULT_STALE_AFTER_MS = HOUR_MS;

export interface StatusInput {
  disabled: boolean;
  consecutiveFailures: number;
  lagMs: number | null;
  staleAfterMs: number;
  coverage: { fresh: number; expected: number };
}

/** The status rule (see the file header). */
export function healthStatus(input: StatusInput): HealthStatus {
  if (input.disabled) return "disabled";
  if (input.consecutiveFailures >= 2) return "failing";
  if (input.lagMs === null || input.lagMs > input.staleAfterMs) return "stale";
  if (input.consecutiveFailures === 1 || input.coverage.fresh < input.coverage.expected) return "degraded";
  return "ok";
}

/** The 24 hourly bucket starts ending with the current hour. */
export function last24Buckets(nowMs: number): number[] {
  const current = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  return Array.from({ length: 24 }, (_, i) => current - (23 - i) * HOUR_MS);
}
