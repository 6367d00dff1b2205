/**
 * `ops.verify-backup`: checks the newest backup in R2: the manifest is present and parses, the backup
 * is younger than BACKUP_MAX_AGE_HOURS, and every part object re-read (gunzipped) has the row count
 * and SHA-256 the manifest says, and so has every table. The outcome is recorded in
 * `ops_backup_verifications`; the `backup_verify` alert rule reads the newest one, so a failed check
 * becomes an alert at the next minute. Problems name the table.
 * Callers: ops.jobs.ts, the restore check shares the comparison (backup.model.ts compareTables).
 */

import { desc } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { digestSha256Hex } from "../../../core/sha256";
import type { Db } from "../../../db/client";
import type { OpsSettings } from "../ops.config";
import { type Manifest, ManifestSchema } from "./backup.model";
import { opsBackupVerifications, type VerificationRow } from "./backups.tables";
import { gunzip, tableDigest } from "./dump.service";

export interface VerifyOutcome {
  ok: boolean;
  backupId: string | null;
  manifestKey: string | null;
  problems: string[];
}

/** The newest manifest key under `prefix` (backup ids are UTC days, so the greatest id is the newest). */
export async function newestManifestKey(bucket: R2Bucket, prefix: string): Promise<string | undefined> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, delimiter: "/", cursor });
    ids.push(...page.delimitedPrefixes);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  for (const id of ids.sort().reverse()) {
    const key = `${id}manifest.json`;
    if (await bucket.head(key)) return key;
  }
  return undefined;
}

/** Re-reads every object of `manifest` and lists what does not match, naming the table. */
export async function checkObjects(bucket: R2Bucket, manifest: Manifest): Promise<string[]> {
  const problems: string[] = [];
  for (const table of manifest.tables) {
    let broken = false;
    for (const part of table.parts) {
      const object = await bucket.get(part.key);
      if (!object) {
        problems.push(`${table.name}: object ${part.key} missing`);
        broken = true;
        continue;
      }
      let text: string;
      try {
        text = await gunzip(await object.arrayBuffer());
      } catch {
        problems.push(`${table.name}: object ${part.key} is not gzip`);
        broken = true;
        continue;
      }
      const rows = text === "" ? 0 : text.split("\n").length - 1;
      const sha = await digestSha256Hex(text);
      if (rows !== part.rows || sha !== part.sha256) {
        problems.push(
          `${table.name}: object ${part.key} differs (rows ${rows}/${part.rows}, sha256 ${sha.slice(0, 12)}/${part.sha256.slice(0, 12)})`,
        );
        broken = true;
      }
    }
    if (!broken && (await tableDigest(table.parts)) !== table.sha256) problems.push(`${table.name}: table digest differs from its parts`);
  }
  return problems;
}

/** Verifies the newest backup and records the outcome. */
export async function verifyNewestBackup(input: {
  db: Db;
  bucket: R2Bucket;
  deps: AppDeps;
  settings: Pick<OpsSettings, "BACKUP_PREFIX" | "BACKUP_MAX_AGE_HOURS">;
}): Promise<VerifyOutcome> {
  const nowMs = input.deps.clock.nowMs();
  const outcome = await verify(input.bucket, input.settings, nowMs);
  await input.db.insert(opsBackupVerifications).values({
    id: input.deps.ids.next("bverify"),
    backupId: outcome.backupId,
    manifestKey: outcome.manifestKey,
    checkedAtMs: nowMs,
    ok: outcome.ok,
    problemsJson: JSON.stringify(outcome.problems),
  });
  return outcome;
}

async function verify(
  bucket: R2Bucket,
  settings: Pick<OpsSettings, "BACKUP_PREFIX" | "BACKUP_MAX_AGE_HOURS">,
  nowMs: number,
): Promise<VerifyOutcome> {
  const key = await newestManifestKey(bucket, settings.BACKUP_PREFIX);
  if (!key) return { ok: false, backupId: null, manifestKey: null, problems: [`no backup manifest under ${settings.BACKUP_PREFIX}`] };
  const object = await bucket.get(key);
  const parsed = object ? ManifestSchema.safeParse(await object.json().catch(() => null)) : undefined;
  if (!parsed?.success) return { ok: false, backupId: null, manifestKey: key, problems: [`manifest ${key} is missing or malformed`] };
  const manifest = parsed.data;
  const problems: string[] = [];
  const ageMs = nowMs - manifest.finishedAtMs;
  if (ageMs > settings.BACKUP_MAX_AGE_HOURS * 3_600_000) {
    problems.push(
      `newest backup ${manifest.backupId} is ${(ageMs / 3_600_000).toFixed(1)} h old (limit ${settings.BACKUP_MAX_AGE_HOURS} h)`,
    );
  }
  problems.push(...(await checkObjects(bucket, manifest)));
  return { ok: problems.length === 0, backupId: manifest.backupId, manifestKey: key, problems };
}

/** The newest verification, for the `backup_verify` alert rule. */
export async function latestVerification(db: Db): Promise<VerificationRow | undefined> {
  const [row] = await db.select().from(opsBackupVerifications).orderBy(desc(opsBackupVerifications.checkedAtMs)).limit(1);
  return row;
}
