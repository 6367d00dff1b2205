/**
 * A cold start of ~430 coins against the weight-enforcing replay exchange, shared by the cold-start
 * test and the `npm run bench -- cold-start` figures: configures the budget with the exchange's
 * (scaled) window, configures ceil(430 / 150) feed shards at once, runs the registry and contexts
 * polls through the same budget meanwhile, and waits until every coin's gap is backfilled.
 */
import { env } from "cloudflare:test";
import { openDb } from "../../src/db/client";
import { pollAssetContexts } from "../../src/domains/market-data/hyperliquid/asset-contexts.service";
import { BUDGET_OBJECT_NAME, budgetGate } from "../../src/domains/market-data/hyperliquid/budget/budget.gate";
import type { FeedStatus } from "../../src/domains/market-data/hyperliquid/feed.model";
import { refreshRegistry } from "../../src/domains/market-data/hyperliquid/registry.service";
import meta from "../fixtures/hyperliquid/metaAndAssetCtxs.json";

export const COLD_START_COINS = 430;
const SHARD_SIZE = 150;

/** 430 coin names: every recorded perp name, then spot-style `@n` pairs (the replay serves any coin). */
export function coldStartCoins(): string[] {
  const perps = (meta as unknown as [{ universe: Array<{ name: string }> }])[0].universe.map((u) => u.name);
  const out = [...new Set(perps)];
  for (let i = 1; out.length < COLD_START_COINS; i++) out.push(`@${i}`);
  return out.slice(0, COLD_START_COINS);
}

export interface ColdStartResult {
  msToLastBackfilledCoin: number;
  pollMs: number[];
  statuses: FeedStatus[];
  budget: Awaited<ReturnType<ReturnType<typeof budgetStub>["status"]>>;
  exchange: { weight: { limit: number; windowMs: number; peakInWindow: number; total: number; rejected429: number } };
  startedAtMs: number;
}

export const budgetStub = () => env.HYPERLIQUID_BUDGET.get(env.HYPERLIQUID_BUDGET.idFromName(BUDGET_OBJECT_NAME));
export const shardStub = (i: number) => env.HYPERLIQUID_FEED.get(env.HYPERLIQUID_FEED.idFromName(`cold-${i}`));

export async function runColdStart(exchange: {
  baseUrl: string;
  infoUrl: string;
  wsUrl: string;
  weightWindowMs: number;
}): Promise<ColdStartResult> {
  await budgetStub().configure({ windowMs: exchange.weightWindowMs });
  const coins = coldStartCoins();
  const shards: string[][] = [];
  for (let i = 0; i < coins.length; i += SHARD_SIZE) shards.push(coins.slice(i, i + SHARD_SIZE));
  const startedAtMs = Date.now();
  await Promise.all(
    shards.map((shardCoins, i) =>
      shardStub(i).configure({
        shardId: `cold-${i}`,
        coins: shardCoins,
        wsUrl: exchange.wsUrl,
        infoUrl: exchange.infoUrl,
        settings: {
          initialBackfillMinutes: 120,
          backfillConcurrency: 4,
          watchdogIntervalMs: 500,
          flushIntervalMs: 500,
          backfillRetryMs: 1_000,
        },
      }),
    ),
  );
  // The polls arrive while every shard is backfilling: they must be served ahead of the backfills.
  const db = openDb(env.DB);
  const gate = budgetGate(env.HYPERLIQUID_BUDGET);
  const pollMs: number[] = [];
  for (let round = 0; round < 3; round++) {
    await new Promise((r) => setTimeout(r, 1_500));
    const t0 = Date.now();
    await refreshRegistry(db, exchange.infoUrl, Date.now(), gate);
    await pollAssetContexts(db, exchange.infoUrl, Date.now(), Date.now(), gate);
    pollMs.push(Date.now() - t0);
  }
  let statuses: FeedStatus[] = [];
  let msToLastBackfilledCoin = 0;
  const deadline = Date.now() + Number(globalThis.process?.env?.COLD_DEADLINE ?? 90_000);
  for (;;) {
    statuses = await Promise.all(shards.map((_, i) => shardStub(i).status()));
    const done = statuses.reduce((n, s) => n + s.gapsBackfilled, 0);
    if (done >= coins.length) {
      msToLastBackfilledCoin = Date.now() - startedAtMs;
      break;
    }
    if (Date.now() > deadline) {
      const budget = await budgetStub().status();
      const state = await (await fetch(`${exchange.baseUrl}/control/state`)).json();
      throw new Error(
        `cold start incomplete: ${done}/${coins.length} ${JSON.stringify(statuses)} ${JSON.stringify(budget)} ${JSON.stringify(state)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  statuses = await Promise.all(shards.map((_, i) => shardStub(i).flush()));
  const exchangeState = (await (await fetch(`${exchange.baseUrl}/control/state`)).json()) as ColdStartResult["exchange"];
  return { msToLastBackfilledCoin, pollMs, statuses, budget: await budgetStub().status(), exchange: exchangeState, startedAtMs };
}

export async function stopColdStart(exchange: { wsUrl: string; infoUrl: string }): Promise<void> {
  for (let i = 0; i < Math.ceil(COLD_START_COINS / SHARD_SIZE); i++) {
    await shardStub(i).configure({ shardId: `cold-${i}`, coins: [], wsUrl: exchange.wsUrl, infoUrl: exchange.infoUrl });
  }
}
