/**
 * What a cron job is. Jobs are plain async functions registered by their domain; the scheduler
 * (src/cron/scheduler.ts) runs them, records a heartbeat per run and guarantees that one
 * (job, scheduled time) pair runs at most once.
 */
import type { z } from "zod";
import type { AppDeps } from "../core/deps";

export interface JobContext<P = Record<string, unknown>> {
  env: Env;
  deps: AppDeps;
  /** The scheduled time this run stands for (cron) or the request time (manual). */
  scheduledAtMs: number;
  trigger: "cron" | "manual";
  params: P;
}

export interface JobOutcome {
  itemsProcessed: number;
  /** Small JSON-able summary kept on the heartbeat row. */
  summary?: Record<string, unknown>;
}

export interface JobDefinition<P = Record<string, unknown>> {
  /** `domain.action`, unique; used in URLs and heartbeats. */
  name: string;
  description: string;
  /** Parameters accepted on manual runs; cron runs get `{}` parsed through it. */
  params: z.ZodType<P>;
  run(ctx: JobContext<P>): Promise<JobOutcome>;
}

/** Helper that keeps the params type tied to its schema. */
export function defineJob<P>(job: JobDefinition<P>): JobDefinition<P> {
  return job;
}

// biome-ignore lint/suspicious/noExplicitAny: params differ per job; each job parses its own.
export type AnyJob = JobDefinition<any>;

/**
 * What the runner runs: every job by name and the dispatch table (cron expression -> job names).
 * Built beside the Worker entry (src/jobs.ts, src/schedule.ts) so cron never imports a domain.
 */
export interface JobCatalog {
  jobs: ReadonlyMap<string, AnyJob>;
  schedule: Readonly<Record<string, readonly string[]>>;
}
