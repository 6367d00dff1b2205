/**
 * Asset registry model: the `Asset` read shape other domains use, and the capability lookup.
 * A read for an unsupported (asset, channel) pair is skipped by callers, never an error at run time.
 */
import type { HyperliquidChannel } from "../channels.model";
import type { HyperliquidAssetRow } from "./assets.tables";

export interface Asset {
  symbol: string;
  assetId: number;
  kind: "perp" | "spot";
  displayName: string;
  baseToken: string;
  quoteToken: string;
  szDecimals: number;
  maxLeverage: number | null;
  onlyIsolated: boolean;
  isDelisted: boolean;
  category: string;
  subcategories: string[];
  channels: Record<HyperliquidChannel, boolean>;
}

/** Maps a registry row to the read shape. */
export function toAsset(row: HyperliquidAssetRow): Asset {
  return {
    symbol: row.symbol,
    assetId: row.assetId,
    kind: row.kind,
    displayName: row.displayName,
    baseToken: row.baseToken,
    quoteToken: row.quoteToken,
    szDecimals: row.szDecimals,
    maxLeverage: row.maxLeverage,
    onlyIsolated: row.onlyIsolated,
    isDelisted: row.isDelisted,
    category: row.category,
    subcategories: JSON.parse(row.subcategoriesJson) as string[],
    channels: {
      ohlcv_1m: row.capOhlcv1m,
      ohlcv_1h: row.capOhlcv1h,
      funding: row.capFunding,
      rsi: row.capRsi,
      bollinger: row.capBollinger,
      sma: row.capSma,
      ema: row.capEma,
      macd: row.capMacd,
    },
  };
}

/** True when the registry says `asset` carries `channel` (e.g. spot has no funding). */
export function supportsChannel(asset: Asset, channel: HyperliquidChannel): boolean {
  return asset.channels[channel];
}
