-- market-data: which coins each HyperliquidFeed object (one WebSocket each) is configured to carry.
CREATE TABLE hyperliquid_feed_shards (
  shard_id TEXT PRIMARY KEY NOT NULL,
  coins_json TEXT NOT NULL,
  configured_at_ms INTEGER NOT NULL
);
