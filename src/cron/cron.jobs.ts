/**
 * Housekeeping of the cron runner itself. The job keeps its historical name `ops.prune-job-runs`
 * (heartbeat rows, README commands and the dispatch table refer to it), though it lives in cron now.
 */
import { z } from "zod";
import { DAY_MS } from "../core/clock";
import { openDb } from "../db/client";
import { defineJob } from "./job";
import { pruneRuns } from "./job-runs.service";

export const pruneJobRuns = defineJob({
  name: "ops.prune-job-runs",
  description: "Deletes heartbeat rows older than the retention window (default 7 days).",
  params: z.object({ retentionDays: z.coerce.number().int().min(1).max(365).default(7) }),
  async run({ env, scheduledAtMs, params }) {
    const removed = await pruneRuns(openDb(env.DB), scheduledAtMs - params.retentionDays * DAY_MS);
    return { itemsProcessed: removed };
  },
});

export const cronJobs = [pruneJobRuns];
