/**
 * The HTTP rate limits a bench gives the throwaway backend it starts (`startWranglerDev` vars, on its own
 * free port and its own D1): high enough that a bench's own traffic (thousands of writes a minute from one
 * user and one IP) is never answered 429 `rate_limited`. Production limits are untouched: these are vars
 * of the bench's local Worker only, not defaults (src/config.ts keeps 60/120/600 a minute). The `http`
 * bench, which measures where the first 429 lands, does not use them.
 */
export const BENCH_RATE_LIMITS: Readonly<Record<string, string>> = {
  RATE_LIMIT_USER_WRITES_PER_MIN: "1000000",
  RATE_LIMIT_USER_READS_PER_MIN: "1000000",
  RATE_LIMIT_IP_PER_MIN: "1000000",
};
