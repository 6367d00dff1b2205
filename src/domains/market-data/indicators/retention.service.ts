/**
 * Job `market-data.archive-candles` (hourly): candle rows older than their retention leave D1 for R2.
 *   hyperliquid_candles_1m  kept 24 h   (a row stays while open_time_ms >= now − 24 h)
 *   hyperliquid_candles_1h  kept 7 days (a row stays while open_time_ms >= now − 7 d)
 * Older rows are grouped per (symbol, UTC day of open time) into one R2 object each
 * (`market-data/hyperliquid/<candles_1m|candles_1h>/<encoded symbol>/<YYYY-MM-DD>.jsonl.gz`, format in
 * archive.codec.ts). Runs may overlap (hourly and manual runs) and be retried, so per group:
 *   1. read the day's object (with its etag) and verify it; the new object is the union of its rows
 *      and the D1 rows by open time (a D1 row replaces an archived one with the same open time);
 *   2. put it only if the object is still the one read (`etagMatches`, or `etagDoesNotMatch: "*"`
 *      for a new day); a lost race skips the group this run (`racedGroups`), it never deletes;
 *   3. one D1 batch: upsert the index row (sha, rows, generation; never back to an older
 *      generation), delete exactly the (symbol, open time, version) rows that are in the object.
 * So no write drops a row another run archived, and a row leaves D1 only once it is in R2. A failure
 * before the batch leaves D1 untouched; a re-run merges the same rows into the same bytes (no put).
 * Indicator rows past the same windows are deleted (they are recomputable from the archives).
 */

