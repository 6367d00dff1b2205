/**
 * The prop-account jobs (a cron fan-out; doc/domains/trading.md explains why not per-object alarms):
 *   trading.mark-to-market  every minute: one D1 read of quotes and the last closed candles for every
 *                        symbol held, then each running account's object marks (triggers, snapshot,
 *                        liquidation) with bounded concurrency. Keyed by (account, minute) inside the
 *                        object, so a re-run or overlap is a no-op. Over `shardSize` accounts the round
 *                        fans out instead: one `prop-marks` queue message per shard of account ids, each
 *                        marked in its own invocation (`markShard`), idempotent per (account, minute), so
 *                        a redelivered shard marks nothing twice. `shard`/`shards` still split the list
 *                        by hash when an operator runs parts by hand. Only marks younger than
 *                        `PROP_MAX_MARK_AGE_MS` value or liquidate; skips are in the run's summary.
 *   trading.live-reconcile  every 5 minutes: live accounts against the exchange (live/live.jobs.ts).
 *   trading.funding         hourly: the rate in force for the hour that just ended, settled on the
 *                        position held at the boundary, once per (account, hour) (and per coin inside
 *                        the engine); the previous hour is retried when a rate row was missing.
 *   trading.finalize-due    every minute: accounts whose window ended (or that were liquidated) finalize,
 *                        at the mark as of the window's end; an account whose held symbol has no mark
 *                        fresh at the end (PROP_MAX_MARK_AGE_MS) waits and is counted as `waiting`.
 */
import { eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { floorTo, HOUR_MS, MINUTE_MS } from "../../core/clock";
import { withConcurrency } from "../../core/concurrency";
import type { AppDeps } from "../../core/deps";
import { defineJob } from "../../cron/job";
import { openDb } from "../../db/client";
import { liveReconcileJob, liveRewrapAgentKeysJob } from "./live/live.jobs";
import type { Market } from "./market.model";
import { candlesBetween, fundingRatesFor, loadMarket } from "./market.service";
import { accountStub, listActiveAccounts, listDueAccounts, openSymbolsByAccount } from "./prop-accounts.service";
import { finalizeAccount } from "./prop-admin.service";
import { readTradingConfig } from "./trading.config";
import { propAccounts, propPositions } from "./trading.tables";

/** Runs `work` over `items` with at most `limit` in flight; returns how many threw. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<number> {
  let failed = 0;
  await withConcurrency(items, limit, async (item) => {
    try {
      await work(item);
    } catch (error) {
      failed += 1;
      console.error(JSON.stringify({ msg: "prop job item failed", error: String(error) }));
    }
  });
  return failed;
}

/** Held symbols per running account, from the projection. */
async function heldByAccount(d1: D1Database, accountIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (accountIds.length === 0) return out;
  const results = await openDb(d1)
    .select({ accountId: propPositions.accountId, symbol: propPositions.symbol })
    .from(propPositions)
    .innerJoin(propAccounts, eq(propAccounts.id, propPositions.accountId))
    .where(inArray(propAccounts.status, ["active", "frozen"]));
  const wanted = new Set(accountIds);
  for (const r of results) if (wanted.has(r.accountId)) out.set(r.accountId, [...(out.get(r.accountId) ?? []), r.symbol]);
  return out;
}

const subset = (market: Market, symbols: readonly string[]): Market => ({
  assets: Object.fromEntries(symbols.flatMap((s) => (market.assets[s] ? [[s, market.assets[s]]] : []))),
  quotes: Object.fromEntries(symbols.flatMap((s) => (market.quotes[s] ? [[s, market.quotes[s]]] : []))),
});

const hashShard = (id: string, shards: number): number => {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % shards;
};

/** One fan-out message of a mark round: the accounts one invocation marks for `minuteMs`. */
export const MarkShardMessageSchema = z.object({
  minuteMs: z.number().int().nonnegative(),
  accountIds: z.array(z.string().min(1).max(128)).min(1).max(1000),
});
export type MarkShardMessage = z.infer<typeof MarkShardMessageSchema>;

export interface MarkShardSummary {
  accounts: number;
  /** Accounts whose minute this call marked (a repeat of a marked minute is not counted). */
  applied: number;
  liquidated: number;
  failed: number;
  /** Rule 6: accounts left unmarked because a held symbol's mark was missing or older than the limit. */
  staleSkipped: number;
  /** The oldest mark age seen per stale symbol (null: no mark at all). */
  staleSymbols: Record<string, number | null>;
}

/**
 * Marks one shard of accounts for `minuteMs`: one read of their held symbols, one of quotes and one of
 * candles for those symbols, then each object's `mark` with bounded concurrency. Each object logs its
 * (account, minute) key, so a repeat applies nothing (`applied` counts only first marks).
 */
export async function markShard(env: Env, shard: MarkShardMessage, concurrency = 50): Promise<MarkShardSummary> {
  const held = await openSymbolsByAccount(env.DB, shard.accountIds);
  const symbols = [...new Set([...held.values()].flat())];
  const [market, candles] = await Promise.all([
    loadMarket(env.DB, symbols, shard.minuteMs),
    candlesBetween(env.DB, symbols, shard.minuteMs - 5 * MINUTE_MS, shard.minuteMs),
  ]);
  const { PROP_MAX_MARK_AGE_MS: maxMarkAgeMs } = readTradingConfig(env);
  let applied = 0;
  let liquidated = 0;
  let staleSkipped = 0;
  const staleSymbols: Record<string, number | null> = {};
  const failed = await forEachLimited(shard.accountIds, concurrency, async (id) => {
    const mine = held.get(id) ?? [];
    const r = await accountStub(env, id).mark(
      shard.minuteMs,
      subset(market, mine),
      candles.filter((c) => mine.includes(c.symbol)),
      maxMarkAgeMs,
    );
    if (r.applied) applied += 1;
    if (r.status === "liquidated") liquidated += 1;
    if (r.staleMarks.length > 0) staleSkipped += 1;
    for (const s of r.staleMarks) staleSymbols[s.symbol] = s.ageMs;
  });
  if (staleSkipped > 0)
    console.warn(
      JSON.stringify({ msg: "prop marks skipped on stale marks", minuteMs: shard.minuteMs, maxMarkAgeMs, staleSkipped, staleSymbols }),
    );
  return { accounts: shard.accountIds.length, applied, liquidated, failed, staleSkipped, staleSymbols };
}

/**
 * The `prop-marks` consumer: each message marks its shard; a shard with a failed account is retried
 * whole (the accounts already marked answer `applied: false`), a malformed message is dropped.
 */
export async function consumeMarkShards(batch: MessageBatch<unknown>, env: Env, _deps?: AppDeps): Promise<void> {
  for (const message of batch.messages) {
    const parsed = MarkShardMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      console.error(JSON.stringify({ msg: "prop-marks: bad shard dropped", id: message.id }));
      message.ack();
      continue;
    }
    const summary = await markShard(env, parsed.data).catch(() => undefined);
    console.log(JSON.stringify({ msg: "prop-marks shard", minuteMs: parsed.data.minuteMs, ...summary }));
    if (!summary || summary.failed > 0) message.retry({ delaySeconds: 5 });
    else message.ack();
  }
}

