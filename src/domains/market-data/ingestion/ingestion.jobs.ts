/**
 * Housekeeping of ingestion run records: `market-data.prune-ingestion-runs` (hourly with the DefiLlama
 * polls) deletes `ingestion_runs` rows older than the retention window. Health reads at most the last
 * 24 hours and the last 10 runs per channel, so 7 days keeps plenty of history for operators.
 */
import { lt } from "drizzle-orm";
import { z } from "zod";
import { DAY_MS } from "../../../core/clock";
import { defineJob } from "../../../cron/job";
import { openDb } from "../../../db/client";
import { ingestionRuns } from "./ingestion.tables";

export const pruneIngestionRunsJob = defineJob({
  name: "market-data.prune-ingestion-runs",
  description: "Deletes ingestion run records older than the retention window (default 7 days).",
  params: z.object({ retentionDays: z.coerce.number().int().min(1).max(365).default(7) }),
  async run({ env, scheduledAtMs, params }) {
    const result = await openDb(env.DB)
      .delete(ingestionRuns)
      .where(lt(ingestionRuns.startedAtMs, scheduledAtMs - params.retentionDays * DAY_MS));
    return { itemsProcessed: result.meta.changes ?? 0 };
  },
});

export const ingestionJobs = [pruneIngestionRunsJob];
