/** Every D1 table, gathered for the schema drift test and doc/storage-schema.md. */
import { hyperliquidAssets, hyperliquidCandles1h, hyperliquidCandles1m } from "../domains/market-data";
import { jobRuns } from "../domains/ops";

export const ALL_TABLES = [jobRuns, hyperliquidAssets, hyperliquidCandles1m, hyperliquidCandles1h];
