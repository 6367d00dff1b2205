/**
 * The SQL and byte helpers of a logical backup, shared by the Worker (backup and verify jobs) and the
 * Node restore check (src/cli/backup-restore-check.ts, which runs them against Miniflare's D1 and R2:
 * the same D1Database API), so a dump and its re-dump after a restore are produced by the same code.
 *
 * Rows are serialized by SQLite itself (`json_array(col, ...)`): integers stay exact (no JS number
 * rounding above 2^53), text stays text, and the line for a row is the same on every machine. A restore
 * inserts with `json_extract`, which gives SQLite back the same typed values.
 * Every table is reached by its catalog name, so the SQL goes through `db/catalog.ts` (not drizzle).
 * Callers: backup.service.ts, verify.service.ts, the restore-check CLI.
 */
import { digestSha256Hex } from "../../../core/sha256";
import { catalogStatement, quoteIdent as ident } from "../../../db/catalog";
import { isInternalTable, type Part, tableDigestSource } from "./backup.model";

/** User tables of the database, sorted by name (SQLite and D1 bookkeeping left out). */
export async function listTables(d1: D1Database): Promise<string[]> {
  const { results } = await catalogStatement(d1, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all<{
    name: string;
  }>();
  return results.map((r) => r.name).filter((n) => !isInternalTable(n));
}

/** Applied migrations in order; empty when the tracking table does not exist. */
export async function listMigrations(d1: D1Database): Promise<string[]> {
  const exists = await catalogStatement(d1, "SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = 'd1_migrations'").first();
  if (!exists) return [];
  const { results } = await catalogStatement(d1, "SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>();
  return results.map((r) => r.name);
}

/** Columns in declaration order and the dump order: the primary key, or rowid when there is none. */
export async function tableShape(d1: D1Database, table: string): Promise<{ columns: string[]; orderBy: string[] }> {
  const { results } = await catalogStatement(d1, "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", table).all<{
    name: string;
    pk: number;
  }>();
  const columns = results.map((c) => c.name);
  const pk = results.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  return { columns, orderBy: pk.length ? pk.map((c) => c.name) : ["rowid"] };
}

/**
 * One page of a table in order-by order after `after` (the JSON array of the last row's order-by
 * values, or null for the first page): the lines and the cursor of the page's last row.
 */
export async function readPage(
  d1: D1Database,
  shape: { name: string; columns: string[]; orderBy: string[] },
  after: string | null,
  limit: number,
): Promise<{ lines: string[]; last: string | null }> {
  const order = shape.orderBy.map(ident).join(", ");
  const key = `json_array(${order})`;
  const where = after === null ? "" : `WHERE (${order}) > (${shape.orderBy.map((_, i) => `json_extract(?1, '$[${i}]')`).join(", ")})`;
  const sql = `SELECT json_array(${shape.columns.map(ident).join(", ")}) AS line, ${key} AS k FROM ${ident(shape.name)} ${where} ORDER BY ${order} LIMIT ${Math.floor(limit)}`;
  const { results } = await (after === null ? catalogStatement(d1, sql) : catalogStatement(d1, sql, after)).all<{
    line: string;
    k: string;
  }>();
  return { lines: results.map((r) => r.line), last: results.length ? (results[results.length - 1] as { k: string }).k : after };
}

/** The bytes a part holds before compression: every line followed by "\n". */
export const partText = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join("");

export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function gunzip(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

/** The table digest from its parts (backup.model.ts `tableDigestSource`). */
export async function tableDigest(parts: readonly Pick<Part, "sha256">[]): Promise<string> {
  const source = tableDigestSource(parts);
  return "digest" in source ? source.digest : digestSha256Hex(source.hashText);
}

/**
 * Reads a whole table in order and returns its row count and digest, split into parts of `partRows`
 * rows (the manifest's part sizes) so the digest is comparable with the backup's (restore check).
 */
export async function summarizeTable(
  d1: D1Database,
  table: string,
  partRows: readonly number[] = [],
  pageRows = 2000,
): Promise<{ rows: number; sha256: string }> {
  const shape = { name: table, ...(await tableShape(d1, table)) };
  const lines: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await readPage(d1, shape, after, pageRows);
    lines.push(...page.lines);
    if (page.lines.length < pageRows) break;
    after = page.last;
  }
  const sizes = partRows.reduce((a, b) => a + b, 0) === lines.length && partRows.length ? partRows : [lines.length];
  const parts: { sha256: string }[] = [];
  let offset = 0;
  for (const size of sizes) {
    parts.push({ sha256: await digestSha256Hex(partText(lines.slice(offset, offset + size))) });
    offset += size;
  }
  return { rows: lines.length, sha256: await tableDigest(parts) };
}

/** Inserts backup lines into `table` (columns in manifest order), in statements of at most ~512 KB. */
export async function insertLines(d1: D1Database, table: string, columns: readonly string[], lines: readonly string[]): Promise<void> {
  const sql = `INSERT INTO ${ident(table)} (${columns.map(ident).join(", ")}) SELECT ${columns
    .map((_, i) => `json_extract(value, '$[${i}]')`)
    .join(", ")} FROM json_each(?1)`;
  let batch: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length) await catalogStatement(d1, sql, `[${batch.join(",")}]`).run();
    batch = [];
    bytes = 0;
  };
  for (const line of lines) {
    if (bytes + line.length > 512 * 1024) await flush();
    batch.push(line);
    bytes += line.length + 1;
  }
  await flush();
}
