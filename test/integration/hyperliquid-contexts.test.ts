/**
 * Funding and asset-context polls from the replay exchange's recorded answers (metaAndAssetCtxs.json,
 * predictedFundings.json): one compact row per listed perp per 5-minute bucket, ctx paired with the
 * universe by index, predicted fundings per venue, idempotent within a bucket, nothing written on a
 * malformed answer. Also the 1m candle upsert and the latest-N reads other domains use.
 */
import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { fixedClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { latestAssetContexts, latestCandles1m } from "../../src/domains/market-data";
import { upsertCandles1m } from "../../src/domains/market-data/hyperliquid/candles-ingest.service";
import { CandleSnapshotSchema } from "../../src/domains/market-data/hyperliquid/info.schemas";
import { runJobNow } from "../../src/jobs";
import btcSnapshot from "../fixtures/hyperliquid/candleSnapshot_BTC_1m.json";
import metaAndAssetCtxs from "../fixtures/hyperliquid/metaAndAssetCtxs.json";

const replay = inject("replayExchange");
const BUCKET = Date.UTC(2026, 10, 25, 12, 5, 0);
const ids = sequentialIds();
const db = openDb(env.DB);

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

describe("market-data.poll-contexts", () => {
  it("writes nothing when an answer is malformed", async () => {
    const run = await poll(BUCKET, `${replay.baseUrl}/malformed/info`);
    expect(run.status).toBe("error");
    expect(await rowCount()).toBe(0);
  });

  it("stores one row per listed perp, paired with the universe by index", async () => {
    const run = await poll(BUCKET + 65_000);
    const [meta, ctxs] = metaAndAssetCtxs as unknown as [
      { universe: Array<{ name: string; isDelisted?: boolean }> },
      Array<Record<string, unknown>>,
    ];
    const listed = meta.universe.filter((u) => !u.isDelisted).length;
    expect(run).toMatchObject({ status: "ok", itemsProcessed: listed });
    expect(await rowCount()).toBe(listed);

    const [btc] = await latestAssetContexts(db, "BTC", 5);
    expect(btc).toEqual({
      symbol: "BTC",
      bucketMs: BUCKET,
      polledAtMs: BUCKET + 65_000,
      fundingRate: "0.0000125",
      markPx: "66303.2",
      oraclePx: "66330.3",
      midPx: "66305.5",
      openInterest: "36368.34814",
      dayNtlVlm: "2099966847.0508704185",
      premium: "-0.0003663484",
      predicted: [
        { venue: "BinPerp", fundingRate: "0.00003866", nextFundingTimeMs: 1790524800000, intervalHours: 8 },
        { venue: "HlPerp", fundingRate: "0.0000125", nextFundingTimeMs: 1790517600000, intervalHours: 1 },
        { venue: "BybitPerp", fundingRate: "0.0000501", nextFundingTimeMs: 1790524800000, intervalHours: 8 },
      ],
    });
    // Every listed perp carries the ctx at its own index (delisted entries sit between them).
    for (const [i, u] of meta.universe.entries()) {
      if (u.isDelisted) continue;
      const [row] = await latestAssetContexts(db, u.name, 1);
      expect(row?.markPx, u.name).toBe(ctxs[i]?.markPx);
      expect(row?.openInterest, u.name).toBe(ctxs[i]?.openInterest);
    }
    expect(await latestAssetContexts(db, "MATIC", 1)).toEqual([]);
    expect((await latestAssetContexts(db, "ATOM", 1))[0]?.predicted).toEqual([]);
  });

  it("is idempotent within a bucket and adds a row per symbol in the next bucket", async () => {
    const before = await rowCount();
    await poll(BUCKET + 120_000);
    expect(await rowCount()).toBe(before);
    await poll(BUCKET + 5 * 60_000);
    expect(await rowCount()).toBe((before ?? 0) * 2);
    const latest = await latestAssetContexts(db, "ETH", 2);
    expect(latest.map((r) => r.bucketMs)).toEqual([BUCKET + 5 * 60_000, BUCKET]);
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
