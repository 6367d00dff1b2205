/**
 * Worker health: each known job with its last run, age and a `stale` flag. A job is stale when it
 * has never run or its last run started more than two cadences ago (cadence = the largest gap
 * between consecutive firings of its cron expressions); jobs with no schedule are on-demand only.
 */
import { z } from "zod";
import type { Db } from "../db/client";
import { cadenceMs, parseCron } from "./cron-expression";
import type { JobCatalog } from "./job";
import { latestRuns } from "./job-runs.service";
import { cronsByJob } from "./scheduler";

export const WorkerHealthSchema = z.object({
  job: z.string(),
  description: z.string(),
  crons: z.array(z.string()),
  expectedCadenceSec: z.number().int().nullable(),
  stale: z.boolean(),
  lastRun: z
    .object({
      id: z.string(),
      trigger: z.enum(["cron", "manual"]),
      status: z.enum(["running", "ok", "error"]),
      startedAtMs: z.number().int(),
      finishedAtMs: z.number().int().nullable(),
      durationMs: z.number().int().nullable(),
      itemsProcessed: z.number().int().nullable(),
      error: z.string().nullable(),
      ageMs: z.number().int(),
    })
    .nullable(),
});
export type WorkerHealth = z.infer<typeof WorkerHealthSchema>;

const cadenceCache = new Map<string, number>();
function cadenceOf(cron: string): number {
  let value = cadenceCache.get(cron);
  if (value === undefined) {
    value = cadenceMs(parseCron(cron));
    cadenceCache.set(cron, value);
  }
  return value;
}

/** Health of every registered job, ordered by name. */
export async function workersHealth(catalog: JobCatalog, db: Db, nowMs: number): Promise<WorkerHealth[]> {
  const latest = await latestRuns(db);
  const crons = cronsByJob(catalog.schedule);
  return [...catalog.jobs.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((job) => {
      const jobCrons = crons.get(job.name) ?? [];
      const cadence = jobCrons.length ? Math.min(...jobCrons.map(cadenceOf)) : null;
      const run = latest.get(job.name);
      const ageMs = run ? nowMs - run.startedAtMs : null;
      const stale = cadence !== null && (ageMs === null || ageMs > 2 * cadence);
      return {
        job: job.name,
        description: job.description,
        crons: jobCrons,
        expectedCadenceSec: cadence === null ? null : cadence / 1000,
        stale,
        lastRun: run
          ? {
              id: run.id,
              trigger: run.trigger,
              status: run.status,
              startedAtMs: run.startedAtMs,
              finishedAtMs: run.finishedAtMs,
              durationMs: run.durationMs,
              itemsProcessed: run.itemsProcessed,
              error: run.error,
              ageMs: ageMs ?? 0,
            }
          : null,
      };
    });
}
