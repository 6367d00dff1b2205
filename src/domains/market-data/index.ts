/** The market-data domain's import surface: only what other domains, the roots, the objects and the CLIs use. */
export { HYPERLIQUID_CHANNELS, type HyperliquidChannel, isChannelOf, SOURCE_CHANNELS, SourceSchema } from "./channels.model";
export { defillamaMetrics } from "./defillama/defillama.tables";
export { DEFAULT_MARK_MAX_AGE_MS, freshMark } from "./hyperliquid/asset-contexts.model";
export { latestAssetContexts, latestCandles1m, latestMarks } from "./hyperliquid/asset-contexts.service";
export { hyperliquidAssetCtxs } from "./hyperliquid/asset-contexts.tables";
export { searchAssets } from "./hyperliquid/asset-search.service";
export { type Asset, supportsChannel, toAsset } from "./hyperliquid/assets.model";
export { listAssets } from "./hyperliquid/assets.service";
export { type HyperliquidAssetRow, hyperliquidAssets } from "./hyperliquid/assets.tables";
export { BUDGET_OBJECT_NAME, budgetGate, budgetStatus } from "./hyperliquid/budget/budget.gate";
export {
  candleSnapshotWeight,
  estimateSnapshotWeight,
  INFO_REQUEST_WEIGHT,
  nextWaiter,
  PeakMeter,
  type ReserveRequest,
  ReserveRequestSchema,
  TokenBucket,
  type Waiter,
  type WeightBudgetSettings,
  WeightBudgetSettingsSchema,
} from "./hyperliquid/budget/weight-budget.model";
export { hyperliquidCandles1h, hyperliquidCandles1m } from "./hyperliquid/candles.tables";
export { upsertCandles1m } from "./hyperliquid/candles-ingest.service";
export { exchangeJobs } from "./hyperliquid/exchange.jobs";
export { FeedEngine, type FeedSocket } from "./hyperliquid/feed/feed-engine";
export { type FeedConfig, type FeedConfigInput, FeedConfigSchema, type FeedStatus } from "./hyperliquid/feed.model";
export { hyperliquidFeedShards } from "./hyperliquid/feed-shards.tables";
export { postInfo, type WeightGate } from "./hyperliquid/info.client";
export { CandleSnapshotSchema, type WireCandle } from "./hyperliquid/info-wire.model";
export { marginTiersFor } from "./hyperliquid/margin-tables.service";
export { hyperliquidMarginTables } from "./hyperliquid/margin-tables.tables";
export { marketRoutes } from "./hyperliquid/market.routes";
export { ASSET_TAXONOMY, CATEGORIES } from "./hyperliquid/taxonomy.data";
export { type IndicatorValues, newIndicatorState, stepIndicators } from "./indicators/indicator-engine.model";
export { indicatorJobs } from "./indicators/indicators.jobs";
export { readLatestIndicators } from "./indicators/indicators.service";
export { hyperliquidCandleArchives, hyperliquidIndicatorState, hyperliquidIndicators } from "./indicators/indicators.tables";
export { readCandleArchive } from "./indicators/retention.service";
export { DASHBOARD_PAGES, ingestionDashboard } from "./ingestion/dashboard.routes";
export { ingestionHealthRoutes } from "./ingestion/health.routes";
export { ingestionHealth } from "./ingestion/health.service";
export { ingestionRuns } from "./ingestion/ingestion.tables";
export { latestRoutes } from "./latest/latest.routes";
export { type Target, TargetSchema } from "./polymarket/polymarket.model";
export { contextFor } from "./polymarket/polymarket.service";
export {
  polymarketDiscoveryRuns,
  polymarketEvents,
  polymarketEventsStaging,
  polymarketMarkets,
  polymarketMarketsStaging,
  polymarketPrices,
} from "./polymarket/polymarket.tables";
export { type Cell, GRANULARITY_MS, resampleBars, type Series, SeriesSchema, sampleAtClose, seriesStats } from "./series/series.model";
export { createSeriesCache, type SeriesCache } from "./series/series.readers";

import { defillamaJobs } from "./defillama/defillama.jobs";
import { ingestionJobs } from "./ingestion/ingestion.jobs";
import { polymarketJobs } from "./polymarket/polymarket.jobs";

/** Every market-data ingestion job owned by this workstream (Polymarket, DefiLlama, run-record housekeeping). */
export const marketDataIngestionJobs = [...polymarketJobs, ...defillamaJobs, ...ingestionJobs];
/** Used by the CLIs (offline indicator runs, the replay exchange's weight accounting). */
export { parseCandleLines } from "./indicators/candle-lines.model";
export { INDICATOR_FIELDS } from "./indicators/indicator-engine.model";
export { rollupHours } from "./indicators/rollup.model";
export { MarketDataConfigSchema, readMarketDataConfig } from "./market-data.config";
