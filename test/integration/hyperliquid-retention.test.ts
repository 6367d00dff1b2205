/**
 * Retention with a fixed clock, real local D1 and R2: 1m candles (real Binance BTCUSDT minutes) older
 * than 24 h and 1h bars (Hyperliquid's recorded BTC 1h snapshot) older than 7 days move to R2 as gzip
 * JSON Lines per symbol per UTC day, indexed in D1, and leave D1 exactly at the boundary (a row 1 ms
 * inside the window, or exactly at it, stays). Archives read back identical rows through the same
 * codec, re-runs write nothing new, an interrupted run (object written, D1 batch lost) converges, and
 * a tampered object is refused by the reader.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DAY_MS, fixedClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { digestSha256Hex } from "../../src/core/sha256";
import { openDb } from "../../src/db/client";
import { readCandleArchive } from "../../src/domains/market-data";
import { hyperliquidCandles1h, hyperliquidCandles1m } from "../../src/domains/market-data/hyperliquid/candles.tables";
import { encodeArchive } from "../../src/domains/market-data/indicators/archive.codec";
import { parseCandleLines } from "../../src/domains/market-data/indicators/candle-lines.model";
import { archiveKey } from "../../src/domains/market-data/indicators/retention.service";
import { runJobNow } from "../../src/jobs";
import snapshot1h from "../fixtures/hyperliquid/candleSnapshot_BTC_1h.json";
import btcText from "../fixtures/ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl?raw";
import { storeMinutes } from "../support/candles";

const MIN = 60_000;
const ids = sequentialIds();
const db = openDb(env.DB);
const minutes = parseCandleLines(btcText).slice(0, 2880); // 2025-01-01 03:00 .. 2025-01-03 02:59 UTC

async function archive(nowMs: number) {
  const result = await runJobNow(env, { clock: fixedClock(nowMs), ids }, "market-data.archive-candles", {});
  if (!result.ok || result.value.status !== "ran") throw new Error("archive job did not run");
  expect(result.value.run.status, result.value.run.error ?? "").toBe("ok");
  return JSON.parse(result.value.run.summaryJson ?? "{}") as Record<string, number>;
}
const rows1m = () => db.select().from(hyperliquidCandles1m).orderBy(hyperliquidCandles1m.openTimeMs);
const rows1h = () => db.select().from(hyperliquidCandles1h).orderBy(hyperliquidCandles1h.openTimeMs);
const index = async () =>
  (await env.DB.prepare("SELECT * FROM hyperliquid_candle_archives ORDER BY source_table, symbol, day").all<Record<string, unknown>>())
    .results;
const count = async (sql: string) => (await env.DB.prepare(sql).first<{ n: number }>())?.n;

describe("market-data.archive-candles", () => {
  const T = (minutes[1500]?.openTimeMs ?? 0) as number; // 2025-01-02 04:00 UTC
  let original: Awaited<ReturnType<typeof rows1m>> = [];

  it("keeps 1m rows inside 24 h to the millisecond and archives the older ones per UTC day", async () => {
    await storeMinutes(db, "BTC", minutes, 1);
    await env.DB.prepare(
      "INSERT INTO hyperliquid_indicators (symbol, interval, open_time_ms, rsi14) VALUES ('BTC','1m',?,50),('BTC','1m',?,51)",
    )
      .bind(T - MIN, T)
      .run();
    original = await rows1m();
    expect(original).toHaveLength(2880);

    // Row T is 24 h − 1 ms old: it and everything newer stay; the 1500 older minutes move.
    expect(await archive(T + DAY_MS - 1)).toMatchObject({ archivedRows: 1500, objectsWritten: 2, groups: 2, indicatorRowsDeleted: 1 });
    expect((await rows1m()).map((r) => r.openTimeMs)).toEqual(original.slice(1500).map((r) => r.openTimeMs));
    expect(await count("SELECT count(*) AS n FROM hyperliquid_indicators")).toBe(1);
    // Exactly 24 h old is still inside the window.
    expect(await archive(T + DAY_MS)).toMatchObject({ archivedRows: 0, objectsWritten: 0 });
    expect(await count("SELECT count(*) AS n FROM hyperliquid_candles_1m")).toBe(1380);

    const day1 = "2025-01-01";
    const day2 = "2025-01-02";
    expect(await index()).toEqual([
      expect.objectContaining({
        source_table: "hyperliquid_candles_1m",
        symbol: "BTC",
        day: day1,
        row_count: 1260,
        r2_key: archiveKey("hyperliquid_candles_1m", "BTC", day1),
      }),
      expect.objectContaining({
        source_table: "hyperliquid_candles_1m",
        symbol: "BTC",
        day: day2,
        row_count: 240,
        r2_key: "market-data/hyperliquid/candles_1m/BTC/2025-01-02.jsonl.gz",
      }),
    ]);
    // The stored objects are gzip, and the index holds their SHA-256 and size.
    for (const entry of await index()) {
      const object = await env.ARTIFACTS.get(entry.r2_key as string);
      const bytes = new Uint8Array((await object?.arrayBuffer()) ?? new ArrayBuffer(0));
      expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
      expect(await digestSha256Hex(bytes)).toBe(entry.sha256);
      expect(bytes.byteLength).toBe(entry.bytes);
    }
    expect(await readCandleArchive(db, env.ARTIFACTS, { table: "hyperliquid_candles_1m", symbol: "BTC", day: day1 })).toEqual(
      original.slice(0, 1260),
    );
    expect(await readCandleArchive(db, env.ARTIFACTS, { table: "hyperliquid_candles_1m", symbol: "BTC", day: day2 })).toEqual(
      original.slice(1260, 1500),
    );
    expect(await readCandleArchive(db, env.ARTIFACTS, { table: "hyperliquid_candles_1m", symbol: "BTC", day: "2024-12-31" })).toBeNull();
  });

  it("moves row T 1 ms after it turns 24 h old, merging it into its day's archive; re-runs change nothing", async () => {
    expect(await archive(T + DAY_MS + 1)).toMatchObject({ archivedRows: 1, objectsWritten: 1, groups: 1, indicatorRowsDeleted: 1 });
    expect((await rows1m())[0]?.openTimeMs).toBe(T + MIN);
    const day2 = await readCandleArchive(db, env.ARTIFACTS, { table: "hyperliquid_candles_1m", symbol: "BTC", day: "2025-01-02" });
    expect(day2).toEqual(original.slice(1260, 1501));

    const before = {
      index: await index(),
      d1: await rows1m(),
      etag: (await env.ARTIFACTS.head("market-data/hyperliquid/candles_1m/BTC/2025-01-02.jsonl.gz"))?.etag,
    };
    expect(await archive(T + DAY_MS + 2)).toMatchObject({ archivedRows: 0, objectsWritten: 0, groups: 0 });
    expect({
      index: await index(),
      d1: await rows1m(),
      etag: (await env.ARTIFACTS.head("market-data/hyperliquid/candles_1m/BTC/2025-01-02.jsonl.gz"))?.etag,
    }).toEqual(before);
  });

  it("converges after a run that wrote the object but lost its D1 batch; the strict reader refuses the unindexed bytes", async () => {
    const key = "market-data/hyperliquid/candles_1m/BTC/2025-01-02.jsonl.gz";
    const next = original[1501];
    if (!next) throw new Error("fixture too short");
    // What an interrupted run leaves: the merged object in R2, the index and D1 untouched.
    const { bytes, sha256 } = await encodeArchive(original.slice(1260, 1502));
    await env.ARTIFACTS.put(key, bytes, { sha256 });
    await expect(
      readCandleArchive(db, env.ARTIFACTS, { table: "hyperliquid_candles_1m", symbol: "BTC", day: "2025-01-02" }),
    ).rejects.toThrow(/checksum/);

    expect(await archive(next.openTimeMs + DAY_MS + 1)).toMatchObject({ archivedRows: 1, groups: 1 });
    expect(await readCandleArchive(db, env.ARTIFACTS, { table: "hyperliquid_candles_1m", symbol: "BTC", day: "2025-01-02" })).toEqual(
      original.slice(1260, 1502),
    );
    expect((await index()).find((r) => r.day === "2025-01-02")).toMatchObject({ row_count: 242, sha256 });
    expect(await count("SELECT count(*) AS n FROM hyperliquid_candles_1m")).toBe(2880 - 1502);
  });

  it("keeps 1h bars inside 7 days to the millisecond and archives older ones the same way", async () => {
    const bars = snapshot1h.map((c) => ({
      symbol: c.s,
      openTimeMs: c.t,
      closeTimeMs: c.T,
      open: c.o,
      high: c.h,
      low: c.l,
      close: c.c,
      volume: c.v,
      trades: c.n,
      sourceMinutes: 60,
      isFinal: true,
      updatedAtMs: 7,
    }));
    for (let i = 0; i < bars.length; i += 7) await db.insert(hyperliquidCandles1h).values(bars.slice(i, i + 7));
    const stored = await rows1h();
    const T1 = bars[10]?.openTimeMs as number; // 2026-07-21 18:00 UTC
    const summary = await archive(T1 + 7 * DAY_MS - 1);
    // Every remaining 1m row (2025) is past 24 h by then; the 1h bars before T1 are past 7 days.
    expect(summary).toMatchObject({ archivedRows: 1378 + 10 });
    expect((await rows1h()).map((r) => r.openTimeMs)).toEqual(stored.slice(10).map((r) => r.openTimeMs));
    expect(await archive(T1 + 7 * DAY_MS + 1)).toMatchObject({ archivedRows: 1, objectsWritten: 1 });
    expect((await rows1h())[0]?.openTimeMs).toBe(bars[11]?.openTimeMs);
    const day = await readCandleArchive(db, env.ARTIFACTS, { table: "hyperliquid_candles_1h", symbol: "BTC", day: "2026-07-21" });
    expect(day).toEqual(stored.slice(0, 11));
    expect((await index()).filter((r) => r.source_table === "hyperliquid_candles_1h")).toEqual([
      expect.objectContaining({
        symbol: "BTC",
        day: "2026-07-21",
        row_count: 11,
        r2_key: "market-data/hyperliquid/candles_1h/BTC/2026-07-21.jsonl.gz",
      }),
    ]);
  });

  it("encodes symbols with a slash or @ into one key segment", () => {
    expect(archiveKey("hyperliquid_candles_1m", "PURR/USDC", "2026-01-02")).toBe(
      "market-data/hyperliquid/candles_1m/PURR%2FUSDC/2026-01-02.jsonl.gz",
    );
    expect(archiveKey("hyperliquid_candles_1h", "@107", "2026-01-02")).toBe(
      "market-data/hyperliquid/candles_1h/%40107/2026-01-02.jsonl.gz",
    );
  });
});
