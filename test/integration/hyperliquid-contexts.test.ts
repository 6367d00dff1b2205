/**
 * Funding and asset-context polls from the replay exchange (its metaAndAssetCtxs and predictedFundings
 * are the recorded answers with the replayed coins priced from their candles: one market): one
 * compact row per listed perp per minute, ctx paired with the universe by index, predicted fundings
 * per venue (fetched in 5-minute buckets, carried in between), idempotent within a minute, nothing
 * written on a malformed answer, the weight of each poll reserved from the shared budget. The minute
 * tick polls right before the prop mark job, so the stored mark is at most a minute old (issue 24,
 * item 6), and `latestMarks` / `freshMark` give the trading side a mark with its observation time.
 * Also the 1m candle upsert and the latest-N reads other domains use.
 */
import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { fixedClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import {
  BUDGET_OBJECT_NAME,
  DEFAULT_MARK_MAX_AGE_MS,
  freshMark,
  latestAssetContexts,
  latestCandles1m,
  latestMarks,
} from "../../src/domains/market-data";
import { upsertCandles1m } from "../../src/domains/market-data/hyperliquid/candles-ingest.service";
import { CandleSnapshotSchema } from "../../src/domains/market-data/hyperliquid/info-wire.model";
import { dispatchCron, runJobNow } from "../../src/jobs";
import { SCHEDULE } from "../../src/schedule";
import btcSnapshot from "../fixtures/hyperliquid/candleSnapshot_BTC_1m.json";
import metaAndAssetCtxs from "../fixtures/hyperliquid/metaAndAssetCtxs.json";

const replay = inject("replayExchange");
/** Coins the replay exchange plays from candles (src/cli/replay-exchange/candle-source.ts DEFAULT_SERIES; Node-only). */
const REPLAYED = new Set(["BTC", "ETH", "NOT"]);
/** A 5-minute boundary: its poll also fetches the predicted fundings. */
const BUCKET = Date.UTC(2026, 10, 25, 12, 5, 0);
const ids = sequentialIds();
const db = openDb(env.DB);
const replayEnv = { ...env, HYPERLIQUID_INFO_URL: replay.infoUrl };

async function poll(nowMs: number, infoUrl = replay.infoUrl) {
  const result = await runJobNow(
    { ...env, HYPERLIQUID_INFO_URL: infoUrl },
    { clock: fixedClock(nowMs), ids },
    "market-data.poll-contexts",
    {},
  );
  if (!result.ok || result.value.status !== "ran") throw new Error("poll did not run");
  return result.value.run;
}
const rowCount = async () => (await env.DB.prepare("SELECT count(*) AS n FROM hyperliquid_asset_ctxs").first<{ n: number }>())?.n;
const budget = env.HYPERLIQUID_BUDGET.get(env.HYPERLIQUID_BUDGET.idFromName(BUDGET_OBJECT_NAME));
const weightGranted = async () => (await budget.status()).weightGranted;

/** Closes of the replay exchange's newest BTC candles right now (its virtual clock runs 600x). */
async function recentBtcCloses(): Promise<number[]> {
  const state = (await (await fetch(`${replay.baseUrl}/control/state`)).json()) as { virtualNowMs: number };
  const res = await fetch(replay.infoUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "candleSnapshot", req: { coin: "BTC", interval: "1m", startTime: state.virtualNowMs - 30 * 60_000 } }),
  });
  return CandleSnapshotSchema.parse(await res.json()).map((c) => Number(c.c));
}

describe("market-data.poll-contexts", () => {
  it("writes nothing when an answer is malformed", async () => {
    const run = await poll(BUCKET, `${replay.baseUrl}/malformed/info`);
    expect(run.status).toBe("error");
    expect(await rowCount()).toBe(0);
  });

  it("stores one row per listed perp, paired with the universe by index, replayed coins priced from their candles", async () => {
    const before = await weightGranted();
    const run = await poll(BUCKET + 5_000);
    // metaAndAssetCtxs and (5-minute bucket) predictedFundings: 20 each, from the shared budget.
    expect((await weightGranted()) - before).toBe(40);
    const closes = await recentBtcCloses();
    const [meta, ctxs] = metaAndAssetCtxs as unknown as [
      { universe: Array<{ name: string; isDelisted?: boolean }> },
      Array<Record<string, unknown>>,
    ];
    const listed = meta.universe.filter((u) => !u.isDelisted).length;
    expect(run).toMatchObject({ status: "ok", itemsProcessed: listed });
    expect(await rowCount()).toBe(listed);

    const [btc] = await latestAssetContexts(db, "BTC", 5);
    // Rates, open interest and premium as recorded; the prices are BTC's replayed market (January
    // 2025, near 94-106k), not the recording's 66,303: the mark is one of the newest closes.
    expect(btc).toMatchObject({
      symbol: "BTC",
      bucketMs: BUCKET,
      polledAtMs: BUCKET + 5_000,
      fundingRate: "0.0000125",
      openInterest: "36368.34814",
      premium: "-0.0003663484",
    });
    const mark = Number(btc?.markPx);
    expect(
      closes.some((c) => Math.abs(c - mark) <= 0.05),
      `mark ${mark} among ${closes.slice(-5)}`,
    ).toBe(true);
    expect(Math.abs(Number(btc?.oraclePx) / mark - 1)).toBeLessThan(0.005);
    expect(Math.abs(Number(btc?.midPx) / mark - 1)).toBeLessThan(0.005);
    expect(btc?.predicted.map((p) => [p.venue, p.fundingRate, p.intervalHours])).toEqual([
      ["BinPerp", "0.00003866", 8],
      ["HlPerp", "0.0000125", 1],
      ["BybitPerp", "0.0000501", 8],
    ]);
    for (const p of btc?.predicted ?? []) expect(p.nextFundingTimeMs % ((p.intervalHours ?? 1) * 3_600_000)).toBe(0);
    // Every listed perp carries the ctx at its own index (delisted entries sit between them); coins
    // the replay does not play keep the recorded prices.
    for (const [i, u] of meta.universe.entries()) {
      if (u.isDelisted) continue;
      const [row] = await latestAssetContexts(db, u.name, 1);
      if (!REPLAYED.has(u.name)) expect(row?.markPx, u.name).toBe(ctxs[i]?.markPx);
      expect(row?.openInterest, u.name).toBe(ctxs[i]?.openInterest);
    }
    expect(await latestAssetContexts(db, "MATIC", 1)).toEqual([]);
    expect((await latestAssetContexts(db, "ATOM", 1))[0]?.predicted).toEqual([]);
  });

  it("is idempotent within a minute, adds a row per symbol each minute, and carries the predictions between 5-minute polls", async () => {
    const before = await rowCount();
    await poll(BUCKET + 35_000);
    expect(await rowCount()).toBe(before);
    const weightBefore = await weightGranted();
    await poll(BUCKET + 60_000);
    // Only metaAndAssetCtxs in a minute that is not a 5-minute boundary.
    expect((await weightGranted()) - weightBefore).toBe(20);
    expect(await rowCount()).toBe((before ?? 0) * 2);
    const latest = await latestAssetContexts(db, "ETH", 2);
    expect(latest.map((r) => r.bucketMs)).toEqual([BUCKET + 60_000, BUCKET]);
    expect(latest[0]?.predicted).toEqual(latest[1]?.predicted);
    expect(latest[0]?.predicted.length).toBeGreaterThan(0);
  });
});

