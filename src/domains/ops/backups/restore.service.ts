/**
 * Restores a logical backup into an empty database that has the same migrations applied, re-reads
 * every table with the dump's own code (dump.service.ts) and compares row counts and digests with the manifest,
 * then checks the money invariants that live in D1 on the restored copy. Works on any D1Database and
 * R2Bucket: the restore-check CLI hands it Miniflare's (a fresh local D1, the local R2 of `npm start`),
 * the integration test the test's own bindings.
 *
 * Invariants checked on the restored copy (the double-entry journals live in the PropAccount objects'
 * storage, not in D1, so they are not part of a D1 backup; see doc/operations.md):
 *   - audition credits: no user's balance (grants - consumes + refunds) is negative;
 *   - every verified fee payment has exactly one credit grant, and every grant names a verified payment;
 *   - prop-account money columns are integers (micro-USD), never REAL or TEXT.
 */
import { and, count, eq, isNull, ne, or, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { catalogStatement } from "../../../db/catalog";
import { openDb } from "../../../db/client";
import { CREDIT_BALANCE_SQL, creditEntries, payments } from "../../lifecycle";
import { propAccounts } from "../../trading";
import { compareTables, type Manifest, type TableDifference, type TableSummary } from "./backup.model";
import { gunzip, insertLines, listMigrations, summarizeTable } from "./dump.service";

export interface RestoreReport {
  tables: number;
  rows: number;
  differences: TableDifference[];
  migrationsDiffer: boolean;
  invariantProblems: string[];
}

/** Inserts every part of every table of `manifest` into `d1` (tables must exist and be empty). */
export async function restoreInto(bucket: R2Bucket, d1: D1Database, manifest: Manifest): Promise<number> {
  let rows = 0;
  for (const table of manifest.tables) {
    for (const part of table.parts) {
      const object = await bucket.get(part.key);
      if (!object) continue; // reported by the comparison as a row-count difference
      const text = await gunzip(await object.arrayBuffer());
      const lines = text === "" ? [] : text.slice(0, -1).split("\n");
      await insertLines(d1, table.name, table.columns, lines);
      rows += lines.length;
    }
  }
  return rows;
}

/** Row counts and digests of the restored tables, split as the manifest's parts were. */
export async function summarizeRestored(d1: D1Database, manifest: Manifest): Promise<TableSummary[]> {
  const out: TableSummary[] = [];
  for (const t of manifest.tables) {
    out.push({
      name: t.name,
      ...(await summarizeTable(
        d1,
        t.name,
        t.parts.map((p) => p.rows),
      )),
    });
  }
  return out;
}

/** The D1-resident money invariants (see the header), as problem lines. */
export async function restoredInvariants(d1: D1Database): Promise<string[]> {
  const problems: string[] = [];
  const db = openDb(d1);
  // A backup of an older schema may lack a table: its checks are skipped (catalog read, see dump.service.ts).
  const has = async (table: string) =>
    Boolean(await catalogStatement(d1, "SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = ?", table).first());
  if (await has("audition_credit_entries")) {
    const negative = await db
      .select({ userId: creditEntries.userId, balance: sql<number>`${CREDIT_BALANCE_SQL}` })
      .from(creditEntries)
      .groupBy(creditEntries.userId)
      .having(sql`${CREDIT_BALANCE_SQL} < 0`);
    for (const r of negative) problems.push(`audition_credit_entries: user ${r.userId} has a negative credit balance ${r.balance}`);
    if (await has("audition_fee_payments")) {
      const [orphan] = await db
        .select({ n: count() })
        .from(creditEntries)
        .leftJoin(payments, eq(payments.id, creditEntries.paymentId))
        .where(and(eq(creditEntries.kind, "grant"), or(isNull(payments.id), ne(payments.status, "verified"))));
      if (orphan?.n) problems.push(`audition_credit_entries: ${orphan.n} grants without a verified payment`);
      const grants = db
        .select({ n: count() })
        .from(creditEntries)
        .where(and(eq(creditEntries.paymentId, payments.id), eq(creditEntries.kind, "grant")));
      const [ungranted] = await db
        .select({ n: count() })
        .from(payments)
        .where(and(eq(payments.status, "verified"), sql`(${grants}) != 1`));
      if (ungranted?.n) problems.push(`audition_fee_payments: ${ungranted.n} verified payments without exactly one grant`);
    }
  }
  if (await has("prop_accounts")) {
    const a = propAccounts;
    const notInteger = (column: SQLiteColumn) => sql`typeof(${column}) != 'integer'`;
    const [bad] = await db
      .select({ n: count() })
      .from(a)
      .where(
        or(
          notInteger(a.cashMicroUsd),
          notInteger(a.equityMicroUsd),
          notInteger(a.startingBalanceMicroUsd),
          notInteger(a.marginUsedMicroUsd),
        ),
      );
    if (bad?.n) problems.push(`prop_accounts: ${bad.n} rows with non-integer money columns`);
  }
  return problems;
}

/** Restore, re-read, compare, check. `d1` must be a fresh database with the manifest's migrations applied. */
export async function restoreAndCompare(bucket: R2Bucket, d1: D1Database, manifest: Manifest): Promise<RestoreReport> {
  const rows = await restoreInto(bucket, d1, manifest);
  const restoredMigrations = await listMigrations(d1);
  const differences = compareTables(manifest.tables, await summarizeRestored(d1, manifest));
  return {
    tables: manifest.tables.length,
    rows,
    differences,
    migrationsDiffer: restoredMigrations.length > 0 && restoredMigrations.join("\n") !== manifest.migrations.join("\n"),
    invariantProblems: await restoredInvariants(d1),
  };
}
