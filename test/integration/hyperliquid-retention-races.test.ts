/**
 * Overlapping archive runs (the hourly run and a manual one) on real BTCUSDT minutes, fixed clock:
 * run A is paused inside R2 put (before it, or after it before its D1 batch) while rows arrive and
 * run B archives the same day. No row is lost, D1 keeps every row that is not in the written object,
 * the index ends on the newest object, and an existing day object plus new rows becomes their union.
 * Also pins what workerd's R2 does with the conditional puts the job relies on.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client";
import { readCandleArchive } from "../../src/domains/market-data";
import { hyperliquidCandles1m } from "../../src/domains/market-data/hyperliquid/candles.tables";
import { parseCandleLines } from "../../src/domains/market-data/indicators/candle-lines.model";
import { archiveKey, archiveOldCandles } from "../../src/domains/market-data/indicators/retention.service";
import btcText from "../fixtures/ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl?raw";
import { storeMinutes } from "../support/candles";

const db = openDb(env.DB);
const minutes = parseCandleLines(btcText).slice(0, 1260); // 2025-01-01 03:00 .. 23:59 UTC, one archive day
const NOW = Date.UTC(2025, 0, 5); // every minute above is past 24 h
const DAY = { table: "hyperliquid_candles_1m", symbol: "BTC", day: "2025-01-01" } as const;
const KEY = archiveKey(DAY.table, DAY.symbol, DAY.day);

const d1Rows = () => db.select().from(hyperliquidCandles1m).orderBy(hyperliquidCandles1m.openTimeMs);
const indexRow = async () => env.DB.prepare("SELECT row_count, sha256, generation FROM hyperliquid_candle_archives").first();
const archived = () => readCandleArchive(db, env.ARTIFACTS, DAY);

/** env.ARTIFACTS, except that its first put waits for `release()` (before or after reaching R2). */
function pausingBucket(when: "before put" | "after put") {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached = () => {};
  const atPut = new Promise<void>((resolve) => {
    reached = resolve;
  });
  let puts = 0;
  const bucket = {
    get: (key: string) => env.ARTIFACTS.get(key),
    put: async (...args: Parameters<R2Bucket["put"]>) => {
      const pause = puts++ === 0;
      if (pause && when === "before put") {
        reached();
        await released;
      }
      const written = await env.ARTIFACTS.put(...args);
      if (pause && when === "after put") {
        reached();
        await released;
      }
      return written;
    },
  } as unknown as R2Bucket;
  return { bucket, atPut, release };
}

describe("market-data.archive-candles under overlapping runs", () => {
  let expected: Awaited<ReturnType<typeof d1Rows>> = [];

  it("a run that read before another run archived the day skips it instead of overwriting it", async () => {
    await storeMinutes(db, "BTC", minutes.slice(0, 100), 1);
    const a = pausingBucket("before put");
    const runA = archiveOldCandles(db, a.bucket, { nowMs: NOW });
    await a.atPut; // A has read minutes 0..99 and encoded its object
    await storeMinutes(db, "BTC", minutes.slice(100, 200), 1);
    expected = await d1Rows();
    expect(await archiveOldCandles(db, env.ARTIFACTS, { nowMs: NOW })).toMatchObject({
      archivedRows: 200,
      objectsWritten: 1,
      racedGroups: 0,
    });
    a.release();
    expect(await runA).toMatchObject({ archivedRows: 0, objectsWritten: 0, groups: 0, racedGroups: 1 });

    expect(await archived()).toEqual(expected);
    expect(await d1Rows()).toEqual([]);
    expect(await indexRow()).toMatchObject({ row_count: 200, generation: 1 });
  });

  it("merges new rows into the existing object, and a slower run's D1 batch cannot move the index back", async () => {
    await storeMinutes(db, "BTC", minutes.slice(200, 300), 1);
    const a = pausingBucket("after put");
    const runA = archiveOldCandles(db, a.bucket, { nowMs: NOW });
    await a.atPut; // A's object (minutes 0..299, generation 2) is in R2, its D1 batch is not run yet
    await storeMinutes(db, "BTC", minutes.slice(300, 400), 1);
    const all = await d1Rows();
    expected = [...expected, ...all];
    // B merges onto A's object (ahead of the index, accepted by R2's own checksum): generation 3.
    expect(await archiveOldCandles(db, env.ARTIFACTS, { nowMs: NOW })).toMatchObject({ archivedRows: 200, objectsWritten: 1 });
    a.release();
    expect(await runA).toMatchObject({ archivedRows: 100, objectsWritten: 1, racedGroups: 0 });

    expect(await indexRow()).toMatchObject({ row_count: 400, generation: 3 });
    expect(await archived()).toEqual(expected);
    expect((await env.ARTIFACTS.head(KEY))?.customMetadata).toMatchObject({ rows: "400", generation: "3" });
    expect(await d1Rows()).toEqual([]);
  });

  it("deletes only the row versions it archived: a candle re-sent during the run stays in D1 and wins next run", async () => {
    await storeMinutes(db, "BTC", minutes.slice(400, 410), 1);
    const a = pausingBucket("before put");
    const runA = archiveOldCandles(db, a.bucket, { nowMs: NOW });
    await a.atPut;
    await storeMinutes(db, "BTC", minutes.slice(405, 406), 2); // the feed re-sends minute 405
    a.release();
    expect(await runA).toMatchObject({ archivedRows: 10, objectsWritten: 1 });
    const resent = await d1Rows();
    expect(resent.map((r) => [r.openTimeMs, r.ingestedAtMs])).toEqual([[minutes[405]?.openTimeMs, 2]]);

    expect(await archiveOldCandles(db, env.ARTIFACTS, { nowMs: NOW })).toMatchObject({ archivedRows: 1, objectsWritten: 1 });
    const rows = await archived();
    expect(rows).toHaveLength(410);
    expect(rows?.[405]).toEqual(resent[0]);
    expect(rows?.filter((r) => r.ingestedAtMs !== 1).map((r) => r.openTimeMs)).toEqual([minutes[405]?.openTimeMs]);
    expect(await d1Rows()).toEqual([]);
  });

  it("workerd R2: etagDoesNotMatch '*' creates only, a stale etagMatches fails, both return null", async () => {
    const key = "test/conditional.txt";
    expect(await env.ARTIFACTS.put(key, "one", { onlyIf: { etagDoesNotMatch: "*" } })).not.toBeNull();
    expect(await env.ARTIFACTS.put(key, "two", { onlyIf: { etagDoesNotMatch: "*" } })).toBeNull();
    const first = await env.ARTIFACTS.head(key);
    const second = await env.ARTIFACTS.put(key, "three", { onlyIf: { etagMatches: first?.etag } });
    expect(second).not.toBeNull();
    expect(await env.ARTIFACTS.put(key, "four", { onlyIf: { etagMatches: first?.etag } })).toBeNull();
    expect(await (await env.ARTIFACTS.get(key))?.text()).toBe("three");
  });
});
