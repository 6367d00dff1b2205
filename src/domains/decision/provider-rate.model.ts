/**
 * Per-provider token bucket (issue 23 item 13): a storm of clones deciding in the same minute must not
 * get every run 429'd by the provider. Each model request takes one token; tokens refill continuously at
 * `perMinute` up to `burst`. Pure: the caller passes the time and stores the state (the
 * ProviderRateLimit Durable Object, one per provider, is the single writer).
 * Invariants: 0 <= tokens <= burst; a denied take leaves the state unchanged and says when a token will
 * be there (`retryAfterMs` > 0); time going backwards refills nothing.
 */
import { z } from "zod";

export const ProviderRateSchema = z.object({
  /** Sustained model requests a minute to this provider (all consumers together). */
  perMinute: z.number().int().min(1).max(1_000_000),
  /** Most requests at once after a quiet spell. */
  burst: z.number().int().min(1).max(100_000),
});
export type ProviderRate = z.infer<typeof ProviderRateSchema>;

/** `DECISION_PROVIDER_RATES`: JSON `{ "<provider>": { perMinute, burst } }`; a provider not listed is unlimited. */
export const ProviderRatesSchema = z.record(z.string().min(1).max(64), ProviderRateSchema);
export type ProviderRates = z.infer<typeof ProviderRatesSchema>;

export interface BucketState {
  tokens: number;
  updatedAtMs: number;
}

export type TakeResult = { granted: true; state: BucketState } | { granted: false; state: BucketState; retryAfterMs: number };

/** Refills `previous` to `nowMs` and takes one token if there is one. */
export function takeToken(previous: BucketState | undefined, nowMs: number, rate: ProviderRate): TakeResult {
  const perMs = rate.perMinute / 60_000;
  const start = previous ?? { tokens: rate.burst, updatedAtMs: nowMs };
  const elapsed = Math.max(0, nowMs - start.updatedAtMs);
  const tokens = Math.min(rate.burst, start.tokens + elapsed * perMs);
  const at = Math.max(nowMs, start.updatedAtMs);
  if (tokens >= 1) return { granted: true, state: { tokens: tokens - 1, updatedAtMs: at } };
  return { granted: false, state: { tokens, updatedAtMs: at }, retryAfterMs: Math.max(1, Math.ceil((1 - tokens) / perMs)) };
}
