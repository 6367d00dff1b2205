/**
 * The rate-limit middleware step, in two gates for the caller's user key and client IP key:
 *  1. the Workers Rate Limiting bindings (RATE_LIMIT_USER_WRITES / _USER_READS / _IP in wrangler.toml):
 *     a key over its limit is refused here, in the isolate's colo, without any Durable Object round trip,
 *     so a burst of refusals stays cheap (issue 21: 1,000 concurrent requests of one user used to queue
 *     through one RateLimiter object, refusals p99 8.8 s). Its windows are the binding's own (60 s, wall
 *     clock), so `Retry-After` is the time to the end of the current minute: at most one window off.
 *  2. what the bindings let through is counted exactly by the key's RateLimiter Durable Object (limits
 *     from the RATE_LIMIT_*_PER_MIN vars, time from the injected clock, honest `Retry-After`).
 * Over either limit is 429 `rate_limited` with `Retry-After`. The binding limits equal the vars in every
 * environment (`npm run deploy:check` refuses a difference), so in production the first gate refuses
 * and the object only counts what a colo's approximate counter let slip through.
 *
 * Step 0, before either gate: a key a gate refused is remembered in the isolate (per env object, so per
 * configuration) until the `Retry-After` it was given, and refused again from memory, with no binding
 * call, no object and no D1. The windows are fixed, a refused hit is not counted, and a count only grows
 * within its window: a key refused in a window stays refused until that window ends, so the memo never
 * refuses what a gate would admit (for the binding, whose window the Worker cannot see, it refuses at
 * most until the minute's end it already announced). This is what makes the 900 refusals of a burst
 * cheap: only the first refusal of a key pays for a gate (locally the binding is itself an object with
 * SQLite, as costly as a D1 read; see doc/operations.md).
 */
import type { Context } from "hono";
import { readPlatformConfig } from "../core/platform.config";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";
import { limitFor, RATE_WINDOW_MS, type RateLimits, type RateRule } from "./rate-limit.model";

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
  const memo = refusedMemo(c.env);
  const remembered = Math.max(0, ...keys.map((key) => (memo.get(`${key}:${rule}`) ?? 0) - nowMs));
  if (remembered > 0) refuse(c, remembered);
  const gates = await Promise.all(keys.map((key) => bindingFor(c.env, key, rule).limit({ key: `${key}:${rule}` })));
  if (gates.some((g) => !g.success)) {
    const resetInMs = RATE_WINDOW_MS - (nowMs % RATE_WINDOW_MS);
    for (const [i, key] of keys.entries()) if (!gates[i]?.success) remember(memo, `${key}:${rule}`, nowMs + resetInMs, nowMs);
    refuse(c, resetInMs);
  }
  const results = await Promise.all(
    keys.map((key) => c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(key)).hit(rule, nowMs, limitFor(limits, key, rule))),
  );
  const refused = keys.flatMap((key, i) => (results[i]?.allowed === false ? [{ key, resetInMs: results[i].resetInMs }] : []));
  for (const r of refused) remember(memo, `${r.key}:${rule}`, nowMs + r.resetInMs, nowMs);
  if (refused.length > 0) refuse(c, Math.max(...refused.map((r) => r.resetInMs)));
}

/** At most this many refused keys are remembered per isolate; beyond it the oldest are forgotten (they ask a gate again). */
export const REFUSED_MEMO_MAX = 10_000;

/** `<key>:<rule>` → the (injected-clock) time until which it is refused. Per env object: a test's overrides get their own. */
const refusedMemos = new WeakMap<object, Map<string, number>>();

function refusedMemo(env: Env): Map<string, number> {
  const memo = refusedMemos.get(env) ?? new Map<string, number>();
  refusedMemos.set(env, memo);
  return memo;
}

function remember(memo: Map<string, number>, memoKey: string, untilMs: number, nowMs: number): void {
  memo.delete(memoKey); // re-inserted last: Map order is the eviction order
  memo.set(memoKey, untilMs);
  if (memo.size <= REFUSED_MEMO_MAX) return;
  for (const [k, until] of memo) {
    if (memo.size <= REFUSED_MEMO_MAX && until > nowMs) break;
    memo.delete(k);
  }
}

/** The Rate Limiting binding that gates `key` (`ip:` or `user:`) under `rule`. */
function bindingFor(env: Env, key: string, rule: RateRule): RateLimit {
  if (key.startsWith("ip:")) return env.RATE_LIMIT_IP;
  return rule === "write" ? env.RATE_LIMIT_USER_WRITES : env.RATE_LIMIT_USER_READS;
}

function refuse(c: Context<AppEnv>, resetInMs: number): never {
  const retryAfterSec = Math.max(1, Math.ceil(resetInMs / 1000));
  c.header("Retry-After", String(retryAfterSec));
  throw new ApiError("rate_limited", `too many requests; retry in ${retryAfterSec} s`, { retryAfterSec });
}
