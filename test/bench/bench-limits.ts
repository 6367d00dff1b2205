/**
 * The benches' way through the per-user and per-IP API limits (src/http/rate-limit.ts): the bench's
 * own throwaway backend (`wrangler dev` on a fresh local D1) is started with these `--var`s, the same
 * way vitest.config.ts gives the workerd tests TEST_RATE_LIMITS. One bench user sends thousands of
 * writes a minute on purpose (that is what a throughput bench measures), so the production limits
 * (60 writes, 120 reads a user, 600 an IP, per minute: src/config.ts) would stop it at the first
 * minute with `429 rate_limited`.
 *
 * Production is untouched: wrangler.toml and src/config.ts keep their limits, and these values exist
 * only in the vars of a backend a bench starts for itself. The limiter still runs on every request
 * (the limits are high, not off), so its cost stays inside the measured figures. The HTTP bench
 * (http.bench.ts) measures the limiter itself and sets its own low limit instead.
 */
export const BENCH_RATE_LIMITS: Readonly<Record<string, string>> = {
  RATE_LIMIT_USER_WRITES_PER_MIN: "1000000000",
  RATE_LIMIT_USER_READS_PER_MIN: "1000000000",
  RATE_LIMIT_IP_PER_MIN: "1000000000",
};
