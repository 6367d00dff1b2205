/**
 * Settings of the market-data domain: its upstreams (base URLs, feed sharding) and the ingestion HTTP
 * policy and watch lists (`IngestionSettingsSchema`, beside the ingestion model). One memoized reader,
 * `readMarketDataConfig`, used by the domain's jobs and routes; the composition root src/config.ts adds
 * the schema to the start-up check. This file imports nothing outside the domain (no back-arrow).
 */
import { z } from "zod";
import { withoutBlankSettings } from "../../core/config-values";
import { IngestionSettingsSchema } from "./ingestion/ingestion.model";

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
  ...IngestionSettingsSchema.shape,
});
export type MarketDataConfig = z.infer<typeof MarketDataConfigSchema>;

const parsed = new WeakMap<object, MarketDataConfig>();

/** The market-data settings of `env`; parsed on first use, then served from the per-isolate memo. */
export function readMarketDataConfig(env: Env): MarketDataConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = MarketDataConfigSchema.safeParse(withoutBlankSettings(env));
  if (!result.success) throw new Error(`invalid market-data settings: ${z.prettifyError(result.error)}`);
  parsed.set(env, result.data);
  return result.data;
}
