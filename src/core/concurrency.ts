/**
 * The one bounded-concurrency helper: `work` over `items` with at most `limit` calls in flight, in item
 * order. Workers (queue consumers, the prop-account fan-out jobs, candle retention, the feed's
 * backfill) use it instead of hand-rolled lane loops. A throw ends its lane and rejects the call; the
 * other lanes go on with the remaining items, so callers that must see every item (or count failures)
 * catch inside `work`. Pure scheduling: no clock, no I/O.
 */

/** Runs `work` over `items` with at most `limit` (at least 1) in flight. */
export async function withConcurrency<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(lanes);
}
