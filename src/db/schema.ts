/** Every D1 table, gathered for the schema drift test and doc/storage-schema.md. */
import {
  hyperliquidAssetCtxs,
  hyperliquidAssets,
  hyperliquidCandles1h,
  hyperliquidCandles1m,
  hyperliquidFeedShards,
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
  clones,
  cloneEntitlements,
  clonePipelines,
];