import { and, asc, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { z } from "zod";
import { DAY_MS } from "../../../core/clock";
import { withConcurrency } from "../../../core/concurrency";
import { digestSha256Hex } from "../../../core/sha256";
import { runBatch } from "../../../db/batch";
import type { Db } from "../../../db/client";
import { hyperliquidCandles1h, hyperliquidCandles1m } from "../hyperliquid/candles.tables";
import { Candle1hRowSchema, Candle1mRowSchema, decodeArchive, encodeArchive } from "./archive.codec";
import { type CandleArchiveRow, hyperliquidCandleArchives, hyperliquidIndicators } from "./indicators.tables";

export const RETENTION = {
  hyperliquid_candles_1m: {
    keepMs: DAY_MS,
    table: hyperliquidCandles1m,
    schema: Candle1mRowSchema,
    folder: "candles_1m",
    versionKey: "ingestedAtMs",
    versionColumn: hyperliquidCandles1m.ingestedAtMs,
  },
  hyperliquid_candles_1h: {
    keepMs: 7 * DAY_MS,
    table: hyperliquidCandles1h,
    schema: Candle1hRowSchema,
    folder: "candles_1h",
    versionKey: "updatedAtMs",
    versionColumn: hyperliquidCandles1h.updatedAtMs,
  },
} as const;
export type ArchivedTable = keyof typeof RETENTION;
/** A candle row; its version field (`ingestedAtMs` / `updatedAtMs`) changes on every write of the row. */
type ArchivedRow = { symbol: string; openTimeMs: number; ingestedAtMs?: number; updatedAtMs?: number };

/** Groups archived concurrently (R2 put + D1 batch each). */
const GROUP_CONCURRENCY = 4;

/** R2 key of one (table, symbol, UTC day) archive; the symbol is URI-encoded (`PURR/USDC`, `@107`). */
export function archiveKey(table: ArchivedTable, symbol: string, day: string): string {
  return `market-data/hyperliquid/${RETENTION[table].folder}/${encodeURIComponent(symbol)}/${day}.jsonl.gz`;
}

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export interface RetentionSummary {
  archivedRows: number;
  objectsWritten: number;
  groups: number;
  /** Groups skipped because another run changed their object between read and write (retried next run). */
  racedGroups: number;
  indicatorRowsDeleted: number;
}

/** Archives and deletes every candle row past retention at `nowMs` (bounded per run by `maxGroups`). */
export async function archiveOldCandles(
  db: Db,
  bucket: R2Bucket,
  input: { nowMs: number; maxGroups?: number; maxRows?: number },
): Promise<RetentionSummary> {
  const summary: RetentionSummary = { archivedRows: 0, objectsWritten: 0, groups: 0, racedGroups: 0, indicatorRowsDeleted: 0 };
  for (const table of Object.keys(RETENTION) as ArchivedTable[]) {
    const { keepMs, table: t } = RETENTION[table];
    const old: ArchivedRow[] = await db
      .select()
      .from(t)
      .where(lt(t.openTimeMs, input.nowMs - keepMs))
      .orderBy(asc(t.openTimeMs), asc(t.symbol))
      .limit(input.maxRows ?? 50_000);
    const groups = new Map<string, ArchivedRow[]>();
    for (const row of old) {
      const id = `${row.symbol}\u0000${utcDay(row.openTimeMs)}`;
      const list = groups.get(id);
      if (list) list.push(row);
      else groups.set(id, [row]);
    }
    const todo = [...groups.values()].slice(0, input.maxGroups ?? 300);
    const indexed = await loadIndex(db, table, [...new Set(todo.map((rows) => utcDay((rows[0] as ArchivedRow).openTimeMs)))]);
    // A few groups in flight at once; each group is atomic on its own (put, then one D1 batch).
    const failures: unknown[] = [];
    await withConcurrency(todo, GROUP_CONCURRENCY, async (rows) => {
      const first = rows[0] as ArchivedRow;
      try {
        const outcome = await archiveGroup(
          db,
          bucket,
          table,
          rows,
          indexed.get(`${first.symbol}\u0000${utcDay(first.openTimeMs)}`),
          input.nowMs,
        );
        if (outcome === "raced") {
          summary.racedGroups++;
          return;
        }
        summary.groups++;
        summary.archivedRows += rows.length;
        if (outcome === "written") summary.objectsWritten++;
      } catch (error) {
        failures.push(error);
      }
    });
    if (failures.length > 0) throw failures[0];
  }
  const i = hyperliquidIndicators;
  const deleted = await db.batch([
    db.delete(i).where(and(eq(i.interval, "1m"), lt(i.openTimeMs, input.nowMs - RETENTION.hyperliquid_candles_1m.keepMs))),
    db.delete(i).where(and(eq(i.interval, "1h"), lt(i.openTimeMs, input.nowMs - RETENTION.hyperliquid_candles_1h.keepMs))),
  ]);
  summary.indicatorRowsDeleted = deleted.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
  return summary;
}

/**
 * Merges `rows` (one symbol, one UTC day, as read from D1) into the day's object with a conditional
 * put (compare-and-swap on the etag read), then indexes the object and deletes those rows. "raced"
 * when another writer changed or created the object since it was read: nothing is written or
 * deleted, the next run retries with the object as that writer left it.
 */
async function archiveGroup(
  db: Db,
  bucket: R2Bucket,
  table: ArchivedTable,
  rows: ArchivedRow[],
  existing: CandleArchiveRow | undefined,
  nowMs: number,
): Promise<"written" | "unchanged" | "raced"> {
  const first = rows[0] as ArchivedRow;
  const day = utcDay(first.openTimeMs);
  const key = archiveKey(table, first.symbol, day);
  const current = await bucket.get(key);
  if (!current && existing) throw new Error(`archive ${key} is indexed but missing from R2`);
  const base = current ? await verifyArchiveObject(current, existing, table, "merge") : null;
  // Union by open time; a D1 row replaces an archived row with the same open time (it is a later
  // write of that candle: a correction or a re-sent candle), so every row read here is in the object.
  const merged = new Map<number, ArchivedRow>();
  for (const row of base?.rows ?? []) merged.set(row.openTimeMs, row);
  for (const row of rows) merged.set(row.openTimeMs, row);
  const ordered = [...merged.values()].sort((a, b) => a.openTimeMs - b.openTimeMs);
  const { bytes, sha256 } = await encodeArchive(ordered);
  const unchanged = base?.sha256 === sha256;
  const generation = unchanged ? (base?.generation ?? 0) : (base?.generation ?? 0) + 1;
  if (!unchanged) {
    const put = await bucket.put(key, bytes, {
      sha256,
      // Compare-and-swap: fails (null) when the object changed, or appeared, since it was read.
      onlyIf: current ? { etagMatches: current.etag } : { etagDoesNotMatch: "*" },
      httpMetadata: { contentType: "application/gzip" },
      customMetadata: { rows: String(ordered.length), generation: String(generation) },
    });
    if (!put) return "raced";
  }
  const index: CandleArchiveRow = {
    sourceTable: table,
    symbol: first.symbol,
    day,
    r2Key: key,
    rowCount: ordered.length,
    sha256,
    bytes: bytes.byteLength,
    firstOpenTimeMs: (ordered[0] as ArchivedRow).openTimeMs,
    lastOpenTimeMs: (ordered[ordered.length - 1] as ArchivedRow).openTimeMs,
    archivedAtMs: nowMs,
    generation,
  };
  await indexAndDelete(db, table, index, rows);
  return unchanged ? "unchanged" : "written";
}

/**
 * One D1 batch: upsert the index row of a written (or already complete) object, then delete the D1
 * rows it holds. The index only moves to a generation at least its own, so a slower run's batch
 * cannot point it back at an older object. Rows are deleted by key and version: a row written or
 * corrected since it was read is not the one in the object and stays for the next run.
 */
async function indexAndDelete(db: Db, table: ArchivedTable, index: CandleArchiveRow, rows: ArchivedRow[]): Promise<void> {
  const { table: t, versionKey, versionColumn } = RETENTION[table];
  const a = hyperliquidCandleArchives;
  const statements: BatchItem<"sqlite">[] = [
    db
      .insert(a)
      .values(index)
      .onConflictDoUpdate({
        target: [a.sourceTable, a.symbol, a.day],
        set: { ...index },
        setWhere: sql`excluded.generation >= ${a.generation}`,
      }),
  ];
  // 45 (open time, version) pairs per statement stay under D1's 100 bound parameters.
  for (let i = 0; i < rows.length; i += 45) {
    const pairs = rows.slice(i, i + 45).map((r) => and(eq(t.openTimeMs, r.openTimeMs), eq(versionColumn, r[versionKey] ?? 0)));
    statements.push(db.delete(t).where(and(eq(t.symbol, index.symbol), or(...pairs))));
  }
  await runBatch(db, statements);
}

/** The index rows of `table` for `days`, keyed by symbol and day (one query for a whole run). */
async function loadIndex(db: Db, table: ArchivedTable, days: string[]): Promise<Map<string, CandleArchiveRow>> {
  const a = hyperliquidCandleArchives;
  const out = new Map<string, CandleArchiveRow>();
  for (let i = 0; i < days.length; i += 90) {
    const rows = await db
      .select()
      .from(a)
      .where(and(eq(a.sourceTable, table), inArray(a.day, days.slice(i, i + 90))));
    for (const row of rows) out.set(`${row.symbol}\u0000${row.day}`, row);
  }
  return out;
}

async function findArchive(db: Db, table: ArchivedTable, symbol: string, day: string): Promise<CandleArchiveRow | undefined> {
  const a = hyperliquidCandleArchives;
  const [row] = await db
    .select()
    .from(a)
    .where(and(eq(a.sourceTable, table), eq(a.symbol, symbol), eq(a.day, day)));
  return row;
}

/**
 * Checks a fetched archive against its index row and decodes it. When merging, an object whose bytes
 * differ from the index (or that has no index row yet) but match R2's own SHA-256 is accepted: it is
 * the complete write of a run that has not run (or lost) its D1 batch yet. Objects only grow, and the
 * rows it added are still in D1, so merging them again converges.
 */
async function verifyArchiveObject(
  object: R2ObjectBody,
  index: CandleArchiveRow | undefined,
  table: ArchivedTable,
  purpose: "read" | "merge",
): Promise<{ rows: ArchivedRow[]; sha256: string; generation: number }> {
  const bytes = new Uint8Array(await object.arrayBuffer());
  const sha256 = await digestSha256Hex(bytes);
  const r2Sha = object.checksums.sha256
    ? [...new Uint8Array(object.checksums.sha256)].map((b) => b.toString(16).padStart(2, "0")).join("")
    : null;
  const interrupted = purpose === "merge" && r2Sha === sha256;
  if (sha256 !== index?.sha256 && !interrupted) {
    throw new Error(`archive ${object.key} checksum ${sha256} != indexed ${index?.sha256 ?? "(none)"}`);
  }
  const rows = await decodeArchive(bytes, RETENTION[table].schema as z.ZodType<ArchivedRow>);
  if (sha256 === index?.sha256 && rows.length !== index.rowCount) {
    throw new Error(`archive ${object.key} has ${rows.length} rows, indexed ${index.rowCount}`);
  }
  return { rows, sha256, generation: Number(object.customMetadata?.generation ?? index?.generation ?? 0) };
}

/** Reads one archived (table, symbol, UTC day) back, verified against its index row; null when none. */
export async function readCandleArchive<T extends ArchivedTable>(
  db: Db,
  bucket: R2Bucket,
  query: { table: T; symbol: string; day: string },
): Promise<Array<ReturnType<(typeof RETENTION)[T]["schema"]["parse"]>> | null> {
  const index = await findArchive(db, query.table, query.symbol, query.day);
  if (!index) return null;
  const object = await bucket.get(index.r2Key);
  if (!object) throw new Error(`archive ${index.r2Key} is indexed but missing from R2`);
  return (await verifyArchiveObject(object, index, query.table, "read")).rows as Array<
    ReturnType<(typeof RETENTION)[T]["schema"]["parse"]>
  >;
}
