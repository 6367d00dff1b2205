/**
 * Issue 23 item 14: a mark round over more running accounts than the job's `shardSize` fans out over
 * the `prop-marks` queue, one message per shard of account ids; each shard marks its accounts once per
 * (account, minute), so a redelivered shard marks nothing twice.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { fixedClock } from "../../src/core/clock";
import { randomIds, sequentialIds } from "../../src/core/ids";
import { accountStub, consumeMarkShards, type MarkShardMessage, markShard, openPropAccount, submitAction } from "../../src/domains/trading";
import { runJobNow } from "../../src/jobs";
import { putQuote } from "../support/prop-market";
import { seedRecordedRegistry } from "../support/registry-seed";

const T0 = Date.UTC(2026, 10, 30, 11, 0, 0);
const MIN = 60_000;
const deps = { env, ids: sequentialIds() };
const accounts: string[] = [];

beforeAll(async () => {
  await seedRecordedRegistry();
  await putQuote("BTC", T0, { mark: "60000", mid: "60000", oracle: "60000", funding: "0.0000125" });
  for (let i = 0; i < 5; i++) {
    const { accountId } = await openPropAccount(deps, {
      cloneId: `clone-fan-${i}`,
      ownerId: "fanny",
      kind: "sandbox",
      startingBalanceMicroUsd: 10_000_000_000,
      startMs: T0,
      endMs: T0 + 86_400_000,
      rules: { slippageBps: 0 },
      allowedSymbols: ["BTC"],
    });
    accounts.push(accountId);
    const filled = await submitAction(
      deps,
      accountId,
      {
        actionId: `fan-${i}`,
        symbol: "BTC",
        action: "open_long",
        size: "0.01",
        leverage: 2,
        confidence: 1,
        reason: "fan",
        decidedAtMs: T0,
      },
      T0 + 1000,
    );
    expect(filled).toMatchObject({ status: "filled" });
  }
});

describe("mark-to-market fan-out (issue 23 item 14)", () => {
  it("fans a round out in shards; a redelivered shard marks nothing twice", async () => {
    const sent: MarkShardMessage[] = [];
    const queue = {
      async sendBatch(messages: Array<{ body: MarkShardMessage }>) {
        sent.push(...messages.map((m) => m.body));
      },
    };
    const minute = T0 + 2 * MIN;
    await putQuote("BTC", minute, { mark: "60500", mid: "60500", oracle: "60500", funding: "0.0000125" });
    const result = await runJobNow(
      { ...env, MARK_QUEUE: queue as unknown as Queue },
      { clock: fixedClock(minute), ids: randomIds },
      "trading.mark-to-market",
      {
        shardSize: 2,
      },
    );
    if (!result.ok || result.value.status !== "ran") throw new Error("mark job did not run");
    expect(JSON.parse(result.value.run.summaryJson ?? "{}")).toMatchObject({ fannedOut: 3 });
    const mine = sent.map((s) => ({ ...s, accountIds: s.accountIds.filter((id) => accounts.includes(id)) }));
    expect(mine.flatMap((s) => s.accountIds).sort()).toEqual([...accounts].sort());
    expect(sent.every((s) => s.minuteMs === minute && s.accountIds.length <= 2)).toBe(true);
    // Nothing was marked by the tick itself.
    for (const id of accounts) expect(await accountStub(env, id).snapshots({ limit: 50, hourlyOnly: false })).toHaveLength(0);

    // First delivery of every shard marks each account once.
    let applied = 0;
    for (const shard of sent) applied += (await markShard(env, shard)).applied;
    expect(applied).toBe(sent.flatMap((s) => s.accountIds).length);
    const snapshots = async () =>
      Promise.all(accounts.map(async (id) => (await accountStub(env, id).snapshots({ limit: 50, hourlyOnly: false })).length));
    const once = await snapshots();
    expect(once.every((n) => n === 1)).toBe(true);

    // Redelivery (same shard, same minute): nothing applied, no second snapshot; the consumer acks it.
    for (const shard of sent) expect(await markShard(env, shard)).toMatchObject({ applied: 0, failed: 0 });
    const message = { id: "m", timestamp: new Date(0), attempts: 2, body: sent[0], ack: vi.fn(), retry: vi.fn() };
    await consumeMarkShards({ queue: "prop-marks", messages: [message] } as unknown as MessageBatch<unknown>, env);
    expect(message.ack).toHaveBeenCalledTimes(1);
    expect(message.retry).not.toHaveBeenCalled();
    expect(await snapshots()).toEqual(once);
  });

  it("marks inline below the shard size, and drops a malformed shard message", async () => {
    const minute = T0 + 3 * MIN;
    const result = await runJobNow(env, { clock: fixedClock(minute), ids: randomIds }, "trading.mark-to-market", { shardSize: 1000 });
    if (!result.ok || result.value.status !== "ran") throw new Error("mark job did not run");
    expect(JSON.parse(result.value.run.summaryJson ?? "{}")).toMatchObject({ failed: 0, applied: accounts.length });
    const bad = { id: "b", timestamp: new Date(0), attempts: 1, body: { minuteMs: "now" }, ack: vi.fn(), retry: vi.fn() };
    await consumeMarkShards({ queue: "prop-marks", messages: [bad] } as unknown as MessageBatch<unknown>, env);
    expect(bad.ack).toHaveBeenCalledTimes(1);
  });
});
