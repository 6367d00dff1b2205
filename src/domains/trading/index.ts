/**
 * The trading domain's import surface. Contracts shared with the decision runtime and the context
 * packet (`DecisionAction`, gate codes, intake outcomes, the account summary); the service-level
 * surface over the PropAccount objects (open, submit, summary, result, listings); the pure paper
 * engine's step API (`createPaperEngine`, `openAccount`, `applyEvent`, `markMinute`, `settleHour`,
 * `adminEvent`) that the object, the replay CLI, the fuzzer and the decision runtime's dry-run all run;
 * the PropAccount object's host and storage schema (for its shell in durable-objects/prop-account/);
 * and the replay and invariant checks behind `npm run prop:replay` and `npm run fuzz:ledger`.
 */

export {
  ACCOUNT_TRANSITIONS,
  type AccountState,
  accountTransition,
  MAX_BALANCE_MICRO_USD,
  type OpenAccountInput,
  type Rules,
  type RulesInput,
  RulesSchema,
} from "./account.model";
export { type AccountResult, AccountResultSchema, type Pins, verifyResult } from "./account-result.model";
export {
  type AccountSummary,
  AccountSummarySchema,
  emptyAccountSummary,
  type FillView,
  FillViewSchema,
  type PositionView,
  type PropAccountKind,
  type PropAccountStatus,
  type TriggerOrderView,
} from "./account-summary.model";
export type {
  AdminCommand,
  AdminOutcome,
  FundingRate,
} from "./admin-command.model";
export {
  ACTION_KINDS,
  type ActionKind,
  type DecisionAction,
  type DecisionActionInput,
  DecisionActionSchema,
  GATE_CODES,
  type GateCode,
  type IntakeOutcome,
  IntakeOutcomeSchema,
} from "./decision-action.model";
export {
  type Applied,
  adminEvent,
  applyEvent,
  createPaperEngine,
  type EngineEvent,
  markMinute,
  openAccount,
  type PaperEngine,
  type StaleMark,
  settleHour,
} from "./engine.model";
export type { Effect, Fill } from "./execution.model";
export { checkStep } from "./invariants.model";
export { type AssetSpec, EMPTY_MARKET, type Market, MarketSchema, type Quote, referenceOf } from "./market.model";
export { candlesBetween, fundingRatesFor, loadMarket } from "./market.service";
export { type ProjectionLag, projectionLag } from "./projection.health";
export { PropAccountHost } from "./prop-account/prop-account.host";
export {
  type AuditRow as PropAccountAuditRow,
  type PageQuery as PropAccountPageQuery,
  PROP_ACCOUNT_MIGRATIONS,
} from "./prop-account/prop-account.storage";
export {
  accountStub,
  findAccount,
  getAccountResult,
  getAccountSummary,
  listActiveAccounts,
  listCloneAccounts,
  type OpenPropAccountInput,
  openPropAccount,
  openSymbolsByAccount,
  type PhaseTimer,
  submitAction,
  type TradingDeps,
} from "./prop-accounts.service";
export { adminCommand, finalizeAccount } from "./prop-admin.service";
export { runReplay } from "./replay.model";
export type { CandleInput } from "./risk.model";
export { toAccountSummary } from "./summary.model";
export { readTradingConfig, type TradingConfig, TradingConfigSchema } from "./trading.config";
export { consumeMarkShards, type MarkShardMessage, MarkShardMessageSchema, markShard, tradingJobs } from "./trading.jobs";
export { type PropAccountRow, propAccounts, propPositions, propResults } from "./trading.tables";

import { createRouter } from "../../http/router";
import { liveRoutes } from "./live/live.routes";
import type { ProvenWallet } from "./live/live.service";
import { propAccountRoutes } from "./trading.routes";
import { propAdminRoutes } from "./trading-admin.routes";

/** Client and admin prop-account routes, mounted under /api/v1; the live link reads lifecycle's wallets through `ports`. */
export const tradingRoutes = (ports: { provenWallet: ProvenWallet }) =>
  createRouter().route("/", propAccountRoutes).route("/", propAdminRoutes).route("/", liveRoutes(ports.provenWallet));

// Live adapter, Hyperliquid exchange client (src/domains/trading/live/hyperliquid/, doc/domains/trading-live.md).
export {
  cloidFor,
  type ExchangeAction,
  marketLikeOrder,
  orderAction,
  scheduleCancelAction,
  triggerOrder,
} from "./live/hyperliquid/actions.model";
export {
  generateAgentKey,
  keyRingFromSettings,
  openAgentKey,
  rewrapAgentKey,
  type SealedAgentKey,
} from "./live/hyperliquid/agent-key.service";
export { type ExchangeClientDeps, isApprovedAgent, postAction, postInfo, submitOrders } from "./live/hyperliquid/exchange-client.service";
export { checkNonce, type NonceIssue, type NonceState, nextNonce } from "./live/hyperliquid/nonce.model";
export { classifyOrderError, type OrderOutcome, orderOutcome, parseExchangeResponse } from "./live/hyperliquid/responses.model";
export {
  actionHash,
  recoverL1Signer,
  sdkHex,
  signL1Action,
  type WireAction,
  type WireSignature,
} from "./live/hyperliquid/signing.model";
export { parseExact, priceToWire, sizeToWire } from "./live/hyperliquid/wire.model";
export { parseUserFrame, type UserFrame, userSubscribeMessages } from "./live/hyperliquid/ws-user.model";
export { isMainnetUrl, type LiveConfig, LiveConfigSchema, readLiveConfig, refineLiveConfig } from "./live/live.config";
export { type LiveCaps, LiveCapsSchema } from "./live/live.model";
export {
  liveAccountCaps,
  liveAccounts,
  liveAgentKeys,
  liveCloneOptIns,
  liveControls,
  liveExchangeAccounts,
  liveFills,
  liveFunding,
  liveOrders,
  liveReconciliations,
} from "./live/live.tables";
export { intakeOutcomeOfLive, submitDecisionAction } from "./live/live-dispatch.service";
export { type LiveOutcome, submitLiveAction } from "./live/live-orders.service";
export { reconcileAll, reconcileLiveAccount } from "./live/live-reconcile.service";
export {
  applyUserFrame,
  ensureUserStreams,
  isStreamable,
  type UserStreamConfig,
  UserStreamConfigSchema,
} from "./live/live-stream.service";
export { UserStreamEngine, type UserStreamStatus } from "./live/user-stream.engine";
