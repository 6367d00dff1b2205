/**
 * Rate limiting, the pure part: fixed one-minute windows per (key, rule). A key is `user:<sub>` or
 * `ip:<address>`; a rule is a class of requests (`write`, `read` = expensive reads). The RateLimiter
 * Durable Object (durable-objects/rate-limiter/) keeps one counter row per (rule) in the object named
 * by the key, so every counter has exactly one writer and no two requests race on it.
 *
 * Two gates (src/http/rate-limit.ts): the Workers Rate Limiting bindings refuse first and cheaply (no
 * object round trip; per-colo, approximate, wall-clock windows, limits fixed in wrangler.toml); the
 * object then counts what they let through exactly (per key, injected clock, the limits of the vars, the
 * time until the window resets for an honest `Retry-After`), so tests see deterministic windows and a
 * colo's approximate counter never lets more through than the settings allow.
 */
import { z } from "zod";

export const RATE_WINDOW_MS = 60_000;

export const RateRuleSchema = z.enum(["write", "read"]);
export type RateRule = z.infer<typeof RateRuleSchema>;

/** Limits per window: per user (by `sub`) and per client IP, for each rule. */
export interface RateLimits {
  userWritesPerMin: number;
  userReadsPerMin: number;
  ipPerMin: number;
}

export interface WindowState {
  windowStartMs: number;
  count: number;
}

export interface HitResult {
  allowed: boolean;
  /** How many more hits this window allows after this one. */
  remaining: number;
  /** Milliseconds until the window resets (what `Retry-After` rounds up). */
  resetInMs: number;
  state: WindowState;
}

/** Counts one hit against `limit` in the window containing `nowMs`; a refused hit is not counted. */
export function hitWindow(previous: WindowState | undefined, nowMs: number, limit: number): HitResult {
  const windowStartMs = Math.floor(nowMs / RATE_WINDOW_MS) * RATE_WINDOW_MS;
  const count = previous && previous.windowStartMs === windowStartMs ? previous.count : 0;
  const resetInMs = windowStartMs + RATE_WINDOW_MS - nowMs;
  if (count >= limit) return { allowed: false, remaining: 0, resetInMs, state: { windowStartMs, count } };
  return { allowed: true, remaining: limit - count - 1, resetInMs, state: { windowStartMs, count: count + 1 } };
}

/** The limit a key gets under a rule. */
export function limitFor(limits: RateLimits, key: string, rule: RateRule): number {
  if (key.startsWith("ip:")) return limits.ipPerMin;
  return rule === "write" ? limits.userWritesPerMin : limits.userReadsPerMin;
}
