/**
 * DefiLlama ingestion against the local stand-in serving the REAL recorded responses
 * (test/fixtures/defillama). `/protocol/drift-trade` is recorded; the chain and global TVL series are
 * derived by the stand-in from that recorded protocol series (Drift Trade is Solana-only), because no
 * chain series was recorded. `/stablecoins` and `/overview/*` were not recorded: those polls record an
 * error against the stand-in, which is what this test asserts for them (no data is invented).
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { DAY_MS, floorTo } from "../../src/core/clock";
import { overviewRows, stablecoinRows } from "../../src/domains/market-data/defillama/defillama.model";
import { pollDimension, pollStablecoins, pollTvl } from "../../src/domains/market-data/defillama/defillama.service";
import drift from "../fixtures/defillama/protocol_drift-trade.reduced.json";
import { faultUrl, runsOf, TEST_POLICY, tableCount, testPollContext } from "../support/ingestion";

const base = inject("defillamaUrl");
const urls = { apiUrl: base, stablecoinsUrl: base };
const lastDate = drift.tvl[drift.tvl.length - 1]?.date as number;
const NOW = lastDate * 1000 + 3_600_000;
const settings = { DEFILLAMA_CHAINS: "Solana", DEFILLAMA_PROTOCOLS: "drift-trade" };

describe("defillama tvl", () => {
  beforeEach(async () => {
    await env.DB.batch(["defillama_metrics", "ingestion_runs"].map((t) => env.DB.prepare(`DELETE FROM ${t}`)));
  });

  it("stores the newest 8 days per scope with 1d/7d deltas, matching the recorded series", async () => {
    const outcome = await pollTvl(testPollContext(NOW, settings), urls, TEST_POLICY);
    expect(outcome).toMatchObject({ status: "ok", rowsWritten: 24 });
    const { results } = await env.DB.prepare("SELECT * FROM defillama_metrics WHERE scope = 'protocol' ORDER BY day_ms DESC").all<
      Record<string, number | string>
    >();
    expect(results).toHaveLength(8);
    const series = drift.tvl;
    const n = series.length;
    const newest = series[n - 1] as { date: number; totalLiquidityUSD: number };
    // The recorded last point is the partial current day and falls on the same UTC day as the
    // previous 00:00 point: the day's row holds the newest value, and deltas compare whole days.
    expect(results[0]).toMatchObject({
      channel: "tvl",
      target: "drift-trade",
      day_ms: floorTo(newest.date * 1000, DAY_MS),
      t_ms: newest.date * 1000,
      value_usd: newest.totalLiquidityUSD,
      delta_1d_usd: newest.totalLiquidityUSD - (series[n - 3]?.totalLiquidityUSD as number),
      delta_7d_usd: newest.totalLiquidityUSD - (series[n - 9]?.totalLiquidityUSD as number),
    });
    // Global and Solana are the same recorded series here (the stand-in's world is Drift Trade).
    const scopes = await env.DB.prepare(
      "SELECT scope, target, count(*) AS n, max(value_usd) AS v FROM defillama_metrics GROUP BY scope, target ORDER BY scope",
    ).all();
    expect(scopes.results).toEqual([
      { scope: "chain", target: "Solana", n: 8, v: results.reduce((m, r) => Math.max(m, r.value_usd as number), 0) },
      { scope: "global", target: "all", n: 8, v: results.reduce((m, r) => Math.max(m, r.value_usd as number), 0) },
      { scope: "protocol", target: "drift-trade", n: 8, v: results.reduce((m, r) => Math.max(m, r.value_usd as number), 0) },
    ]);
    // A re-poll of the same day overwrites, never duplicates.
    await pollTvl(testPollContext(NOW + 60_000, settings), urls, TEST_POLICY);
    expect(await tableCount("defillama_metrics")).toBe(24);
  });

  it.each([
    ["500", "protocol"],
    ["timeout", "v2"],
    ["malformed", "protocol"],
  ] as const)("a %s on /%s records an error and writes no row", async (kind, prefix) => {
    const faulty = faultUrl(base, kind, prefix);
    const outcome = await pollTvl(testPollContext(NOW, settings), { apiUrl: faulty, stablecoinsUrl: faulty }, TEST_POLICY);
    expect(outcome.status).toBe("error");
    expect(await tableCount("defillama_metrics")).toBe(0);
    const runs = await runsOf("defillama", "tvl");
    expect(runs).toEqual([expect.objectContaining({ status: "error", rows_written: 0 })]);
  });

  it("an unknown protocol (404 at the stand-in, not retried) is a recorded error", async () => {
    const outcome = await pollTvl(
      testPollContext(NOW, { ...settings, DEFILLAMA_PROTOCOLS: "drift-trade,not-recorded" }),
      urls,
      TEST_POLICY,
    );
    expect(outcome).toMatchObject({ status: "error", error: expect.stringContaining("status 404") });
    expect(await tableCount("defillama_metrics")).toBe(0);
  });

  it("unrecorded endpoints (stablecoins, overviews) record errors; disabled channels are skipped", async () => {
    expect((await pollStablecoins(testPollContext(NOW, settings), urls, TEST_POLICY)).status).toBe("error");
    expect((await pollDimension(testPollContext(NOW, settings), urls, TEST_POLICY, "open_interest")).status).toBe("error");
    const disabled = testPollContext(NOW, { ...settings, INGEST_DISABLED_CHANNELS: "defillama:fees" });
    expect(await pollDimension(disabled, urls, TEST_POLICY, "fees")).toEqual({ status: "disabled" });
    expect(await runsOf("defillama", "fees")).toHaveLength(0);
    expect(await tableCount("defillama_metrics")).toBe(0);
  });
});

describe("defillama pure mappings (shape examples, not market data)", () => {
  it("computes stablecoin flows as supply differences and keeps USD pegs only", () => {
    const rows = stablecoinRows(
      {
        peggedAssets: [
          {
            symbol: "A",
            pegType: "peggedUSD",
            circulating: { peggedUSD: 10 },
            circulatingPrevDay: { peggedUSD: 7 },
            circulatingPrevWeek: { peggedUSD: 4 },
            chainCirculating: { X: { current: { peggedUSD: 6 }, circulatingPrevDay: { peggedUSD: 5 } } },
          },
          { symbol: "B", pegType: "peggedEUR", circulating: { peggedUSD: 99 } },
        ],
      },
      ["X", "Y"],
      5,
      DAY_MS,
    );
    expect(rows.map((r) => [r.scope, r.target, r.valueUsd, r.delta1dUsd, r.delta7dUsd])).toEqual([
      ["global", "all", 10, 3, 6],
      ["chain", "X", 6, 1, null],
      ["stablecoin", "A", 10, 3, 6],
    ]);
  });

  it("open interest keeps Derivatives protocols only and sums them", () => {
    const rows = overviewRows(
      "open_interest",
      "global",
      "all",
      {
        total24h: 100,
        protocols: [
          { name: "Perp One", category: "Derivatives", total24h: 30 },
          { name: "Dex", category: "Dexs", total24h: 70 },
        ],
      },
      5,
      DAY_MS,
    );
    expect(rows.map((r) => [r.scope, r.target, r.valueUsd])).toEqual([
      ["global", "all", 30],
      ["protocol", "perp-one", 30],
    ]);
  });
});
