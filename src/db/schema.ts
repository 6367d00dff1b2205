/** Every D1 table, gathered for the schema drift test and doc/storage-schema.md. */

import { decisionActions, decisionRuns } from "../domains/decision";
import {
  defillamaMetrics,
  hyperliquidAssetCtxs,
  hyperliquidAssets,
  hyperliquidCandleArchives,
  hyperliquidCandles1h,
  hyperliquidCandles1m,
  hyperliquidFeedShards,
  hyperliquidIndicatorState,
  hyperliquidIndicators,
  ingestionRuns,
  polymarketEvents,
  polymarketEventsStaging,
  polymarketMarkets,
  polymarketMarketsStaging,
  polymarketPrices,
} from "../domains/market-data";
import { jobRuns } from "../domains/ops";
import { cloneEntitlements, clonePipelines, clones } from "../domains/strategy";

export const ALL_TABLES = [
  jobRuns,
  hyperliquidAssets,
  hyperliquidCandles1m,
  hyperliquidCandles1h,
  hyperliquidAssetCtxs,
  hyperliquidFeedShards,
  ingestionRuns,
  polymarketEvents,
  polymarketMarkets,
  polymarketPrices,
  polymarketEventsStaging,
  polymarketMarketsStaging,
  defillamaMetrics,
  hyperliquidIndicators,
  hyperliquidIndicatorState,
  hyperliquidCandleArchives,
  clones,
  cloneEntitlements,
  clonePipelines,
  decisionRuns,
  decisionActions,
];
