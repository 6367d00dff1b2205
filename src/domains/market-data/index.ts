/** The market-data domain's import surface for other domains. */
export * from "./channels";
export { type AssetContext, latestAssetContexts, latestCandles1m } from "./hyperliquid/asset-contexts.service";
export { type AssetCtxRow, hyperliquidAssetCtxs } from "./hyperliquid/asset-contexts.tables";
export { type Asset, supportsChannel, toAsset } from "./hyperliquid/assets.model";
export { getAssets, listAssets } from "./hyperliquid/assets.service";
export { type HyperliquidAssetRow, hyperliquidAssets } from "./hyperliquid/assets.tables";
export {
  type Candle1hRow,
  type Candle1mRow,
  hyperliquidCandles1h,
  hyperliquidCandles1m,
} from "./hyperliquid/candles.tables";
export { exchangeJobs } from "./hyperliquid/exchange.jobs";
export { type FeedShardRow, hyperliquidFeedShards } from "./hyperliquid/feed-shards.tables";
export { marketRoutes } from "./hyperliquid/market.routes";
export { ASSET_TAXONOMY, CATEGORIES, type CategoryId, TAXONOMY_VERSION } from "./hyperliquid/taxonomy.data";
