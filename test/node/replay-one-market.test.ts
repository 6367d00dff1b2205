/**
 * Issue 24, item 22: offline prices are one market. The replay exchange replays recorded candles
 * (Binance January 2025 as BTC and ETH, Kraken XBT/USDT as the illiquid NOT); its contexts, mids and
 * books must be priced from those same candles, not from the 2026 recording of metaAndAssetCtxs.
 *
 * The exchange runs on an injected clock, stepped one minute at a time (at a different second of each
 * minute); at every minute every replayed coin's mark, oracle, mid, `allMids` entry and `l2Book` mid
 * must agree within 0.5% with the close of the newest closed candle the same exchange serves through
 * candleSnapshot (the candle the backend stores last). Everything goes through HTTP and is parsed
 * with the backend's own schemas. The last case walks every minute of the recorded series in process (last: it holds the event loop,
 * so idle keep-alive sockets of the earlier cases would be reset under a later fetch).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CandleSource } from "../../src/cli/replay-exchange/candle-source";
import { type ReplayExchange, startReplayExchange } from "../../src/cli/replay-exchange/server";
import {
  CandleSnapshotSchema,
  MetaAndAssetCtxsSchema,
  PredictedFundingsSchema,
} from "../../src/domains/market-data/hyperliquid/info-wire.model";
import recordedCtxs from "../fixtures/hyperliquid/metaAndAssetCtxs.json";

const TOLERANCE = 0.005;
const MINUTE = 60_000;
const RUN_MINUTES = 120;
const REPLAYED = ["BTC", "ETH", "NOT"];
/** 2026-12-01 12:00:00 UTC: any fixed instant; the replay shifts its series to it. */
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

let realNow = T0;
let exchange: ReplayExchange;

async function info(body: Record<string, unknown>): Promise<unknown> {
  const res = await fetch(exchange.infoUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, JSON.stringify(body)).toBe(200);
  return res.json();
}

/** The newest candle closed by `vNowMs`, as candleSnapshot serves it. */
async function lastClose(coin: string, vNowMs: number): Promise<number> {
  const candles = CandleSnapshotSchema.parse(
    await info({ type: "candleSnapshot", req: { coin, interval: "1m", startTime: vNowMs - 3 * 60 * MINUTE } }),
  );
  const closed = candles.filter((c) => c.T < vNowMs);
  const newest = closed.at(-1);
  if (!newest) throw new Error(`${coin}: no closed candle by ${vNowMs}`);
  return Number(newest.c);
}

const off = (px: number | string | undefined, ref: number) => Math.abs(Number(px) / ref - 1);

beforeAll(async () => {
  exchange = await startReplayExchange({ speed: 1, historyMinutes: 5000, weightLimit: 1_000_000_000, clock: () => realNow });
});
afterAll(async () => {
  await exchange?.stop();
});

describe("offline prices are one market", () => {
  it("mark and the last close agree within 0.5% for every replayed coin at every minute of a replay run", async () => {
    let checked = 0;
    for (let m = 0; m < RUN_MINUTES; m++) {
      realNow = T0 + m * MINUTE + ((m * 7919) % MINUTE); // a different second of each minute
      const vNow = realNow; // speed 1
      const [meta, ctxs] = MetaAndAssetCtxsSchema.parse(await info({ type: "metaAndAssetCtxs" }));
      const mids = (await info({ type: "allMids" })) as Record<string, string>;
      for (const coin of REPLAYED) {
        const close = await lastClose(coin, vNow);
        const ctx = ctxs[meta.universe.findIndex((u) => u.name === coin)];
        const where = `${coin} at minute ${m} (close ${close})`;
        expect(off(ctx?.markPx, close), `mark ${ctx?.markPx} of ${where}`).toBeLessThanOrEqual(TOLERANCE);
        expect(off(ctx?.oraclePx, close), `oracle ${ctx?.oraclePx} of ${where}`).toBeLessThanOrEqual(TOLERANCE);
        expect(off(ctx?.midPx ?? undefined, close), `mid ${ctx?.midPx} of ${where}`).toBeLessThanOrEqual(TOLERANCE);
        expect(off(mids[coin], close), `allMids ${mids[coin]} of ${where}`).toBeLessThanOrEqual(TOLERANCE);
        const book = (await info({ type: "l2Book", coin })) as { levels: [Array<{ px: string }>, Array<{ px: string }>] };
        const [bid, ask] = [Number(book.levels[0][0]?.px), Number(book.levels[1][0]?.px)];
        expect(bid, where).toBeLessThan(ask);
        expect(off((bid + ask) / 2, close), `book mid of ${where}`).toBeLessThanOrEqual(TOLERANCE);
        checked += 1;
      }
    }
    expect(checked).toBe(RUN_MINUTES * REPLAYED.length);
  }, 120_000);

  it("keeps recorded rates, moves predicted funding times to the replay's next boundaries, leaves other coins recorded", async () => {
    realNow = T0 + 17 * MINUTE + 5_000;
    const predicted = PredictedFundingsSchema.parse(await info({ type: "predictedFundings" }));
    for (const [, venues] of predicted) {
      for (const [venue, value] of venues) {
        if (!value) continue;
        const interval = (value.fundingIntervalHours ?? 1) * 3_600_000;
        expect(value.nextFundingTime, venue).toBeGreaterThan(realNow);
        expect(value.nextFundingTime - realNow, venue).toBeLessThanOrEqual(interval);
        expect(value.nextFundingTime % interval, venue).toBe(0);
      }
    }
    const [meta, ctxs] = MetaAndAssetCtxsSchema.parse(await info({ type: "metaAndAssetCtxs" }));
    const [recMeta, recCtx] = recordedCtxs as unknown as [{ universe: Array<{ name: string }> }, Array<Record<string, string>>];
    const btc = meta.universe.findIndex((u) => u.name === "BTC");
    expect(ctxs[btc]).toMatchObject({
      funding: recCtx[btc]?.funding,
      openInterest: recCtx[btc]?.openInterest,
      premium: recCtx[btc]?.premium,
    });
    // A coin the replay does not play (no series, no fallback) keeps its recorded context whole.
    const sol = recMeta.universe.findIndex((u) => u.name === "SOL");
    expect(ctxs[sol]).toEqual(recCtx[sol]);
  });

  it("holds at every minute of the recorded series (in process, against the candle source's snapshots)", () => {
    const source: CandleSource = exchange.source;
    const [meta] = exchange.market.metaAndAssetCtxs(T0);
    const at = Object.fromEntries(REPLAYED.map((c) => [c, meta.universe.findIndex((u) => u.name === c)]));
    const first = source.openTimeOf(0) + MINUTE;
    const last = source.openTimeOf(source.length("BTC"));
    let minutes = 0;
    for (let v = first; v <= last; v += MINUTE) {
      const [, ctxs] = exchange.market.metaAndAssetCtxs(v);
      for (const coin of REPLAYED) {
        const closed = source.snapshot(coin, v - 3 * 60 * MINUTE, undefined, v).filter((c) => c.T < v);
        const newest = closed.at(-1);
        if (!newest) continue; // the illiquid coin's first minutes: nothing traded yet
        const mark = ctxs[at[coin] as number]?.markPx;
        if (off(mark, Number(newest.c)) > TOLERANCE) throw new Error(`${coin} at ${v}: mark ${mark} vs close ${newest.c}`);
      }
      minutes += 1;
    }
    expect(minutes).toBe(source.length("BTC"));
  }, 120_000);
});
