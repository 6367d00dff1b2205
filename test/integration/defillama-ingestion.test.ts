/**
 * DefiLlama ingestion against the local stand-in serving the REAL recorded responses
 * (test/fixtures/defillama). `/protocol/drift-trade` is recorded; the chain and global TVL series are
 * derived by the stand-in from that recorded protocol series (Drift Trade is Solana-only), because no
 * chain series was recorded. `/stablecoins` serves the real (partial, scraper-kept) recording of 8
 * pegged assets without the scraper's keys: the stored rows equal that answer, and the channel's
 * health is `ok`. `/overview/*` were not recorded: those polls record an error against the stand-in
 * (no data is invented), and `npm start` keeps those channels disabled.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { DAY_MS, floorTo } from "../../src/core/clock";
import { overviewRows, stablecoinRows } from "../../src/domains/market-data/defillama/defillama.model";
import { pollDimension, pollStablecoins, pollTvl } from "../../src/domains/market-data/defillama/defillama.service";
import { ingestionHealth } from "../../src/domains/market-data/ingestion/health.service";
import { IngestionSettingsSchema } from "../../src/domains/market-data/ingestion/ingestion.model";
import drift from "../fixtures/defillama/protocol_drift-trade.reduced.json";
import pegged from "../fixtures/defillama/stablecoins_peggedAssets__chainparrot_2022-08-27__tail8.json";
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

  it("stablecoins: stores rows equal to the recorded answer served, and the channel is healthy", async () => {
    const chains = "Karura,Kava";
    const outcome = await pollStablecoins(testPollContext(NOW, { ...settings, DEFILLAMA_CHAINS: chains }), urls, TEST_POLICY);
    expect(outcome).toMatchObject({ status: "ok" });
    const { results } = await env.DB.prepare(
      "SELECT scope, target, value_usd, delta_1d_usd, delta_7d_usd FROM defillama_metrics WHERE channel = 'stablecoins' ORDER BY scope, target",
    ).all<{ scope: string; target: string; value_usd: number; delta_1d_usd: number | null; delta_7d_usd: number | null }>();
    // Expected straight from the recording (every recorded asset is USD-pegged).
    type Supply = { peggedUSD: number };
    type Asset = {
      symbol: string;
      circulating: Supply;
      circulatingPrevDay: Supply;
      circulatingPrevWeek: Supply;
      chainCirculating: Record<string, { current: Supply; circulatingPrevDay: Supply; circulatingPrevWeek: Supply }>;
    };
    const assets = pegged as unknown as Asset[];
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const expected: typeof results = [];
    for (const chain of chains.split(",")) {
      const on = assets.flatMap((a) => (a.chainCirculating[chain] ? [a.chainCirculating[chain]] : []));
      if (on.length === 0) continue;
      expected.push({
        scope: "chain",
        target: chain,
        value_usd: sum(on.map((c) => c.current.peggedUSD)),
        delta_1d_usd: sum(on.map((c) => c.current.peggedUSD - c.circulatingPrevDay.peggedUSD)),
        delta_7d_usd: sum(on.map((c) => c.current.peggedUSD - c.circulatingPrevWeek.peggedUSD)),
      });
    }
    expected.push({
      scope: "global",
      target: "all",
      value_usd: sum(assets.map((a) => a.circulating.peggedUSD)),
      delta_1d_usd: sum(assets.map((a) => a.circulating.peggedUSD - a.circulatingPrevDay.peggedUSD)),
      delta_7d_usd: sum(assets.map((a) => a.circulating.peggedUSD - a.circulatingPrevWeek.peggedUSD)),
    });
    for (const a of [...assets].sort((x, y) => x.symbol.localeCompare(y.symbol))) {
      expected.push({
        scope: "stablecoin",
        target: a.symbol,
        value_usd: a.circulating.peggedUSD,
        delta_1d_usd: a.circulating.peggedUSD - a.circulatingPrevDay.peggedUSD,
        delta_7d_usd: a.circulating.peggedUSD - a.circulatingPrevWeek.peggedUSD,
      });
    }
    expect(expected.some((r) => r.scope === "chain")).toBe(true);
    expect(results).toEqual(expected);
    const health = await ingestionHealth(env.DB, IngestionSettingsSchema.parse({}), NOW + 60_000, ["defillama"]);
    expect(health.find((h) => h.channel === "stablecoins")?.status).toBe("ok");
  });

  it("unrecorded endpoints (overviews) record errors; disabled channels are skipped", async () => {
    expect((await pollDimension(testPollContext(NOW, settings), urls, TEST_POLICY, "open_interest")).status).toBe("error");
    const disabled = testPollContext(NOW, { ...settings, INGEST_DISABLED_CHANNELS: "defillama:fees" });
    expect(await pollDimension(disabled, urls, TEST_POLICY, "fees")).toEqual({ status: "disabled" });
    expect(await runsOf("defillama", "fees")).toHaveLength(0);
    expect(await tableCount("defillama_metrics")).toBe(0);
  });
});

describe("defillama stablecoin flows (derived from the recording)", () => {
  it("one coin lacking a previous-day value does not null the global delta", () => {
    // DERIVED: the recorded answer with the first asset's circulatingPrevDay removed.
    const assets = structuredClone(pegged) as unknown as Array<
      Record<string, unknown> & { circulating: { peggedUSD: number }; circulatingPrevDay?: { peggedUSD: number } }
    >;
    const lacking = assets[0];
    if (!lacking) throw new Error("empty recording");
    delete lacking.circulatingPrevDay;
    const rows = stablecoinRows({ peggedAssets: assets as never }, [], 10, NOW);
    const global = rows.find((r) => r.scope === "global");
    const others = assets.slice(1);
    expect(global?.delta1dUsd).toBe(others.reduce((s, a) => s + (a.circulating.peggedUSD - (a.circulatingPrevDay?.peggedUSD ?? 0)), 0));
    expect(rows.find((r) => r.target === lacking.symbol)?.delta1dUsd).toBeNull();
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

  it("open interest uses the API's total and lists Derivatives protocols only", () => {
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
    // The API's own total is used as given (never re-summed from a category); the top list keeps Derivatives.
    expect(rows.map((r) => [r.scope, r.target, r.valueUsd])).toEqual([
      ["global", "all", 100],
      ["protocol", "perp-one", 30],
    ]);
  });
});
