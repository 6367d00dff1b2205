/**
 * Multi-row upserts as single statements: rows travel as ONE bound JSON parameter and are expanded
 * with `json_each`, so a poll of thousands of rows needs a handful of statements (D1 allows 100 bound
 * parameters per statement and caps queries per invocation), all inside the poll's one batch.
 * Column names come from code, never from input.
 */

export interface UpsertSpec {
  table: string;
  /** snake_case column -> key in each row object. */
  columns: Record<string, string>;
  conflict: string[];
  /** Per-column update expressions; default `excluded.<col>` for every non-key column. */
  update?: Record<string, string>;
}

const ROWS_PER_STATEMENT = 250;
const IDENT = /^[a-z_][a-z0-9_]*$/;

/** Builds the batch items that upsert `rows` (empty list -> no statements). */
export function upsertRows(d1: D1Database, spec: UpsertSpec, rows: Array<Record<string, unknown>>): D1PreparedStatement[] {
  const cols = Object.keys(spec.columns);
  for (const c of [...cols, spec.table, ...spec.conflict]) if (!IDENT.test(c)) throw new Error(`bad identifier ${c}`);
  const select = cols.map((c) => `json_extract(value, '$.${spec.columns[c]}')`).join(", ");
  const updates = cols
    .filter((c) => !spec.conflict.includes(c))
    .map((c) => `${c} = ${spec.update?.[c] ?? `excluded.${c}`}`)
    .join(", ");
  const text = `INSERT INTO ${spec.table} (${cols.join(", ")}) SELECT ${select} FROM json_each(?) WHERE true ON CONFLICT (${spec.conflict.join(", ")}) DO UPDATE SET ${updates}`;
  const out: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    out.push(d1.prepare(text).bind(JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT))));
  }
  return out;
}
