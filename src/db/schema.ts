/** Every D1 table, gathered for the schema drift test and doc/storage-schema.md. */
import { hyperliquidAssets } from "../domains/market-data";
import { jobRuns } from "../domains/ops";

export const ALL_TABLES = [jobRuns, hyperliquidAssets];
