/**
 * The queue dispatch table: queue name -> consumer, like the cron table (src/schedule.ts). The keys must
 * equal the `[[queues.consumers]]` queue names in wrangler.toml (a test checks it); a batch from a queue
 * that is not in the table is an error, never silently acked.
 */
import type { AppDeps } from "./core/deps";
import { backtestDeps, consumeBacktests } from "./domains/backtest";
import {
  consumeDeadLetters,
  consumeDecisionRuns,
  consumeScheduleChunks,
  decisionRuntime,
  meteredEnv,
  withSharedRegistry,
} from "./domains/decision";
import { consumeMarkShards } from "./domains/trading";

export type QueueConsumer = (batch: MessageBatch<unknown>, env: Env, deps: AppDeps) => Promise<void>;

export const QUEUE_CONSUMERS: Readonly<Record<string, QueueConsumer>> = {
  // One message per decision run: packet -> engine -> validate -> intake -> record (idempotent).
  "decision-runs": async (batch, env, deps) => consumeDecisionRuns(batch, await withSharedRegistry(decisionRuntime(env, deps))),
  // Runs whose messages exhausted their retries: reconciled with the intake by action id, else `failed`/`dead_lettered`.
  "decision-runs-dlq": (batch, env, deps) => {
    const rt = decisionRuntime(env, deps);
    return consumeDeadLetters(batch, rt.db, deps.clock, rt.intake);
  },
  // The scheduler tick's fan-out: one message per chunk of active accounts, scheduled in its own invocation.
  // Batch size 1: one chunk per invocation, logged with that invocation's D1 round trips and queue sends.
  "decision-schedule": (batch, env, deps) => {
    const metered = meteredEnv(env);
    return consumeScheduleChunks(batch, decisionRuntime(metered.env, deps), metered.work);
  },
  // Mark-to-market fan-out: one message per shard of running accounts, marked once per (account, minute).
  "prop-marks": (batch, env) => consumeMarkShards(batch, env),
  // One message per backtest delivery: chunks of slots for a bounded time, then re-enqueued until done.
  backtests: (batch, env, deps) => consumeBacktests(batch, backtestDeps(env, deps)),
};

/**
 * The table key of a queue name: wrangler environments name their queues `<name>-staging` and
 * `<name>-production` (dead-letter queues `<name>-<env>-dlq`), the table holds the base names.
 */
export const queueKey = (queue: string): string => queue.replace(/-(staging|production)(-dlq)?$/, "$2");

/** Runs the consumer of `batch.queue`; throws for an unknown queue. */
export async function dispatchQueue(batch: MessageBatch<unknown>, env: Env, deps: AppDeps): Promise<void> {
  const consumer = QUEUE_CONSUMERS[batch.queue] ?? QUEUE_CONSUMERS[queueKey(batch.queue)];
  if (!consumer) throw new Error(`unknown queue: "${batch.queue}"`);
  await consumer(batch, env, deps);
}
