/**
 * Runs jobs and records their heartbeats, over a `JobCatalog` it is handed (src/jobs.ts binds the
 * Worker's catalog). `dispatchCron` is the Worker's `scheduled` handler body; `runJobNow` serves the
 * admin on-demand route. A job's failure is recorded on its heartbeat and
 * does not stop the other jobs of the same tick.
 */
import type { z } from "zod";
import { floorTo, MINUTE_MS } from "../core/clock";
import type { AppDeps } from "../core/deps";
import { readPlatformConfig } from "../core/platform.config";
import { err, ok, type Result } from "../core/result";
import { openDb } from "../db/client";
import type { AnyJob, JobCatalog } from "./job";
import { claimRun, finishRun } from "./job-runs.service";
import type { JobRunRow } from "./job-runs.tables";

export type RunOutcome = { status: "skipped"; reason: "already-ran" } | { status: "ran"; run: JobRunRow };

async function execute(
  env: Env,
  deps: AppDeps,
  job: AnyJob,
  input: { trigger: "cron" | "manual"; scheduledAtMs: number; params: unknown },
): Promise<RunOutcome> {
  const db = openDb(env.DB);
  const claim = await claimRun(db, deps, { jobName: job.name, trigger: input.trigger, scheduledAtMs: input.scheduledAtMs });
  if (!claim) {
    logJob(env, job.name, input, { status: "skipped" });
    return { status: "skipped", reason: "already-ran" };
  }
  let run: JobRunRow;
  try {
    const params = job.params.parse(input.params ?? {});
    const outcome = await job.run({ env, deps, scheduledAtMs: input.scheduledAtMs, trigger: input.trigger, params });
    run = await finishRun(db, deps, claim, { status: "ok", ...outcome });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    run = await finishRun(db, deps, claim, { status: "error", error: message.slice(0, 2000), itemsProcessed: 0 });
  }
  logJob(env, job.name, input, run);
  return { status: "ran", run };
}

/**
 * One structured line per job run (Workers Logs): job, trigger, scheduled minute, run id, status,
 * duration, items, and the error message of a failed run. No parameters (they may carry anything).
 */
function logJob(env: Env, job: string, input: { trigger: string; scheduledAtMs: number }, run: JobRunRow | { status: "skipped" }): void {
  if (!readPlatformConfig(env).ACCESS_LOGS && run.status !== "error") return;
  const facts =
    run.status === "skipped"
      ? {}
      : { runId: run.id, durationMs: run.durationMs, itemsProcessed: run.itemsProcessed, error: run.error ?? undefined };
  const line = JSON.stringify({
    msg: "job",
    job,
    trigger: input.trigger,
    scheduledAtMs: input.scheduledAtMs,
    status: run.status,
    ...facts,
  });
  if (run.status === "error") console.error(line);
  else console.log(line);
}

/** Runs every job scheduled for `cron`; throws on an expression that is not in the table. */
export async function dispatchCron(
  catalog: JobCatalog,
  env: Env,
  deps: AppDeps,
  cron: string,
  scheduledTimeMs: number,
): Promise<RunOutcome[]> {
  const names = catalog.schedule[cron];
  if (!names) throw new Error(`unknown cron expression: "${cron}"`);
  const scheduledAtMs = floorTo(scheduledTimeMs, MINUTE_MS);
  const outcomes: RunOutcome[] = [];
  for (const name of names) {
    const job = catalog.jobs.get(name);
    if (!job) throw new Error(`schedule names unknown job ${name}`);
    outcomes.push(await execute(env, deps, job, { trigger: "cron", scheduledAtMs, params: {} }));
  }
  return outcomes;
}

export type ManualRunError = { kind: "unknown-job" } | { kind: "bad-params"; issues: z.core.$ZodIssue[] };

/** Runs one job now with validated parameters (admin route, npm scripts). */
export async function runJobNow(
  catalog: JobCatalog,
  env: Env,
  deps: AppDeps,
  name: string,
  params: unknown,
): Promise<Result<RunOutcome, ManualRunError>> {
  const job = catalog.jobs.get(name);
  if (!job) return err({ kind: "unknown-job" });
  const parsed = job.params.safeParse(params ?? {});
  if (!parsed.success) return err({ kind: "bad-params", issues: parsed.error.issues });
  return ok(await execute(env, deps, job, { trigger: "manual", scheduledAtMs: deps.clock.nowMs(), params: parsed.data }));
}

/** Expression(s) each job runs on, for health cadence. */
export function cronsByJob(schedule: JobCatalog["schedule"]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [cron, names] of Object.entries(schedule)) {
    for (const name of names) out.set(name, [...(out.get(name) ?? []), cron]);
  }
  return out;
}
