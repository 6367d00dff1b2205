/**
 * The rate-limit middleware step: one hit on the caller's user key and one on their client IP key,
 * each counted by its RateLimiter Durable Object; over either limit is 429 `rate_limited` with
 * `Retry-After` (seconds until the window resets). Limits come from the configuration
 * (RATE_LIMIT_* vars); the time from the injected clock.
 */
import type { Context } from "hono";
import { readPlatformConfig } from "../core/platform.config";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";
import { limitFor, type RateLimits, type RateRule } from "./rate-limit.model";

/**
 * The caller's address as Cloudflare's edge reports it. Absent only on requests that did not come
 * through an edge or `wrangler dev` (tests calling the app directly): those are limited per user only,
 * rather than all sharing one "unknown" counter (one hot object serializing every such request).
 */
export const clientIp = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip");

export async function enforceRateLimit(c: Context<AppEnv>, rule: RateRule): Promise<void> {
  const config = readPlatformConfig(c.env);
  const limits: RateLimits = {
    userWritesPerMin: config.RATE_LIMIT_USER_WRITES_PER_MIN,
    userReadsPerMin: config.RATE_LIMIT_USER_READS_PER_MIN,
    ipPerMin: config.RATE_LIMIT_IP_PER_MIN,
  };
  const nowMs = c.get("deps").clock.nowMs();
  const auth = c.get("auth");
  const ip = clientIp(c);
  const keys = [...(ip ? [`ip:${ip}`] : []), ...(auth ? [`user:${auth.sub}`] : [])];
  const results = await Promise.all(
    keys.map((key) => c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(key)).hit(rule, nowMs, limitFor(limits, key, rule))),
  );
  const refused = results.filter((r) => !r.allowed);
  if (refused.length > 0) {
    const retryAfterSec = Math.max(1, Math.ceil(Math.max(...refused.map((r) => r.resetInMs)) / 1000));
    c.header("Retry-After", String(retryAfterSec));
    throw new ApiError("rate_limited", `too many requests; retry in ${retryAfterSec} s`, { retryAfterSec });
  }
}
