/**
 * Logical D1 backups, pure: the R2 key layout, the manifest, the progress cursor that lets a backup
 * continue across invocations, and the comparison of two table summaries (used by the verify job and
 * by `npm run backup:restore-check`).
 *
 * Format (documented in doc/operations.md):
 *   <prefix><backupId>/manifest.json                    written last: a backup without it is incomplete
 *   <prefix><backupId>/tables/<table>/<part>.jsonl.gz    gzip JSON Lines, one SQLite `json_array(...)` of
 *                                                        the columns (manifest order) per row, primary-key order
 * A table's `sha256` is the SHA-256 of its uncompressed lines (each line followed by "\n") when it has
 * one part; with several parts it is the SHA-256 of the parts' hex digests joined by "\n" (so a table
 * can be written across invocations without keeping a hash state). Every part carries its own digest.
 * Invariants: money and lifecycle tables are never excludable; a manifest names every table of the
 * database at backup time except the excluded ones.
 */
import { z } from "zod";

export const BACKUP_STATUSES = ["running", "complete", "failed"] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];

/** Market-data tables that can be re-derived from the exchanges (or their R2 archives), so may be left out. */
export const EXCLUDABLE_TABLES = [
  "hyperliquid_candles_1m",
  "hyperliquid_candles_1h",
  "hyperliquid_indicators",
  "hyperliquid_indicator_state",
  "hyperliquid_asset_ctxs",
  "polymarket_prices",
  "polymarket_events_staging",
  "polymarket_markets_staging",
  "defillama_metrics",
] as const;

/** Tables never part of a logical backup: SQLite's and D1's own bookkeeping (migrations are listed in the manifest). */
export function isInternalTable(name: string): boolean {
  return name.startsWith("sqlite_") || name.startsWith("_cf_") || name === "d1_migrations";
}

export const PartSchema = z.object({
  key: z.string(),
  rows: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytesGzip: z.number().int().min(0),
});
export type Part = z.infer<typeof PartSchema>;

export const TableEntrySchema = z.object({
  name: z.string(),
  columns: z.array(z.string()),
  /** The ORDER BY of the dump: the primary key columns, or `rowid` for a table without one. */
  orderBy: z.array(z.string()),
  rows: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  parts: z.array(PartSchema),
});
export type TableEntry = z.infer<typeof TableEntrySchema>;

export const ManifestSchema = z.object({
  format: z.literal("clash-arena.d1-logical-backup.v1"),
  backupId: z.string(),
  environment: z.string(),
  startedAtMs: z.number().int(),
  finishedAtMs: z.number().int(),
  invocations: z.number().int().min(1),
  /** Applied D1 migrations (`d1_migrations.name`), in order: a restore applies the same ones. */
  migrations: z.array(z.string()),
  excludedTables: z.array(z.string()),
  tables: z.array(TableEntrySchema),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** Where a backup is now: finished tables and the keyset cursor of the one in progress. */
export const BackupProgressSchema = z.object({
  tables: z.array(TableEntrySchema),
  current: z
    .object({
      name: z.string(),
      columns: z.array(z.string()),
      orderBy: z.array(z.string()),
      /** The order-by values of the last row written (JSON text of a SQLite json_array), null before the first. */
      after: z.string().nullable(),
      parts: z.array(PartSchema),
    })
    .nullable(),
  /** Tables still to do, in order (decided at the first invocation). */
  todo: z.array(z.string()),
  migrations: z.array(z.string()),
});
export type BackupProgress = z.infer<typeof BackupProgressSchema>;

export const backupIdFor = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const manifestKey = (prefix: string, backupId: string) => `${prefix}${backupId}/manifest.json`;
export const partKey = (prefix: string, backupId: string, table: string, part: number) =>
  `${prefix}${backupId}/tables/${table}/${String(part).padStart(5, "0")}.jsonl.gz`;

/**
 * The table digest from its parts' digests (see the header): the one part's digest, or the text whose
 * SHA-256 is the digest (the parts' digests joined by "\n") when there are several.
 */
export function tableDigestSource(parts: readonly { sha256: string }[]): { digest: string } | { hashText: string } {
  if (parts.length === 1) return { digest: (parts[0] as { sha256: string }).sha256 };
  return { hashText: parts.map((p) => p.sha256).join("\n") };
}

/** What a comparison looks at per table. */
export interface TableSummary {
  name: string;
  rows: number;
  sha256: string;
}

export interface TableDifference {
  table: string;
  problem: "missing" | "unexpected" | "rows" | "sha256";
  expected?: string | number;
  actual?: string | number;
}

/** Differences between the manifest's tables and what was read back (restored, or re-read from R2). */
export function compareTables(expected: readonly TableSummary[], actual: readonly TableSummary[]): TableDifference[] {
  const out: TableDifference[] = [];
  const got = new Map(actual.map((t) => [t.name, t]));
  for (const e of expected) {
    const a = got.get(e.name);
    if (!a) out.push({ table: e.name, problem: "missing" });
    else if (a.rows !== e.rows) out.push({ table: e.name, problem: "rows", expected: e.rows, actual: a.rows });
    else if (a.sha256 !== e.sha256) out.push({ table: e.name, problem: "sha256", expected: e.sha256, actual: a.sha256 });
    got.delete(e.name);
  }
  for (const name of got.keys()) out.push({ table: name, problem: "unexpected" });
  return out;
}

/** One human line per difference (the CLI's and the verify job's wording). */
export function describeDifference(d: TableDifference): string {
  if (d.problem === "missing") return `${d.table}: missing`;
  if (d.problem === "unexpected") return `${d.table}: not in the manifest`;
  return `${d.table}: ${d.problem} differ (expected ${d.expected}, got ${d.actual})`;
}
