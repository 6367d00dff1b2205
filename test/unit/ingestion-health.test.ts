/** The ingestion health status rule and the dashboard's duration labels (pure). */
import { describe, expect, it } from "vitest";
import { HOUR_MS, MINUTE_MS } from "../../src/core/clock";
import { humanDuration, renderDashboard } from "../../src/domains/market-data/ingestion/dashboard.page";
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

describe("dashboard charts", () => {
  it("draws a bar per hour and breaks the lag line where nothing was written", async () => {
    const now = Date.UTC(2026, 10, 25, 12, 30);
    const last24h = last24Buckets(now).map((hourStartMs, i) => ({
      hourStartMs,
      rows: i < 20 ? 10 + i : 0,
      lagMs: i < 10 ? (i + 1) * MINUTE_MS : i >= 12 && i < 20 ? 5 * MINUTE_MS : null,
    }));
    const health = {
      source: "defillama",
      channel: "tvl",
      status: "ok" as const,
      note: null,
      lastSuccessMs: now,
      lastError: { atMs: now, message: "<script>alert(1)</script>" },
      consecutiveFailures: 0,
      newestDataMs: now,
      lagMs: 0,
      staleAfterMs: HOUR_MS,
      volume: { lastHour: 0, lastDay: 290 },
      coverage: { fresh: 1, expected: 1 },
      last24h,
    };
    const page = String(await renderDashboard([health], now));
    const volume = /<svg class="chart volume"[\s\S]*?<\/svg>/.exec(page)?.[0] ?? "";
    expect(volume.match(/<rect /g)).toHaveLength(24);
    expect(volume).toContain('height="26.0"'); // the busiest hour fills the chart
    const lag = /<svg class="chart lag"[\s\S]*?<\/svg>/.exec(page)?.[0] ?? "";
    expect(lag.match(/<polyline /g)).toHaveLength(2);
    expect(page).not.toContain("<script>");
    expect(page).toContain("&lt;script&gt;");
  });
});