describe("fresh marks (issue 24, item 6)", () => {
  it("polls the contexts every minute, before the mark job, inside the budget: after a minute tick the stored mark is at most one minute old", async () => {
    expect(SCHEDULE["*/5 * * * *"]).not.toContain("market-data.poll-contexts");
    const minute = SCHEDULE["* * * * *"] ?? [];
    expect(minute.indexOf("market-data.poll-contexts")).toBeGreaterThanOrEqual(0);
    expect(minute.indexOf("market-data.poll-contexts")).toBeLessThan(minute.indexOf("trading.mark-to-market"));

    // 12:07: not a 5-minute boundary, and the 12:06 row holds predictions to carry: weight 20.
    const tick = BUCKET + 2 * 60_000;
    const weightBefore = await weightGranted();
    const outcomes = await dispatchCron(replayEnv, { clock: fixedClock(tick + 1_500), ids }, "* * * * *", tick);
    const polled = outcomes.find((o) => o.status === "ran" && o.run.jobName === "market-data.poll-contexts");
    expect(polled).toMatchObject({ status: "ran", run: { status: "ok" } });
    expect((await weightGranted()) - weightBefore).toBe(20);

    const marks = await latestMarks(db, ["BTC", "ETH", "SOL", "NOPE"], tick + 1_500);
    expect([...marks.keys()].sort()).toEqual(["BTC", "ETH", "SOL"]);
    for (const [symbol, m] of marks) {
      expect(m.observedAtMs, symbol).toBe(tick + 1_500);
      // At the next minute's mark job, this mark is at most one minute old: fresh.
      const next = freshMark(symbol, m, tick + 60_000 + 1_500);
      expect(next, symbol).toMatchObject({ ok: true, ageMs: 60_000 });
    }
    // A reader at a time before the poll sees the previous poll's mark, not a future one.
    expect((await latestMarks(db, ["BTC"], tick - 1)).get("BTC")?.observedAtMs).toBeLessThan(tick);
  });

  it("refuses a missing mark and one older than the setting (default 90 s), saying why", async () => {
    const [m] = (await latestMarks(db, ["BTC"], BUCKET + 2 * 60_000 + 1_500)).values();
    if (!m) throw new Error("no BTC mark");
    expect(DEFAULT_MARK_MAX_AGE_MS).toBe(90_000);
    expect(freshMark("BTC", m, m.observedAtMs + 90_000)).toMatchObject({ ok: true, ageMs: 90_000 });
    expect(freshMark("BTC", m, m.observedAtMs + 90_001)).toEqual({
      ok: false,
      reason: "stale",
      symbol: "BTC",
      ageMs: 90_001,
      maxAgeMs: 90_000,
      observedAtMs: m.observedAtMs,
    });
    expect(freshMark("BTC", m, m.observedAtMs + 30_001, 30_000)).toMatchObject({ ok: false, reason: "stale" });
    expect(freshMark("XYZ", undefined, m.observedAtMs)).toEqual({ ok: false, reason: "missing", symbol: "XYZ" });
  });
});

describe("1-minute candle upsert and reads", () => {
  it("upserts recorded candles idempotently and reads the newest first", async () => {
    const candles = CandleSnapshotSchema.parse(btcSnapshot);
    await upsertCandles1m(db, candles, 1);
    await upsertCandles1m(db, candles.slice(10, 30), 2);
    const rows = await latestCandles1m(db, "BTC", 1000);
    expect(rows).toHaveLength(candles.length);
    const newest = candles.at(-1);
    expect(rows[0]).toMatchObject({
      openTimeMs: newest?.t,
      open: newest?.o,
      high: newest?.h,
      low: newest?.l,
      close: newest?.c,
      volume: newest?.v,
      trades: newest?.n,
    });
    expect((await latestCandles1m(db, "BTC", 3)).map((r) => r.openTimeMs)).toEqual(
      candles
        .slice(-3)
        .map((c) => c.t)
        .reverse(),
    );
  });
});
