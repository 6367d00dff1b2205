/**
 * Job `market-data.archive-candles` (hourly): candle rows older than their retention leave D1 for R2.
 *   hyperliquid_candles_1m  kept 24 h   (a row stays while open_time_ms >= now − 24 h)
 *   hyperliquid_candles_1h  kept 7 days (a row stays while open_time_ms >= now − 7 d)
 * Older rows are grouped per (symbol, UTC day of open time) into one R2 object each
 * (`market-data/hyperliquid/<candles_1m|candles_1h>/<encoded symbol>/<YYYY-MM-DD>.jsonl.gz`, format in
 * archive.codec.ts). A day archived over several runs is read back, merged by open time and rewritten
 * whole. Order per group: R2 put (R2 verifies the SHA-256) → one D1 batch that upserts the index row
 * and then deletes exactly the archived rows. A failure before the batch leaves D1 untouched; a re-run
 * merges the same rows into the same bytes (same checksum, no put), so it is idempotent.
 * Indicator rows past the same windows are deleted (they are recomputable from the archives).
 */
import { and, asc, eq, inArray, lt } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { z } from "zod";
import { DAY_MS } from "../../../core/clock";
import { runBatch } from "../../../db/batch";
import type { Db } from "../../../db/client";
import { hyperliquidCandles1h, hyperliquidCandles1m } from "../hyperliquid/candles.tables";
import { Candle1hRowSchema, Candle1mRowSchema, decodeArchive, encodeArchive, sha256Hex } from "./archive.codec";
import { type CandleArchiveRow, hyperliquidCandleArchives, hyperliquidIndicators } from "./indicators.tables";

export const RETENTION = {
  hyperliquid_candles_1m: { keepMs: DAY_MS, table: hyperliquidCandles1m, schema: Candle1mRowSchema, folder: "candles_1m" },
  hyperliquid_candles_1h: { keepMs: 7 * DAY_MS, table: hyperliquidCandles1h, schema: Candle1hRowSchema, folder: "candles_1h" },
} as const;
export type ArchivedTable = keyof typeof RETENTION;
type ArchivedRow = { symbol: string; openTimeMs: number };

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
  indicatorRowsDeleted: number;
}

/** Archives and deletes every candle row past retention at `nowMs` (bounded per run by `maxGroups`). */
export async function archiveOldCandles(
  db: Db,
  bucket: R2Bucket,
  input: { nowMs: number; maxGroups?: number; maxRows?: number },
): Promise<RetentionSummary> {
  const summary: RetentionSummary = { archivedRows: 0, objectsWritten: 0, groups: 0, indicatorRowsDeleted: 0 };
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
    const queue = [...todo];
    const worker = async () => {
      for (let rows = queue.shift(); rows; rows = queue.shift()) {
        const first = rows[0] as ArchivedRow;
        try {
          const wrote = await archiveGroup(
            db,
            bucket,
            table,
            rows,
            indexed.get(`${first.symbol}\u0000${utcDay(first.openTimeMs)}`),
            input.nowMs,
          );
          summary.groups++;
          summary.archivedRows += rows.length;
          if (wrote) summary.objectsWritten++;
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: GROUP_CONCURRENCY }, worker));
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

/** Merges `rows` (one symbol, one UTC day) into its archive, then indexes and deletes them. */
async function archiveGroup(
  db: Db,
  bucket: R2Bucket,
  table: ArchivedTable,
  rows: ArchivedRow[],
  existing: CandleArchiveRow | undefined,
  nowMs: number,
): Promise<boolean> {
  const { table: t } = RETENTION[table];
  const first = rows[0] as ArchivedRow;
  const day = utcDay(first.openTimeMs);
  const key = archiveKey(table, first.symbol, day);
  const merged = new Map<number, ArchivedRow>();
  if (existing) for (const row of await readArchiveObject(bucket, existing, table, "merge")) merged.set(row.openTimeMs, row);
  for (const row of rows) merged.set(row.openTimeMs, row);
  const ordered = [...merged.values()].sort((a, b) => a.openTimeMs - b.openTimeMs);
  const { bytes, sha256 } = await encodeArchive(ordered);
  const unchanged = existing?.sha256 === sha256 && existing.r2Key === key;
  if (!unchanged) {
    await bucket.put(key, bytes, {
      sha256,
      httpMetadata: { contentType: "application/gzip" },
      customMetadata: { rows: String(ordered.length) },
    });
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
  };
  const a = hyperliquidCandleArchives;
  const statements: BatchItem<"sqlite">[] = [
    db
      .insert(a)
      .values(index)
      .onConflictDoUpdate({ target: [a.sourceTable, a.symbol, a.day], set: { ...index } }),
  ];
  // Delete exactly the rows archived (a minute written meanwhile stays for the next run).
  for (let i = 0; i < rows.length; i += 90) {
    const times = rows.slice(i, i + 90).map((r) => r.openTimeMs);
    statements.push(db.delete(t).where(and(eq(t.symbol, first.symbol), inArray(t.openTimeMs, times))));
  }
  await runBatch(db, statements);
  return !unchanged;
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
 * Reads an indexed archive and checks it against its index row. When merging, an object whose bytes
 * differ from the index but match R2's own SHA-256 is accepted: it is the complete write of a run
 * that stopped before its D1 batch, a superset of the indexed rows (merges only add), and the rows it
 * added are still in D1, so merging them again converges.
 */
async function readArchiveObject(
  bucket: R2Bucket,
  index: CandleArchiveRow,
  table: ArchivedTable,
  purpose: "read" | "merge",
): Promise<ArchivedRow[]> {
  const object = await bucket.get(index.r2Key);
  if (!object) throw new Error(`archive ${index.r2Key} is indexed but missing from R2`);
  const bytes = new Uint8Array(await object.arrayBuffer());
  const sha256 = await sha256Hex(bytes);
  const r2Sha = object.checksums.sha256
    ? [...new Uint8Array(object.checksums.sha256)].map((b) => b.toString(16).padStart(2, "0")).join("")
    : null;
  const interrupted = purpose === "merge" && r2Sha === sha256;
  if (sha256 !== index.sha256 && !interrupted) throw new Error(`archive ${index.r2Key} checksum ${sha256} != indexed ${index.sha256}`);
  const rows = await decodeArchive(bytes, RETENTION[table].schema as z.ZodType<ArchivedRow>);
  if (sha256 === index.sha256 && rows.length !== index.rowCount) {
    throw new Error(`archive ${index.r2Key} has ${rows.length} rows, indexed ${index.rowCount}`);
  }
  return rows;
}

/** Reads one archived (table, symbol, UTC day) back, verified against its index row; null when none. */
export async function readCandleArchive<T extends ArchivedTable>(
  db: Db,
  bucket: R2Bucket,
  query: { table: T; symbol: string; day: string },
): Promise<Array<ReturnType<(typeof RETENTION)[T]["schema"]["parse"]>> | null> {
  const index = await findArchive(db, query.table, query.symbol, query.day);
  if (!index) return null;
  return (await readArchiveObject(bucket, index, query.table, "read")) as Array<ReturnType<(typeof RETENTION)[T]["schema"]["parse"]>>;
}
