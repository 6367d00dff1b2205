/**
 * The pure parts of the weight budget and the feed's alarm helper: the token bucket never lets a
 * window carry more than limit × safety, a 429 empties and shrinks it, waiters are served polls
 * first then newest gap first, snapshot weights follow the published rule, and the alarm helper only
 * ever moves the alarm earlier until it fires.
 */
import { describe, expect, it } from "vitest";
import {
  candleSnapshotWeight,
  estimateSnapshotWeight,
  nextWaiter,
  TokenBucket,
  WeightBudgetSettingsSchema,
} from "../../src/domains/market-data/hyperliquid/budget/weight-budget.model";
import { AlarmTimer } from "../../src/domains/market-data/hyperliquid/feed/alarm-timer";

describe("weight budget", () => {
  it("weighs candleSnapshot as 20 + 1 per 60 candles, estimated from the range", () => {
    expect(candleSnapshotWeight(0)).toBe(20);
    expect(candleSnapshotWeight(60)).toBe(21);
    expect(candleSnapshotWeight(121)).toBe(23);
    expect(estimateSnapshotWeight(0, 119 * 60_000)).toBe(22); // 120 minutes
    expect(estimateSnapshotWeight(0, 10_000 * 60_000)).toBe(20 + Math.ceil(5000 / 60)); // the exchange keeps 5000
  });

  it("never grants more than limit × safety in any window, whatever the demand", () => {
    const settings = WeightBudgetSettingsSchema.parse({});
    const bucket = new TokenBucket(settings, 0);
    const grants: number[] = [];
    for (let t = 0; t < 5 * 60_000; t += 50) while (bucket.tryTake(22, t)) grants.push(t);
    let peak = 0;
    for (let i = 0, j = 0; i < grants.length; i++) {
      while ((grants[j] ?? 0) <= (grants[i] ?? 0) - 60_000) j++;
      peak = Math.max(peak, (i - j + 1) * 22);
    }
    expect(peak).toBeLessThanOrEqual(1200 * 0.9);
    expect(peak).toBeGreaterThan(1000);
  });

  it("empties and halves the rate after a 429", () => {
    const bucket = new TokenBucket(WeightBudgetSettingsSchema.parse({}), 0);
    const normal = bucket.rate(0);
    bucket.penalize(0);
    expect(bucket.available(0)).toBe(0);
    expect(bucket.rate(1)).toBe(normal / 2);
    expect(bucket.rate(60_001)).toBe(normal);
    expect(bucket.msUntil(20, 1)).toBeGreaterThan(0);
  });

  it("serves polls first, then the newest gap, then arrival order", () => {
    const w = (priority: "poll" | "backfill", key: number, seq: number) => ({ weight: 20, priority, key, seq });
    expect(nextWaiter([w("backfill", 5, 0), w("poll", 0, 3), w("backfill", 9, 1)])?.seq).toBe(3);
    expect(nextWaiter([w("backfill", 5, 0), w("backfill", 9, 2), w("backfill", 9, 1)])?.seq).toBe(1);
    expect(nextWaiter([])).toBeUndefined();
  });
});

describe("AlarmTimer", () => {
  it("only moves the alarm earlier until it fires", () => {
    const set: number[] = [];
    let deleted = 0;
    const timer = new AlarmTimer(
      (t) => set.push(t),
      () => deleted++,
    );
    timer.armAt(10_000);
    timer.armAt(12_000); // later: ignored
    timer.armAt(2_000); // earlier: moves
    expect(set).toEqual([10_000, 2_000]);
    timer.fired();
    timer.armAt(30_000); // after firing anything arms
    expect(set.at(-1)).toBe(30_000);
    timer.cancel();
    expect(deleted).toBe(1);
    timer.adopt(5_000);
    timer.armAt(6_000);
    expect(set.at(-1)).toBe(30_000);
  });
});
