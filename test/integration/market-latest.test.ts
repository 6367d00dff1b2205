/**
 * GET /api/v1/market/latest over data ingested from the recorded responses (replay exchange,
 * Polymarket and DefiLlama stand-ins): one normalized row shape per channel, newest first; unknown
 * source/channel/symbol/target and unsupported pairs (spot funding) answer 4xx with the envelope.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createApp } from "../../src/app";
import { fixedClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { newIndicatorState, stepIndicators } from "../../src/domains/market-data";
import { pollTvl } from "../../src/domains/market-data/defillama/defillama.service";
import { upsertCandles1m } from "../../src/domains/market-data/hyperliquid/candles-ingest.service";
import { CandleSnapshotSchema } from "../../src/domains/market-data/hyperliquid/info-wire.model";
import { discover } from "../../src/domains/market-data/polymarket/polymarket.discovery";
import { pollPrices } from "../../src/domains/market-data/polymarket/polymarket.service";
import { runJobNow } from "../../src/jobs";
import drift from "../fixtures/defillama/protocol_drift-trade.reduced.json";
import btcSnapshot from "../fixtures/hyperliquid/candleSnapshot_BTC_1m.json";
import nominee from "../fixtures/polymarket/gamma_events_democratic-presidential-nominee-2028.json";
import { bearer } from "../support/auth";
import { TEST_POLICY, testPollContext } from "../support/ingestion";

const replay = inject("replayExchange");
const pm = inject("polymarketUrl");
const ll = inject("defillamaUrl");
const NOW = Date.UTC(2026, 2, 11, 16, 0, 0); // the Polymarket recording's day
const ids = sequentialIds();
const candles = CandleSnapshotSchema.parse(btcSnapshot);

async function latest(query: string, role: "user" | "admin" = "user") {
  const app = createApp({ clock: fixedClock(NOW), ids });
  const res = await app.request(`/api/v1/market/latest?${query}`, { headers: await bearer("u1", role, NOW) }, env);
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are asserted field by field below.
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
  const deps = { clock: fixedClock(NOW), ids };
  const hl = { ...env, HYPERLIQUID_INFO_URL: replay.infoUrl };
  for (const job of ["market-data.refresh-assets", "market-data.poll-contexts"]) {
    const r = await runJobNow(hl, deps, job, {});
    if (!r.ok || r.value.status !== "ran" || r.value.run.status !== "ok") throw new Error(`${job} failed`);
  }
  await upsertCandles1m(openDb(env.DB), candles, NOW);
  const pmUrls = { gammaUrl: pm, clobUrl: pm };
  expect(
    (await discover(testPollContext(NOW), pmUrls, TEST_POLICY, { eventsPageSize: 50, marketsPageSize: 50, maxPages: 5, flushRows: 1000 }))
      .status,
  ).toBe("ok");
  const watched = testPollContext(NOW, { POLYMARKET_WATCHED_MARKETS: "democratic-presidential-nominee-2028" });
  expect((await pollPrices(watched, pmUrls, TEST_POLICY)).status).toBe("ok");
  const llCtx = testPollContext(NOW, { DEFILLAMA_CHAINS: "Solana", DEFILLAMA_PROTOCOLS: "drift-trade" });
  expect((await pollTvl(llCtx, { apiUrl: ll, stablecoinsUrl: ll }, TEST_POLICY)).status).toBe("ok");
});

describe("latest: hyperliquid", () => {
  it("returns the newest recorded 1m candles of BTC, newest first", async () => {
    const { status, body } = await latest("source=hyperliquid&channel=ohlcv_1m&symbol=BTC&limit=5");
    expect(status).toBe(200);
    expect(body.subject).toMatchObject({ kind: "asset", id: "BTC" });
    const newest = candles.slice(-5).reverse();
    expect(body.rows).toEqual(
      newest.map((c) => ({ tMs: c.t, closeTimeMs: c.T, open: c.o, high: c.h, low: c.l, close: c.c, volume: c.v, trades: c.n })),
    );
  });

  it("returns funding rows from the asset contexts, and refuses spot funding by the registry's flags", async () => {
    const funding = await latest("source=hyperliquid&channel=funding&symbol=BTC&limit=1");
    expect(funding.status).toBe(200);
    // Rates and open interest as recorded; the mark is the replayed BTC market's (src/cli/replay-exchange/market.ts).
    expect(funding.body.rows[0]).toMatchObject({ fundingRate: "0.0000125", openInterest: "36368.34814" });
    const stored = await env.DB.prepare("SELECT mark_px FROM hyperliquid_asset_ctxs WHERE symbol = 'BTC' ORDER BY bucket_ms DESC").first<{
      mark_px: string;
    }>();
    expect(funding.body.rows[0].markPx).toBe(stored?.mark_px);
    expect(Number(funding.body.rows[0].markPx)).toBeGreaterThan(80_000); // January 2025, not the recording's 66,303
    const spot = await latest("source=hyperliquid&channel=funding&symbol=%40107");
    expect(spot.status).toBe(422);
    expect(spot.body.error).toMatchObject({ code: "unprocessable", details: { reason: "unsupported_channel" } });
    expect(spot.body.error.message).toMatch(/spot asset @107 has no funding/);
  });

  it("answers 4xx for unknown symbols, channels and sources", async () => {
    expect((await latest("source=hyperliquid&channel=ohlcv_1m&symbol=NOPE")).body.error.code).toBe("not_found");
    const channel = await latest("source=hyperliquid&channel=tvl&symbol=BTC");
    expect(channel).toMatchObject({ status: 400, body: { error: { code: "bad_request" } } });
    expect((await latest("source=binance&channel=ohlcv_1m&symbol=BTC")).body.error.code).toBe("validation_failed");
    expect((await latest("source=hyperliquid&channel=ohlcv_1m")).status).toBe(400);
    expect((await latest("source=hyperliquid&channel=ohlcv_1m&symbol=BTC&limit=0")).status).toBe(400);
  });
});

describe("latest: hyperliquid indicators", () => {
  it("reads the indicator rows the indicators-1m job derived from the stored BTC candles", async () => {
    const afterLast = (candles.at(-1)?.t ?? 0) + 2 * 60_000;
    const run = await runJobNow(env, { clock: fixedClock(afterLast), ids }, "market-data.indicators-1m", {});
    if (!run.ok || run.value.status !== "ran") throw new Error("indicators-1m did not run");
    expect(run.value.run.status).toBe("ok");
    // The engine over the same closes gives the expected newest values (the engine itself is checked
    // against windowed TA-Lib references in test/unit/indicator-engine.test.ts).
    const state = newIndicatorState();
    const expected = candles.map((c) => ({ t: c.t, ...stepIndicators(state, Number(c.c)) }));
    const newest = expected.at(-1);
    const macd = await latest("source=hyperliquid&channel=macd&symbol=BTC&interval=1m&limit=3");
    expect(macd.status).toBe(200);
    expect(macd.body.rows).toHaveLength(3);
    expect(macd.body.rows[0]).toEqual({
      tMs: newest?.t,
      interval: "1m",
      macd: newest?.macd,
      macdSignal: newest?.macdSignal,
      macdHist: newest?.macdHist,
    });
    const rsi = await latest("source=hyperliquid&channel=rsi&symbol=BTC&limit=100");
    // Warm-up bars are left out: RSI 14 has its first value on the 15th candle.
    expect(rsi.body.rows).toHaveLength(candles.length - 14);
    expect(rsi.body.rows.at(-1)).toEqual({ tMs: expected[14]?.t, interval: "1m", rsi14: expected[14]?.rsi14 });
    expect((await latest("source=hyperliquid&channel=rsi&symbol=NOPE")).status).toBe(404);

    // Ingestion health of the indicator channel reads the same rows and the job's heartbeat.
    const app = createApp({ clock: fixedClock(afterLast), ids });
    const res = await app.request("/api/v1/admin/ingestion/hyperliquid", { headers: await bearer("a1", "admin", afterLast) }, env);
    const { channels } = (await res.json()) as { channels: Array<Record<string, unknown>> };
    expect(channels.find((c) => c.channel === "rsi")).toMatchObject({
      newestDataMs: candles.at(-1)?.t,
      lagMs: 2 * 60_000,
      lastSuccessMs: afterLast,
      // Only BTC has candles, out of every listed asset with the capability.
      status: "degraded",
      coverage: { fresh: 1 },
    });
  });
});

describe("latest: polymarket", () => {
  const event = nominee[0] as (typeof nominee)[0];

  it("reads an event target's markets with its immediate and later market", async () => {
    const { status, body } = await latest("source=polymarket&channel=markets&target=event:democratic-presidential-nominee-2028");
    expect(status).toBe(200);
    expect(body.subject).toMatchObject({ kind: "event", id: event.id, immediateMarketId: "559657", laterMarketId: "559659" });
    const immediate = body.rows.find((r: { id: string }) => r.id === "559657");
    const recorded = event.markets.find((m) => m.id === "559657") as (typeof event.markets)[0];
    expect(immediate).toMatchObject({ role: "immediate", question: recorded.question, endMs: Date.parse(recorded.endDate) });
    expect(immediate.outcomes[0]).toEqual({
      name: "Yes",
      price: Number(JSON.parse(recorded.outcomePrices)[0]),
      tokenId: JSON.parse(recorded.clobTokenIds)[0],
    });
    const tMs = body.rows.map((r: { tMs: number }) => r.tMs);
    expect(tMs).toEqual([...tMs].sort((a, b) => b - a));
  });

  it("reads events and the immediate market's prices", async () => {
    const events = await latest("source=polymarket&channel=events&target=event:democratic-presidential-nominee-2028");
    expect(events.body.rows).toEqual([expect.objectContaining({ id: event.id, slug: event.slug, title: event.title })]);
    const prices = await latest("source=polymarket&channel=prices&target=event:democratic-presidential-nominee-2028");
    expect(prices.status).toBe(200);
    expect(prices.body.rows.map((r: { marketId: string; outcome: string }) => `${r.marketId}:${r.outcome}`)).toEqual([
      "559657:No",
      "559657:Yes",
    ]);
    expect((await latest("source=polymarket&channel=prices")).status).toBe(400);
    expect((await latest("source=polymarket&channel=markets&target=event:no-such-event")).status).toBe(404);
  });
});

describe("latest: defillama", () => {
  it("reads a protocol's TVL days newest first, as recorded", async () => {
    const { status, body } = await latest("source=defillama&channel=tvl&target=protocol:drift-trade&limit=3");
    expect(status).toBe(200);
    expect(body.subject).toEqual({ kind: "protocol", id: "drift-trade" });
    const last = drift.tvl.at(-1) as { date: number; totalLiquidityUSD: number };
    expect(body.rows).toHaveLength(3);
    expect(body.rows[0]).toMatchObject({ tMs: last.date * 1000, valueUsd: last.totalLiquidityUSD });
    expect(body.rows[0].dayMs).toBeGreaterThan(body.rows[1].dayMs);
  });

  it("answers 404 for a target with no data and 400 for an ill-formed one", async () => {
    expect((await latest("source=defillama&channel=tvl&target=chain:Ethereum")).status).toBe(404);
    expect((await latest("source=defillama&channel=fees&target=all")).status).toBe(404);
    expect((await latest("source=defillama&channel=tvl&target=planet:Mars")).body.error.code).toBe("bad_request");
  });
});
