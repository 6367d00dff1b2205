/**
 * Every D1 table, gathered for the schema drift test (test/integration/schema-drift.test.ts) only; a
 * new table is added here and to doc/storage-schema.md.
 */

import { jobRuns } from "../../src/cron/job-runs.tables";
import { artifactLinks } from "../../src/domains/artifacts";
import { backtests } from "../../src/domains/backtest";
import { decisionActions, decisionRuns, decisionScans } from "../../src/domains/decision";
import {
  arenaSlots,
  auditions,
  creditEntries,
  lifecycleEvents,
  payments,
  profileNames,
  profileVersions,
  promotionQueue,
  retiredClones,
  walletNonces,
  wallets,
} from "../../src/domains/lifecycle";
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
  hyperliquidMarginTables,
  ingestionRuns,
  polymarketDiscoveryRuns,
  polymarketEvents,
  polymarketEventsStaging,
  polymarketMarkets,
  polymarketMarketsStaging,
  polymarketPrices,
} from "../../src/domains/market-data";
import {
  opsAlertDeliveries,
  opsAlertNotifications,
  opsAlertSilences,
  opsAlerts,
  opsAudit,
  opsBackups,
  opsBackupVerifications,
  opsSignalMemory,
} from "../../src/domains/ops";
import { cloneEntitlements, clonePipelines, clones, pipelineVersions } from "../../src/domains/strategy";
import { propAccounts, propPositions, propResults } from "../../src/domains/trading";
import { adminSessions } from "../../src/http/admin-session.tables";

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
  polymarketDiscoveryRuns,
  defillamaMetrics,
  hyperliquidIndicators,
  hyperliquidIndicatorState,
  hyperliquidCandleArchives,
  hyperliquidMarginTables,
  clones,
  cloneEntitlements,
  clonePipelines,
  pipelineVersions,
  propAccounts,
  propPositions,
  propResults,
  opsAlerts,
  opsAlertSilences,
  opsAudit,
  opsAlertNotifications,
  opsAlertDeliveries,
  opsSignalMemory,
  opsBackups,
  opsBackupVerifications,
  artifactLinks,
  backtests,
  adminSessions,
  walletNonces,
  wallets,
  payments,
  creditEntries,
  lifecycleEvents,
  auditions,
  profileVersions,
  profileNames,
  promotionQueue,
  arenaSlots,
  retiredClones,
  decisionRuns,
  decisionScans,
  decisionActions,
];
