/** The ingestion health status rule and the dashboard's duration labels (pure). */
import { describe, expect, it } from "vitest";
import { HOUR_MS, MINUTE_MS } from "../../src/core/clock";
import { humanDuration } from "../../src/domains/market-data/ingestion/dashboard.page";
import { healthStatus, last24Buckets, type StatusInput } from "../../src/domains/market-data/ingestion/health.model";

const healthy: StatusInput = {
  disabled: false,
  consecutiveFailures: 0,
  lagMs: MINUTE_MS,
  staleAfterMs: 5 * MINUTE_MS,
  coverage: { fresh: 3, expected: 3 },
};

describe("healthStatus", () => {
  it.each([
    ["ok", {}],
    ["degraded", { consecutiveFailures: 1 }],
    ["degraded", { coverage: { fresh: 2, expected: 3 } }],
    ["stale", { lagMs: 5 * MINUTE_MS + 1 }],
    ["stale", { lagMs: null }],
    ["failing", { consecutiveFailures: 2, lagMs: null }],
    ["disabled", { disabled: true, consecutiveFailures: 5 }],
  ] as const)("is %s for %o", (status, change) => {
    expect(healthStatus({ ...healthy, ...change })).toBe(status);
  });

  it("is ok exactly at the threshold", () => {
    expect(healthStatus({ ...healthy, lagMs: 5 * MINUTE_MS })).toBe("ok");
  });
});

describe("last24Buckets and labels", () => {
  it("ends with the current hour, oldest first", () => {
    const now = Date.UTC(2026, 10, 25, 12, 34);
    const buckets = last24Buckets(now);
    expect(buckets).toHaveLength(24);
    expect(buckets.at(-1)).toBe(Date.UTC(2026, 10, 25, 12));
    expect(buckets[0]).toBe(Date.UTC(2026, 10, 24, 13));
  });

  it("prints durations compactly", () => {
    expect([null, 42_000, 7 * MINUTE_MS, 3.5 * HOUR_MS, 50 * HOUR_MS].map(humanDuration)).toEqual(["-", "42s", "7m", "3.5h", "2.1d"]);
  });
});
