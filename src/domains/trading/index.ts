/**
 * The trading domain's import surface. Contracts shared with the decision runtime and the context
 * packet (`DecisionAction`, gate codes, intake outcomes, the account summary); the service-level
 * surface over the PropAccount objects (open, submit, summary, result, listings); and the pure paper
 * engine (`createPaperEngine`, `openAccount`, `applyEvent`) that the object, the replay CLI, the fuzzer
 * and the decision runtime's dry-run all run.
 */

export {
  ACCOUNT_TRANSITIONS,
  type AccountState,
  type OpenAccountInput,
  type Pins,
  type Rules,
  type RulesInput,
  RulesSchema,
  transition,
} from "./account.model";
export {
  type AccountSummary,
  AccountSummarySchema,
  emptyAccountSummary,
  type FillView,
  type PositionView,
  type PropAccountKind,
  type PropAccountStatus,
  type TriggerOrderView,
} from "./account-summary.model";
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
export { type Applied, applyEvent, createPaperEngine, type EngineEvent, openAccount, type PaperEngine } from "./engine.model";
export type { Effect, Fill } from "./execution.model";
export { type AssetSpec, EMPTY_MARKET, type Market, MarketSchema, type Quote } from "./market.model";
export { loadMarket } from "./market.service";
export { type ProjectionLag, projectionLag } from "./projection-health";
export {
  accountStub,
  findAccount,
  getAccountResult,
  getAccountSummary,
  listActiveAccounts,
  listCloneAccounts,
  type OpenPropAccountInput,
  openPropAccount,
  submitAction,
  type TradingDeps,
} from "./prop-accounts.service";
export { adminCommand, finalizeAccount } from "./prop-admin.service";
export { type AccountResult, AccountResultSchema, verifyResult } from "./result.model";
export { toAccountSummary } from "./summary.model";
export { tradingJobs } from "./trading.jobs";
export { type PropAccountRow, propAccounts, propPositions, propResults } from "./trading.tables";

import { createRouter } from "../../http/router";
import { propAccountRoutes } from "./trading.routes";
import { propAdminRoutes } from "./trading-admin.routes";

/** Client and admin prop-account routes, mounted under /api/v1. */
export const tradingRoutes = createRouter().route("/", propAccountRoutes).route("/", propAdminRoutes);
