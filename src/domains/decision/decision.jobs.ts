/**
 * Decision jobs (the cron dispatch table and the admin job route run them):
 *   decision.schedule-runs   every minute: due runs of active prop accounts -> the queue
 *                            (`npm run prop:decisions:worker` runs it now)
 *   decision.run-once        one clone now, executed inline (`npm run decisions:run-once -- --clone-id=X [--force]`);
 *                            `force` decides in a fresh one-minute slot even when the cadence slot already ran
 *   decision.execute-pending executes pending prop-account runs inline, oldest first, without the queue
 *                            (`npm run decisions:worker`: drains what a stopped consumer left)
 *   decision.prune-runs      every 5 minutes: runs past DECISION_RUN_RETENTION_DAYS, their actions and artifacts,
 *                            in bounded chunks (decision.prune.ts says what is always kept)
 *   decision.intake-probe    manual, bench only (DECISION_INTAKE_PROBE_ENABLED): a run's trading calls timed
 *                            across sandbox accounts (decision.intake-probe.ts)
 */
import { and, asc, eq, isNotNull } from "drizzle-orm";
import { z } from "zod";
import { defineJob } from "../../cron/job";
import { artifactStoreFor } from "../artifacts";
import { intakeProbeJob } from "./decision.intake-probe";
import { meteredEnv } from "./decision.meter";
import { pruneDecisionRuns } from "./decision.prune";
import { type ScheduleSummary, scheduleDueRuns } from "./decision.scheduler";
import { executeRun } from "./decision.service";
import { decisionRuns } from "./decision.tables";
import { decisionRuntime, withSharedRegistry } from "./decision.wiring";

const scheduleRuns = defineJob({
  name: "decision.schedule-runs",
  description: "Creates the due decision runs of every active prop account and enqueues them",
  // `chunk`: this run's fan-out threshold instead of DECISION_SCHEDULE_CHUNK (the cron passes none; the
  // bench schedules 1,000 accounts inline with chunk=1000 and fanned out with the setting).
  params: z.object({ chunk: z.coerce.number().int().min(1).max(1000).optional() }),
  async run({ env, deps, scheduledAtMs, params }) {
    // The summary carries this invocation's D1 round trips and queue sends (decision.meter.ts).
    const metered = meteredEnv(env);
    const rt = await withSharedRegistry(decisionRuntime(metered.env, deps));
    if (!rt.settings.DECISION_SCHEDULER_ENABLED) return { itemsProcessed: 0, summary: { disabled: true } };
    const settings = params.chunk ? { ...rt.settings, DECISION_SCHEDULE_CHUNK: params.chunk } : rt.settings;
    const { runIds: _r, pendingIds: _p, ...summary } = await scheduleDueRuns({ ...rt, settings }, scheduledAtMs);
    return { itemsProcessed: summary.created, summary: { ...(summary satisfies ScheduleSummary), ...metered.work() } };
  },
});

const BoolParam = z.union([z.boolean(), z.enum(["true", "false", ""]).transform((v) => v !== "false")]).default(false);

const runOnce = defineJob({
  name: "decision.run-once",
  description: "Schedules one clone's prop-account runs now and executes them inline (force: a fresh one-minute slot)",
  params: z.object({ cloneId: z.string().min(1).max(128), force: BoolParam }),
  async run({ env, deps, params }) {
    const rt = await withSharedRegistry(decisionRuntime(env, deps));
    const scheduled = await scheduleDueRuns(rt, deps.clock.nowMs(), { cloneId: params.cloneId, force: params.force, enqueue: false });
    const outcomes: Record<string, string> = {};
    for (const runId of scheduled.pendingIds) {
      const outcome = await executeRun(rt, runId);
      outcomes[runId] = outcome.kind === "done" ? `${outcome.run.status}:${outcome.run.reason}` : outcome.kind;
    }
    return { itemsProcessed: scheduled.created, summary: { ...scheduled, outcomes } };
  },
});

const executePending = defineJob({
  name: "decision.execute-pending",
  description: "Executes pending prop-account decision runs inline, oldest first (drains without the queue)",
  params: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
  async run({ env, deps, params }) {
    const rt = await withSharedRegistry(decisionRuntime(env, deps));
    const pending = await rt.db
      .select({ id: decisionRuns.id })
      .from(decisionRuns)
      .where(and(eq(decisionRuns.status, "pending"), isNotNull(decisionRuns.accountId)))
      .orderBy(asc(decisionRuns.createdAtMs))
      .limit(params.limit);
    const kinds: Record<string, number> = {};
    for (const { id } of pending) {
      const outcome = await executeRun(rt, id);
      kinds[outcome.kind] = (kinds[outcome.kind] ?? 0) + 1;
    }
    return { itemsProcessed: pending.length, summary: kinds };
  },
});

const pruneRuns = defineJob({
  name: "decision.prune-runs",
  description: "Deletes decision runs past the retention with their actions and artifacts (never ones a fill references)",
  params: z.object({
    chunk: z.coerce.number().int().min(1).max(500).default(200),
    maxChunks: z.coerce.number().int().min(1).max(50).default(10),
  }),
  async run({ env, deps, scheduledAtMs, params }) {
    const rt = decisionRuntime(env, deps);
    const store = artifactStoreFor(env as unknown as Record<string, unknown> & { ARTIFACTS: R2Bucket });
    const summary = await pruneDecisionRuns(rt.db, store, {
      nowMs: scheduledAtMs,
      retentionDays: rt.settings.DECISION_RUN_RETENTION_DAYS,
      ...params,
    });
    return { itemsProcessed: summary.runs, summary: { ...summary } };
  },
});

export const decisionJobs = [scheduleRuns, runOnce, executePending, pruneRuns, intakeProbeJob];
