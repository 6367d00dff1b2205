/**
 * Feed orchestration: `ensureFeeds` (job `market-data.ensure-feeds`) cuts the active registry into
 * shards and configures each shard's HyperliquidFeed object; shards no longer needed are stopped
 * (configured with no coins). `feedsStatus` asks every configured shard for its counters.
 * Configuring is idempotent, so the job can run as often as wanted.
 */
import { asc, eq, notInArray } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { listAssets } from "./assets.service";
import { type FeedSettings, type FeedStatus, shardAssets, shardId } from "./feed.model";
import { hyperliquidFeedShards } from "./feed-shards.tables";

export interface EnsureFeedsInput {
  wsUrl: string;
  infoUrl: string;
  shardSize: number;
  maxShards: number;
  settings?: Partial<FeedSettings>;
}

const feedStub = (ns: Env["HYPERLIQUID_FEED"], id: string) => ns.get(ns.idFromName(id));

/** Configures one feed object per shard of active assets; returns the shard sizes. */
export async function ensureFeeds(db: Db, ns: Env["HYPERLIQUID_FEED"], input: EnsureFeedsInput, nowMs: number): Promise<number[]> {
  const shards = shardAssets(await listAssets(db), input.shardSize);
  if (shards.length > input.maxShards) {
    throw new Error(
      `${shards.length} feed shards needed but at most ${input.maxShards} allowed: raise HYPERLIQUID_FEED_SHARD_SIZE or the limit`,
    );
  }
  const ids = shards.map((_, i) => shardId(i));
  for (const [i, coins] of shards.entries()) {
    const id = shardId(i);
    await feedStub(ns, id).configure({ shardId: id, coins, wsUrl: input.wsUrl, infoUrl: input.infoUrl, settings: input.settings ?? {} });
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

/** Status of every configured shard, in shard order. */
export async function feedsStatus(db: Db, ns: Env["HYPERLIQUID_FEED"]): Promise<FeedStatus[]> {
  const shards = await db.select().from(hyperliquidFeedShards).orderBy(asc(hyperliquidFeedShards.shardId));
  return Promise.all(shards.map((s) => feedStub(ns, s.shardId).status()));
}
