/**
 * The one vocabulary of sources and channels, used by the asset registry's capability flags, the
 * pipeline blocks, the latest-data endpoint and ingestion health.
 */
import { z } from "@hono/zod-openapi";

export const HYPERLIQUID_CHANNELS = ["ohlcv_1m", "ohlcv_1h", "funding", "rsi", "bollinger", "sma", "ema", "macd"] as const;
export const POLYMARKET_CHANNELS = ["markets", "events", "prices"] as const;
export const DEFILLAMA_CHANNELS = ["tvl", "stablecoins", "dex_volume", "fees", "revenue", "open_interest"] as const;

export const SOURCE_CHANNELS = {
  hyperliquid: HYPERLIQUID_CHANNELS,
  polymarket: POLYMARKET_CHANNELS,
  defillama: DEFILLAMA_CHANNELS,
} as const;

export const SourceSchema = z.enum(["hyperliquid", "polymarket", "defillama"]);
export type Source = z.infer<typeof SourceSchema>;

export const HyperliquidChannelSchema = z.enum(HYPERLIQUID_CHANNELS);
export type HyperliquidChannel = z.infer<typeof HyperliquidChannelSchema>;
export const PolymarketChannelSchema = z.enum(POLYMARKET_CHANNELS);
export type PolymarketChannel = z.infer<typeof PolymarketChannelSchema>;
export const DefillamaChannelSchema = z.enum(DEFILLAMA_CHANNELS);
export type DefillamaChannel = z.infer<typeof DefillamaChannelSchema>;

export type Channel = HyperliquidChannel | PolymarketChannel | DefillamaChannel;

/** True when `channel` belongs to `source`. */
export function isChannelOf(source: Source, channel: string): channel is Channel {
  return (SOURCE_CHANNELS[source] as readonly string[]).includes(channel);
}

/** Channels derived locally from closed candles (not fetched). */
export const INDICATOR_CHANNELS = ["rsi", "bollinger", "sma", "ema", "macd"] as const satisfies readonly HyperliquidChannel[];
