/**
 * `ops.backup-d1`: writes the logical backup of D1 for the UTC day of the run to R2 (format in
 * backup.model.ts), at most `BACKUP_ROWS_PER_RUN` rows per invocation. The backup row in D1 keeps the
 * cursor, so the next run (the job is scheduled every few minutes and is a cheap no-op once the day's
 * backup is complete) continues where the last one stopped.
 *
 * Invariants: a part object is written before the cursor that points past it, so a run killed between
 * the two re-writes the same part with the same bytes; the manifest is written last, so a manifest in
 * R2 always describes a complete backup. Rows written between two invocations of one backup may or may
 * not be included (a logical backup is not a snapshot across invocations; D1 Time Travel is the
 * point-in-time tool, see doc/operations.md).
 */

import { eq } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { digestSha256Hex } from "../../../core/sha256";
import type { Db } from "../../../db/client";
import type { OpsSettings } from "../ops.config";
import { type BackupProgress, BackupProgressSchema, backupIdFor, type Manifest, manifestKey, partKey } from "./backup.model";
import { opsBackups } from "./backups.tables";
import { gzip, listMigrations, listTables, partText, readPage, tableDigest, tableShape } from "./dump.service";

export interface BackupDeps {
  db: Db;
  d1: D1Database;
  bucket: R2Bucket;
  deps: AppDeps;
  settings: Pick<OpsSettings, "BACKUP_PREFIX" | "BACKUP_EXCLUDE_TABLES" | "BACKUP_ROWS_PER_PART" | "BACKUP_ROWS_PER_RUN">;
  environment: string;
}

export interface BackupOutcome {
  backupId: string;
  status: "complete" | "running" | "already_complete";
  rowsWritten: number;
  manifestKey: string;
}

/** Runs (or continues) the backup of the day of `atMs`. */
export async function runBackup(b: BackupDeps, atMs: number): Promise<BackupOutcome> {
  const backupId = backupIdFor(atMs);
  const key = manifestKey(b.settings.BACKUP_PREFIX, backupId);
  const [existing] = await b.db.select().from(opsBackups).where(eq(opsBackups.id, backupId));
  if (existing?.status === "complete") return { backupId, status: "already_complete", rowsWritten: 0, manifestKey: key };

  let progress: BackupProgress;
  let invocations = 1;
  let startedAtMs = b.deps.clock.nowMs();
  if (existing) {
    progress = BackupProgressSchema.parse(JSON.parse(existing.progressJson));
    invocations = existing.invocations + 1;
    startedAtMs = existing.startedAtMs;
  } else {
    const excluded = new Set<string>(b.settings.BACKUP_EXCLUDE_TABLES);
    progress = {
      tables: [],
      current: null,
      todo: (await listTables(b.d1)).filter((t) => !excluded.has(t)),
      migrations: await listMigrations(b.d1),
    };
    await b.db
      .insert(opsBackups)
      .values({ id: backupId, status: "running", manifestKey: key, startedAtMs, invocations: 0, progressJson: JSON.stringify(progress) })
      .onConflictDoNothing();
  }

  let budget = b.settings.BACKUP_ROWS_PER_RUN;
  let rowsWritten = 0;
  const save = () =>
    b.db
      .update(opsBackups)
      .set({ progressJson: JSON.stringify(progress), invocations })
      .where(eq(opsBackups.id, backupId));

  while (budget > 0 && (progress.current || progress.todo.length)) {
    if (!progress.current) {
      const name = progress.todo[0] as string;
      progress.current = { name, ...(await tableShape(b.d1, name)), after: null, parts: [] };
    }
    const cur = progress.current;
    const limit = Math.min(b.settings.BACKUP_ROWS_PER_PART, budget);
    const page = await readPage(b.d1, cur, cur.after, limit);
    if (page.lines.length || cur.parts.length === 0) {
      const text = partText(page.lines);
      const body = await gzip(text);
      const pKey = partKey(b.settings.BACKUP_PREFIX, backupId, cur.name, cur.parts.length);
      await b.bucket.put(pKey, body, { httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" } });
      cur.parts.push({ key: pKey, rows: page.lines.length, sha256: await digestSha256Hex(text), bytesGzip: body.byteLength });
      cur.after = page.last;
      rowsWritten += page.lines.length;
      budget -= page.lines.length;
    }
    if (page.lines.length < limit) {
      progress.tables.push({
        name: cur.name,
        columns: cur.columns,
        orderBy: cur.orderBy,
        rows: cur.parts.reduce((n, p) => n + p.rows, 0),
        sha256: await tableDigest(cur.parts),
        parts: cur.parts,
      });
      progress.current = null;
      progress.todo.shift();
    }
    await save();
  }

  if (progress.current || progress.todo.length) return { backupId, status: "running", rowsWritten, manifestKey: key };

  const finishedAtMs = b.deps.clock.nowMs();
  const manifest: Manifest = {
    format: "clash-arena.d1-logical-backup.v1",
    backupId,
    environment: b.environment,
    startedAtMs,
    finishedAtMs,
    invocations,
    migrations: progress.migrations,
    excludedTables: [...b.settings.BACKUP_EXCLUDE_TABLES],
    tables: progress.tables,
  };
  await b.bucket.put(key, JSON.stringify(manifest, null, 1), { httpMetadata: { contentType: "application/json" } });
  await b.db.update(opsBackups).set({ status: "complete", finishedAtMs, invocations }).where(eq(opsBackups.id, backupId));
  return { backupId, status: "complete", rowsWritten, manifestKey: key };
}
