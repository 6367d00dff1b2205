/**
 * The `backtests` queue consumer (wrangler.toml). A message carries a backtest id only; the row is the
 * state. One delivery runs chunks of slots for a bounded wall time (`DELIVERY_BUDGET_MS`), then re-sends
 * the message and acks, so a long window never outlives one invocation and a dead consumer loses at most
 * one chunk. Why its own queue and not a message kind on `decision-runs`: a backtest delivery runs for
 * seconds and re-enqueues itself many times; sharing the decision consumer's `max_concurrency` would let
 * backtests delay live decisions (doc/domains/backtest.md).
 *   done / stopped (cancelled, finished) / not_found -> ack
 *   more  -> send the id again, ack
 *   busy  -> retry after the lease (another delivery holds it)
 *   thrown -> failure counted (the backtest fails after MAX_FAILURES), retry with backoff
 */
import { z } from "zod";
import { BACKTEST_LEASE_MS, type BacktestDeps, recordFailure, runBacktest } from "./backtest.service";

export const BacktestMessageSchema = z.object({ backtestId: z.string().min(1).max(128) });

export async function consumeBacktests(batch: MessageBatch<unknown>, deps: BacktestDeps): Promise<void> {
  for (const message of batch.messages) {
    const parsed = BacktestMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      console.error(JSON.stringify({ msg: "backtest queue: bad message dropped", id: message.id }));
      message.ack();
      continue;
    }
    const { backtestId } = parsed.data;
    try {
      const outcome = await runBacktest(deps, backtestId);
      if (outcome === "more") await deps.enqueue(backtestId);
      if (outcome === "busy") message.retry({ delaySeconds: Math.ceil(BACKTEST_LEASE_MS / 1000) + 1 });
      else message.ack();
    } catch (error) {
      console.error(JSON.stringify({ msg: "backtest delivery failed", backtestId, attempts: message.attempts, error: String(error) }));
      await recordFailure(deps.db, backtestId, deps.nowMs(), error).catch(() => undefined);
      message.retry({ delaySeconds: Math.min(300, 10 * 2 ** Math.max(0, message.attempts - 1)) });
    }
  }
}
