/**
 * Heartbeats: every job run is recorded as a row in `job_runs` (started, finished, status, error,
 * duration, items). `claimRun` inserts the row first and refuses a second claim of the same
 * (job, trigger, scheduled time), which makes cron re-deliveries and overlaps no-ops.
 */
import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { AppDeps } from "../core/deps";
import type { Db } from "../db/client";
import { type JobRunRow, jobRuns } from "./job-runs.tables";

export interface RunClaim {
  id: string;
  startedAtMs: number;
}

/** Inserts a `running` heartbeat; returns undefined when this (job, trigger, time) already ran. */
export async function claimRun(
  db: Db,
  deps: AppDeps,
  input: { jobName: string; trigger: "cron" | "manual"; scheduledAtMs: number },
): Promise<RunClaim | undefined> {
  const id = deps.ids.next("run");
  const startedAtMs = deps.clock.nowMs();
  const inserted = await db
    .insert(jobRuns)
    .values({ id, ...input, startedAtMs, status: "running" })
    .onConflictDoNothing({ target: [jobRuns.jobName, jobRuns.trigger, jobRuns.scheduledAtMs] })
    .returning({ id: jobRuns.id });
  return inserted.length === 1 ? { id, startedAtMs } : undefined;
}

/** Completes a heartbeat with its outcome. */
export async function finishRun(
  db: Db,
  deps: AppDeps,
  claim: RunClaim,
  outcome: { status: "ok" | "error"; error?: string; itemsProcessed: number; summary?: Record<string, unknown> },
): Promise<JobRunRow> {
  const finishedAtMs = deps.clock.nowMs();
  const [row] = await db
    .update(jobRuns)
    .set({
      status: outcome.status,
      error: outcome.error ?? null,
      itemsProcessed: outcome.itemsProcessed,
      summaryJson: outcome.summary ? JSON.stringify(outcome.summary) : null,
      finishedAtMs,
      durationMs: finishedAtMs - claim.startedAtMs,
    })
    .where(eq(jobRuns.id, claim.id))
    .returning();
  if (!row) throw new Error(`heartbeat ${claim.id} vanished`);
  return row;
}

/** The newest run of each job name (one query). */
export async function latestRuns(db: Db): Promise<Map<string, JobRunRow>> {
  const newest = db
    .select({ jobName: jobRuns.jobName, startedAtMs: sql<number>`max(${jobRuns.startedAtMs})`.as("max_started") })
    .from(jobRuns)
    .groupBy(jobRuns.jobName)
    .as("newest");
  const rows = await db
    .select({ run: jobRuns })
    .from(jobRuns)
    .innerJoin(newest, and(eq(jobRuns.jobName, newest.jobName), eq(jobRuns.startedAtMs, newest.startedAtMs)));
  return new Map(rows.map(({ run }) => [run.jobName, run]));
}

/** Recent runs of one job, newest first. */
export async function recentRuns(db: Db, jobName: string, limit: number): Promise<JobRunRow[]> {
  return db.select().from(jobRuns).where(eq(jobRuns.jobName, jobName)).orderBy(desc(jobRuns.startedAtMs)).limit(limit);
}

/** Deletes heartbeat rows started before `beforeMs`; returns how many went. */
export async function pruneRuns(db: Db, beforeMs: number): Promise<number> {
  const deleted = await db.delete(jobRuns).where(lt(jobRuns.startedAtMs, beforeMs)).returning({ id: jobRuns.id });
  return deleted.length;
}
