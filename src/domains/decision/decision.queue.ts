/**
 * The decision-runs queue consumer and its dead-letter consumer. Messages carry a run id only; the run
 * row is the state. Delivery is at least once, so every path is idempotent (see decision.service.ts).
 *
 *   done / already_done / not_found -> ack
 *   busy (another delivery holds a live lease) -> retry after the lease, in case that consumer dies
 *   retry_later (an older run of the same account and symbol is unfinished, or a transient model failure
 *     while the slot is valid) -> retry after the delay the run asked for
 *   thrown (D1, intake transport) -> the claim is released and the message retried with backoff; after
 *     the queue's max_retries it lands on the dead-letter queue, whose consumer first reconciles with the
 *     intake by action id (a recorded action is re-sent: the intake returns its first outcome, or applies
 *     it once) and only marks a run that never decided failed (`dead_lettered`).
 * Concurrency: at most `DECISION_CONSUMER_CONCURRENCY` runs at once per invocation, and wrangler's
 * `max_concurrency` bounds the invocations (provider rate limits).
 */

import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Clock } from "../../core/clock";
import { withConcurrency } from "../../core/concurrency";
import type { Db } from "../../db/client";
import type { InvocationWork } from "./decision.meter";
import { ScheduleChunkMessageSchema, type SchedulerDeps, scheduleChunk } from "./decision.scheduler";
import { applyAction, type DecisionDeps, executeRun, finishWithoutAction, RUN_LEASE_MS, releaseRun } from "./decision.service";
import { decisionActions, decisionRuns } from "./decision.tables";

export const DecisionRunMessageSchema = z.object({ runId: z.string().min(1).max(128) });
export type DecisionRunMessage = z.infer<typeof DecisionRunMessageSchema>;

/** Retry delay after a thrown attempt: 10 s, 20 s, 40 s, ... capped at 5 minutes. */
export const retryDelaySeconds = (attempts: number): number => Math.min(300, 10 * 2 ** Math.max(0, attempts - 1));

export async function consumeDecisionRuns(batch: MessageBatch<unknown>, deps: DecisionDeps): Promise<void> {
  await withConcurrency(batch.messages, deps.settings.DECISION_CONSUMER_CONCURRENCY, async (message) => {
    const parsed = DecisionRunMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      console.error(JSON.stringify({ msg: "decision queue: bad message dropped", id: message.id }));
      message.ack();
      return;
    }
    const { runId } = parsed.data;
    try {
      const outcome = await executeRun(deps, runId);
      if (outcome.kind === "retry_later") {
        message.retry({ delaySeconds: Math.max(1, Math.ceil(outcome.delayMs / 1000)) });
        return;
      }
      if (outcome.kind === "busy") {
        const leaseLeftMs = Math.max(0, (outcome.run.leaseUntilMs ?? 0) - deps.clock.nowMs());
        message.retry({ delaySeconds: Math.ceil((leaseLeftMs || RUN_LEASE_MS) / 1000) + 1 });
        return;
      }
      message.ack();
    } catch (error) {
      console.error(JSON.stringify({ msg: "decision run attempt failed", runId, attempts: message.attempts, error: String(error) }));
      await releaseRun(deps.db, runId).catch(() => undefined);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  });
}

/**
 * Dead-lettered runs: a run whose action was recorded is reconciled with the intake by its action id
 * (idempotent: the first outcome comes back) and ends `succeeded`; a run that never decided ends
 * `failed`/`dead_lettered`; a finished run stays as it is. Without an intake (legacy callers) every
 * unfinished run is marked failed.
 */
export async function consumeDeadLetters(
  batch: MessageBatch<unknown>,
  db: Db,
  clock: Clock,
  intake?: DecisionDeps["intake"],
): Promise<void> {
  for (const message of batch.messages) {
    const parsed = DecisionRunMessageSchema.safeParse(message.body);
    if (parsed.success) {
      const { runId } = parsed.data;
      const reconciled = intake ? await reconcileWithIntake({ db, clock, intake }, runId).catch(() => false) : false;
      if (!reconciled) {
        await finishWithoutAction(db, runId, clock.nowMs(), "failed", "dead_lettered", "retries exhausted on the decision queue", [
          "pending",
          "running",
        ]);
      }
    }
    message.ack();
  }
}

/** Re-sends a dead-lettered run's recorded action (same id) and records the outcome; false when it has none. */
async function reconcileWithIntake(deps: Pick<DecisionDeps, "db" | "clock" | "intake">, runId: string): Promise<boolean> {
  const [run] = await deps.db.select().from(decisionRuns).where(eq(decisionRuns.id, runId));
  if (!run || run.status === "succeeded" || run.status === "failed" || run.status === "skipped") return false;
  const [action] = await deps.db.select().from(decisionActions).where(eq(decisionActions.runId, runId));
  if (!action) return false;
  await applyAction(deps, run, action);
  return true;
}

/**
 * The scheduler's fan-out chunks (`decision-schedule`): each message schedules its accounts for its
 * tick. Idempotent by the runs' slot keys, so a redelivery creates nothing new; a thrown chunk is
 * retried (the queue's max_retries), a malformed one dropped with a log line.
 */
export async function consumeScheduleChunks(
  batch: MessageBatch<unknown>,
  deps: SchedulerDeps,
  /** This invocation's D1 and queue work so far (decision.meter.ts), logged with each chunk. */
  work?: () => InvocationWork,
): Promise<void> {
  for (const message of batch.messages) {
    const parsed = ScheduleChunkMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      console.error(JSON.stringify({ msg: "decision schedule: bad chunk dropped", id: message.id }));
      message.ack();
      continue;
    }
    try {
      const summary = await scheduleChunk(deps, parsed.data);
      console.log(
        JSON.stringify({
          msg: "decision schedule chunk",
          atMs: parsed.data.atMs,
          accounts: summary.accounts,
          created: summary.created,
          ...work?.(),
        }),
      );
      message.ack();
    } catch (error) {
      console.error(JSON.stringify({ msg: "decision schedule chunk failed", attempts: message.attempts, error: String(error) }));
      message.retry({ delaySeconds: 5 });
    }
  }
}
