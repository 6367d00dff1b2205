/**
 * Which coins each HyperliquidFeed object carries, as last configured by `market-data.ensure-feeds`.
 * The feeds status route walks this table to ask every shard for its status.
 */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const hyperliquidFeedShards = sqliteTable("hyperliquid_feed_shards", {
  /** Also the Durable Object name: `shard-0`, `shard-1`, ... */
  shardId: text("shard_id").primaryKey(),
  /** JSON array of coins. */
  coinsJson: text("coins_json").notNull(),
  configuredAtMs: integer("configured_at_ms").notNull(),
});

export type FeedShardRow = typeof hyperliquidFeedShards.$inferSelect;
