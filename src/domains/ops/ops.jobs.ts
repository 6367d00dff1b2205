/**
 * The ops domain's cron jobs: `ops.evaluate-alerts` (every minute), `ops.backup-d1` (starts the day's
 * backup, then continues it on later ticks until complete; a no-op once complete) and
 * `ops.verify-backup` (daily). Built by a factory because alert evaluation reads the health of every
 * job: the catalog is handed in lazily by src/jobs.ts, which gathers this list into it.
 */
import { z } from "zod";
import type { JobCatalog } from "../../cron/job";
import { defineJob } from "../../cron/job";
import { openDb } from "../../db/client";
import { RuleSchema } from "./alerts/alerts.model";
import { evaluateAlerts } from "./alerts/alerts.service";
import { runBackup } from "./backups/backup.service";
import { verifyNewestBackup } from "./backups/verify.service";
import { readOpsSettings } from "./ops.config";

export function createOpsJobs(catalog: () => JobCatalog) {
  return [
    defineJob({
      name: "ops.evaluate-alerts",
      description:
        "Evaluates the alert rules over workers, ingestion, budget, decision, prop-outbox, payment-RPC and backup signals; notifies",
      params: z.object({ rules: z.array(RuleSchema).min(1).optional() }),
      async run({ env, deps, params }) {
        const result = await evaluateAlerts({ db: openDb(env.DB), env, deps, settings: readOpsSettings(env) }, catalog(), params.rules);
        return {
          itemsProcessed: result.transitions.length,
          summary: { transitions: result.transitions.length, errors: result.errors, deliveries: result.deliveries },
        };
      },
    }),
    defineJob({
      name: "ops.backup-d1",
      description: "Writes (or continues) the day's logical backup of D1 to R2: gzip JSON Lines per table plus a manifest",
      params: z.object({}),
      async run({ env, deps, scheduledAtMs }) {
        const outcome = await runBackup(
          {
            db: openDb(env.DB),
            d1: env.DB,
            bucket: env.ARTIFACTS,
            deps,
            settings: readOpsSettings(env),
            environment: env.APP_ENV ?? "development",
          },
          scheduledAtMs,
        );
        return { itemsProcessed: outcome.rowsWritten, summary: { ...outcome } };
      },
    }),
    defineJob({
      name: "ops.verify-backup",
      description:
        "Verifies the newest backup (manifest present, < 26 h old, every object's hash re-read); the backup_verify alert follows",
      params: z.object({}),
      async run({ env, deps }) {
        const outcome = await verifyNewestBackup({ db: openDb(env.DB), bucket: env.ARTIFACTS, deps, settings: readOpsSettings(env) });
        return {
          itemsProcessed: outcome.ok ? 1 : 0,
          summary: { ok: outcome.ok, backupId: outcome.backupId, problems: outcome.problems.slice(0, 10) },
        };
      },
    }),
  ];
}
