/**
 * Multi-row upserts as single statements: rows travel as ONE bound JSON parameter and are expanded
 * with `json_each`, so a poll of thousands of rows needs a handful of statements (D1 allows 100 bound
 * parameters per statement and caps queries per invocation). `upsertFrom` moves rows already in a
 * (staging) table with one statement and one parameter. Column names come from the drizzle tables
 * (`upsertSpec`), never from input, so the SQL and the typed schema cannot drift apart.
 * `inJsonList` is the read-side twin: an IN list of any length as one bound parameter (or a
 * `sql.placeholder` bound to the list's JSON text, for statements prepared once).
 * Sits beside batch.ts: these are the two bulk-write idioms (chunked drizzle inserts, JSON rows).
 */
import { getTableColumns, getTableName, is, Placeholder, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";

export interface UpsertSpec {
  table: string;
  /** snake_case column -> key in each row object. */
  columns: Record<string, string>;
  conflict: string[];
  /** Per-column update expressions; default `excluded.<col>` for every non-key column. */
  update?: Record<string, string>;
}

/**
 * The spec of an upsert into `table`: every column of the table (snake_case name -> the drizzle key,
 * which is also the key of each row object), optionally restricted to the columns of `shape` (a table
 * whose columns a staging table shares) and with per-column update expressions.
 */
export function upsertSpec(
  table: SQLiteTable,
  options: { conflict: SQLiteColumn[]; update?: Record<string, string>; shape?: SQLiteTable },
): UpsertSpec {
  const columns: Record<string, string> = {};
  const shapeNames = options.shape ? new Set(Object.values(getTableColumns(options.shape)).map((c) => c.name)) : undefined;
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    if (!shapeNames || shapeNames.has(column.name)) columns[column.name] = key;
  }
  return { table: getTableName(table), columns, conflict: options.conflict.map((c) => c.name), update: options.update };
}

/**
 * `column IN (...)` over any number of values with ONE bound parameter (D1 binds at most 100 per
 * statement): the values travel as a JSON array expanded by `json_each`. Empty list: matches nothing.
 */
export function inJsonList(column: SQLiteColumn, values: readonly (string | number)[] | Placeholder): SQL {
  // A placeholder (a statement prepared once) takes the JSON text of the list when it runs.
  const list = is(values, Placeholder) ? values : JSON.stringify(values);
  return sql`${column} IN (SELECT value FROM json_each(${list}))`;
}

/** Rows per statement: keeps the one JSON parameter far below D1's 2 MB value limit. */
export const ROWS_PER_STATEMENT = 250;
const IDENT = /^[a-z_][a-z0-9_]*$/;

/** `ON CONFLICT (...) DO UPDATE SET ...` for `spec`, after checking every identifier. */
function conflictClause(spec: UpsertSpec, extra: string[] = []): string {
  const cols = Object.keys(spec.columns);
  for (const c of [...cols, spec.table, ...spec.conflict, ...extra]) if (!IDENT.test(c)) throw new Error(`bad identifier ${c}`);
  const updates = cols
    .filter((c) => !spec.conflict.includes(c))
    .map((c) => `${c} = ${spec.update?.[c] ?? `excluded.${c}`}`)
    .join(", ");
  return `ON CONFLICT (${spec.conflict.join(", ")}) DO UPDATE SET ${updates}`;
}

/** Builds the batch items that upsert `rows` (empty list -> no statements). */
export function upsertRows(d1: D1Database, spec: UpsertSpec, rows: Array<Record<string, unknown>>): D1PreparedStatement[] {
  const cols = Object.keys(spec.columns);
  const clause = conflictClause(spec);
  const select = cols.map((c) => `json_extract(value, '$.${spec.columns[c]}')`).join(", ");
  const text = `INSERT INTO ${spec.table} (${cols.join(", ")}) SELECT ${select} FROM json_each(?) WHERE true ${clause}`;
  const out: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    out.push(d1.prepare(text).bind(JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT))));
  }
  return out;
}

/** One statement upserting into `spec.table` the rows of `from` whose `keyColumn` equals `key` (same column names). */
export function upsertFrom(d1: D1Database, spec: UpsertSpec, from: { table: string; keyColumn: string; key: string }): D1PreparedStatement {
  const cols = Object.keys(spec.columns).join(", ");
  const clause = conflictClause(spec, [from.table, from.keyColumn]);
  return d1
    .prepare(`INSERT INTO ${spec.table} (${cols}) SELECT ${cols} FROM ${from.table} WHERE ${from.keyColumn} = ? ${clause}`)
    .bind(from.key);
}
