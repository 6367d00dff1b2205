/**
 * Statements over tables no drizzle schema names. The logical backup (ops/backups) reads and refills
 * EVERY table of a database by the name the catalog gives at run time (`sqlite_master`,
 * `pragma_table_info`, `d1_migrations`, each user table), also on a bare Miniflare D1 in the
 * restore-check CLI, so its SQL is text built at run time and cannot be drizzle. This is the one door
 * for such text: identifiers go through `quoteIdent`, values are always bound, never spliced.
 * Typed tables use drizzle (see README.md in this folder); nothing else calls this.
 */

/** A SQLite identifier quoted for splicing into catalog SQL (`"a""b"`). */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** `text` prepared on `d1` with `params` bound (positional `?` / `?N`): the caller runs it (`all`, `first`, `run`). */
export function catalogStatement(d1: D1Database, text: string, ...params: unknown[]): D1PreparedStatement {
  const stmt = d1.prepare(text);
  return params.length > 0 ? stmt.bind(...params) : stmt;
}