export const markToMarketJob = defineJob({
  name: "trading.mark-to-market",
  description: "Marks every running prop account to the mark price (triggers on closed minutes, snapshot, liquidation).",
  params: z.object({
    concurrency: z.coerce.number().int().min(1).max(500).default(50),
    shard: z.coerce.number().int().min(0).default(0),
    shards: z.coerce.number().int().min(1).max(1000).default(1),
    /** Accounts marked inline at most; above it the round fans out on the `prop-marks` queue. */
    shardSize: z.coerce.number().int().min(1).max(1000).default(200),
  }),
  async run({ env, scheduledAtMs, params }) {
    const minute = floorTo(scheduledAtMs, MINUTE_MS);
    const accounts = (await listActiveAccounts({ env })).filter((a) => hashShard(a.id, params.shards) === params.shard);
    const ids = accounts.map((a) => a.id);
    if (env.MARK_QUEUE && ids.length > params.shardSize) {
      const messages: Array<{ body: MarkShardMessage; contentType: "json" }> = [];
      for (let i = 0; i < ids.length; i += params.shardSize) {
        messages.push({ body: { minuteMs: minute, accountIds: ids.slice(i, i + params.shardSize) }, contentType: "json" });
      }
      for (let i = 0; i < messages.length; i += 100) await env.MARK_QUEUE.sendBatch(messages.slice(i, i + 100));
      return { itemsProcessed: 0, summary: { accounts: ids.length, fannedOut: messages.length } };
    }
    const r = ids.length > 0 ? await markShard(env, { minuteMs: minute, accountIds: ids }, params.concurrency) : undefined;
    return {
      itemsProcessed: (r?.accounts ?? 0) - (r?.failed ?? 0),
      summary: {
        accounts: ids.length,
        failed: r?.failed ?? 0,
        liquidated: r?.liquidated ?? 0,
        applied: r?.applied ?? 0,
        maxMarkAgeMs: readTradingConfig(env).PROP_MAX_MARK_AGE_MS,
        staleSkipped: r?.staleSkipped ?? 0,
        staleSymbols: r?.staleSymbols ?? {},
      },
    };
  },
});

export const fundingJob = defineJob({
  name: "trading.funding",
  description: "Settles the hour's funding on every open perp position of running prop accounts (once per account and hour).",
  params: z.object({ concurrency: z.coerce.number().int().min(1).max(500).default(50) }),
  async run({ env, scheduledAtMs, params }) {
    const hourMs = floorTo(scheduledAtMs, HOUR_MS);
    const accounts = await listActiveAccounts({ env });
    const held = await heldByAccount(
      env.DB,
      accounts.map((a) => a.id),
    );
    // This hour and the previous one: an hour left undone by a missing rate row is retried once more
    // (the object skips hours it logged; the engine pays each (coin, hour) once). Rates go unfiltered:
    // funding is owed on the position held at the boundary, which may since have closed.
    const hours = [hourMs - HOUR_MS, hourMs];
    const ratesByHour = await Promise.all(hours.map((h) => fundingRatesFor(env.DB, h)));
    const rates = ratesByHour[1] ?? [];
    let payments = 0;
    const failed = await forEachLimited([...held.keys()], params.concurrency, async (accountId) => {
      for (const [i, h] of hours.entries()) {
        const r = await accountStub(env, accountId).settleFunding(h, ratesByHour[i] ?? [], scheduledAtMs);
        payments += r.payments;
      }
    });
    return { itemsProcessed: held.size - failed, summary: { accounts: held.size, rates: rates.length, payments, failed } };
  },
});

export const finalizeDueJob = defineJob({
  name: "trading.finalize-due",
  description: "Finalizes prop accounts whose window has ended, and liquidated ones (positions close at mark; hashed result).",
  params: z.object({ concurrency: z.coerce.number().int().min(1).max(100).default(20) }),
  async run({ env, scheduledAtMs, params }) {
    const due = await listDueAccounts(env.DB, scheduledAtMs);
    const waiting: string[] = [];
    const failed = await forEachLimited(due, params.concurrency, async (a) => {
      if (!(await finalizeAccount({ env }, a.id, scheduledAtMs))) waiting.push(a.id);
    });
    if (waiting.length > 0)
      console.warn(JSON.stringify({ msg: "prop finalization waits for a fresh mark at the window end", waiting: waiting.slice(0, 20) }));
    return { itemsProcessed: due.length - failed - waiting.length, summary: { due: due.length, failed, waiting: waiting.length } };
  },
});

export const tradingJobs = [markToMarketJob, fundingJob, finalizeDueJob, liveReconcileJob, liveRewrapAgentKeysJob];
