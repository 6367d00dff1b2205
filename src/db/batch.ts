/**
 * Helpers for multi-row D1 writes: D1 binds at most 100 parameters per statement, so rows go in
 * chunks, and every statement of one use case goes in one `db.batch` (one transaction).
 */
import { getTableColumns, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";

/** D1's limit of bound parameters per statement. */
export const D1_MAX_PARAMS = 100;

/** `rows` cut into chunks that fit one statement of `table` (one parameter per column and row). */
export function statementChunks<T>(table: SQLiteTable, rows: readonly T[]): T[][] {
  const perStatement = Math.max(1, Math.floor(D1_MAX_PARAMS / Object.keys(getTableColumns(table)).length));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += perStatement) out.push(rows.slice(i, i + perStatement));
  return out;
}

/** The `set` of an upsert that takes `keys` from the proposed row (`excluded.<column>`). */
export function setFromExcluded<T extends SQLiteTable>(table: T, keys: readonly (keyof T["_"]["columns"] & string)[]): Record<string, SQL> {
  const columns = getTableColumns(table);
  return Object.fromEntries(keys.map((key) => [key, sql.raw(`excluded."${columns[key]?.name}"`)]));
}

/** Runs `statements` as one D1 batch (nothing when empty). */
export async function runBatch(db: Db, statements: BatchItem<"sqlite">[]): Promise<void> {
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}
