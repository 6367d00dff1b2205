/**
 * Settings of the market-data domain's upstreams (base URLs, feed sharding). Composed into the one
 * Worker configuration by src/config.ts; the ingestion HTTP policy and watch lists live beside the
 * ingestion model (`IngestionSettingsSchema`).
 */
import { z } from "zod";

export const MarketDataConfigSchema = z.object({
  HYPERLIQUID_INFO_URL: z.url(),
  HYPERLIQUID_WS_URL: z.url(),
  /** Coins per HyperliquidFeed object (one WebSocket each); well inside 1000 subscriptions a connection. */
  HYPERLIQUID_FEED_SHARD_SIZE: z.coerce.number().int().min(1).max(1000).default(150),
  /** Upper bound on feed objects (the exchange allows 10 connections per IP). */
  HYPERLIQUID_FEED_MAX_SHARDS: z.coerce.number().int().min(1).max(10).default(6),
  POLYMARKET_GAMMA_URL: z.url(),
  POLYMARKET_CLOB_URL: z.url(),
  DEFILLAMA_API_URL: z.url(),
  DEFILLAMA_STABLECOINS_URL: z.url(),
});
