/**
 * Feed orchestration: `ensureFeeds` (job `market-data.ensure-feeds`) assigns the active registry to
 * shards, stably from the stored assignment (a coin keeps its shard; a moved coin carries its newest
 * stored minute), and configures each shard's HyperliquidFeed object; shards no longer needed are stopped
 * (configured with no coins). `feedsStatus` asks every configured shard for its counters.
 * Configuring is idempotent, so the job can run as often as wanted.
 */
import { asc, eq, max, notInArray } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { inJsonList } from "../../../db/json-upsert";
import { listAssets } from "./assets.service";
import { hyperliquidCandles1m } from "./candles.tables";
import { assignShards, type FeedSettings, type FeedStatus, shardId, shardIndex } from "./feed.model";
import { hyperliquidFeedShards } from "./feed-shards.tables";

export interface EnsureFeedsInput {
  wsUrl: string;
  infoUrl: string;
  shardSize: number;
  maxShards: number;
  settings?: Partial<FeedSettings>;
}

const feedStub = (ns: Env["HYPERLIQUID_FEED"], id: string) => ns.get(ns.idFromName(id));

/** Configures one feed object per shard of active assets (stable assignment); returns the shard sizes. */
export async function ensureFeeds(db: Db, ns: Env["HYPERLIQUID_FEED"], input: EnsureFeedsInput, nowMs: number): Promise<number[]> {
  const stored = await db.select().from(hyperliquidFeedShards);
  const previous: string[][] = [];
  for (const row of stored) {
    const i = shardIndex(row.shardId);
    if (i !== undefined) previous[i] = JSON.parse(row.coinsJson) as string[];
  }
  const { shards, moved } = assignShards(previous, await listAssets(db), input.shardSize);
  if (shards.length > input.maxShards) {
    throw new Error(
      `${shards.length} feed shards needed but at most ${input.maxShards} allowed: raise HYPERLIQUID_FEED_SHARD_SIZE or the limit`,
    );
  }
  const floors = await newestStoredMinutes(db, moved);
  const ids = shards.map((_, i) => shardId(i));
  for (const [i, coins] of shards.entries()) {
    const id = shardId(i);
    const carried = Object.fromEntries(coins.filter((c) => floors.has(c)).map((c) => [c, floors.get(c) ?? 0]));
    await feedStub(ns, id).configure({
      shardId: id,
      coins,
      wsUrl: input.wsUrl,
      infoUrl: input.infoUrl,
      settings: input.settings ?? {},
      ...(Object.keys(carried).length > 0 ? { floors: carried } : {}),
    });
    await db
      .insert(hyperliquidFeedShards)
      .values({ shardId: id, coinsJson: JSON.stringify(coins), configuredAtMs: nowMs })
      .onConflictDoUpdate({ target: hyperliquidFeedShards.shardId, set: { coinsJson: JSON.stringify(coins), configuredAtMs: nowMs } });
  }
  const stale = await db
    .select({ shardId: hyperliquidFeedShards.shardId })
    .from(hyperliquidFeedShards)
    .where(ids.length > 0 ? notInArray(hyperliquidFeedShards.shardId, ids) : undefined);
  for (const { shardId: id } of stale) {
    await feedStub(ns, id).configure({ shardId: id, coins: [], wsUrl: input.wsUrl, infoUrl: input.infoUrl });
    await db.delete(hyperliquidFeedShards).where(eq(hyperliquidFeedShards.shardId, id));
  }
  return shards.map((s) => s.length);
}

/** Newest stored 1m open time per coin (the floor a moved coin carries to its new shard). */
async function newestStoredMinutes(db: Db, coins: readonly string[]): Promise<Map<string, number>> {
  if (coins.length === 0) return new Map();
  const m = hyperliquidCandles1m;
  const rows = await db
    .select({ symbol: m.symbol, newest: max(m.openTimeMs) })
    .from(m)
    .where(inJsonList(m.symbol, coins))
    .groupBy(m.symbol);
  return new Map(rows.flatMap((r) => (r.newest === null ? [] : [[r.symbol, r.newest] as const])));
}

/** Status of every configured shard, in shard order. */
export async function feedsStatus(db: Db, ns: Env["HYPERLIQUID_FEED"]): Promise<FeedStatus[]> {
  const shards = await db.select().from(hyperliquidFeedShards).orderBy(asc(hyperliquidFeedShards.shardId));
  return Promise.all(shards.map((s) => feedStub(ns, s.shardId).status()));
}
