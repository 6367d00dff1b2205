/**
 * Every job the Worker knows, by name, and the catalog the cron runner is handed. Domains export their
 * job lists from their index; this file (beside the Worker entry) is the one place they are gathered,
 * so src/cron/ stays a library that imports no domain.
 *
 * `dispatchCron` and `runJobNow` here are the runner bound to this catalog (Worker entry, admin route,
 * CLIs and tests use them).
 */
import type { AppDeps } from "./core/deps";
import type { Result } from "./core/result";
import { cronJobs } from "./cron/cron.jobs";
import type { AnyJob, JobCatalog } from "./cron/job";
import { type ManualRunError, type RunOutcome, dispatchCron as runCron, runJobNow as runNow } from "./cron/scheduler";
import { arenaJobs, arenaRaceJobs } from "./domains/arena";
import { decisionJobs } from "./domains/decision";
import { lifecycleJobs } from "./domains/lifecycle";
import { exchangeJobs, indicatorJobs, marketDataIngestionJobs } from "./domains/market-data";
import { createOpsJobs } from "./domains/ops";
import { tradingJobs } from "./domains/trading";
import { SCHEDULE } from "./schedule";

export type { AnyJob };

const ALL_JOBS: AnyJob[] = [
  ...cronJobs,
  ...exchangeJobs,
  ...indicatorJobs,
  ...marketDataIngestionJobs,
  ...tradingJobs,
  ...lifecycleJobs,
  ...arenaJobs,
  ...arenaRaceJobs,
  ...decisionJobs,
  // Alert evaluation reads every job's health, so it gets the catalog (lazily: it is built below).
  ...createOpsJobs(() => JOB_CATALOG),
];

export const JOBS: ReadonlyMap<string, AnyJob> = new Map(ALL_JOBS.map((job) => [job.name, job]));

if (JOBS.size !== ALL_JOBS.length) throw new Error("duplicate job names in the registry");

export const JOB_CATALOG: JobCatalog = { jobs: JOBS, schedule: SCHEDULE };

/** Runs every job scheduled for `cron` (the Worker's `scheduled` handler body). */
export function dispatchCron(env: Env, deps: AppDeps, cron: string, scheduledTimeMs: number): Promise<RunOutcome[]> {
  return runCron(JOB_CATALOG, env, deps, cron, scheduledTimeMs);
}

/** Runs one job now with validated parameters (admin route, npm scripts, tests). */
export function runJobNow(env: Env, deps: AppDeps, name: string, params: unknown): Promise<Result<RunOutcome, ManualRunError>> {
  return runNow(JOB_CATALOG, env, deps, name, params);
}

export type { ManualRunError, RunOutcome };
