/**
 * D1 tables of the live adapter (migration 0150). Ownership: the trading domain (live/). Invariants:
 * an agent key row holds only the sealed key (iv + AES-GCM ciphertext under the KEK named by kek_id);
 * `live_orders.cloid` is unique, so one decision action can become at most one exchange order;
 * `live_fills` is keyed by the exchange's trade id (tid), so re-reading `userFills` is idempotent;
 * `live_funding` (migration 0190) is keyed by (account, coin, settlement time), so re-reading `userFunding` is too;
 * the WebSocket stream (migration 0194) writes the same rows under the same keys, so a fill or settlement
 * both paths see is stored once (`source` names the first).
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const liveExchangeAccounts = sqliteTable(
  "live_exchange_accounts",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id").notNull(),
    /** The creator's own Hyperliquid account (lowercase), the wallet they proved in the lifecycle. */
    userAddress: text("user_address").notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
  },
  (t) => [uniqueIndex("live_exchange_accounts_owner_address_uq").on(t.ownerId, t.userAddress)],
);
export type LiveExchangeAccountRow = typeof liveExchangeAccounts.$inferSelect;

export const liveAgentKeys = sqliteTable(
  "live_agent_keys",
  {
    id: text("id").primaryKey(),
    exchangeAccountId: text("exchange_account_id").notNull(),
    ownerId: text("owner_id").notNull(),
    address: text("address").notNull(),
    kekId: text("kek_id").notNull(),
    iv: text("iv").notNull(),
    ciphertext: text("ciphertext").notNull(),
    status: text("status", { enum: ["pending", "approved", "revoked"] }).notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
    approvedAtMs: integer("approved_at_ms"),
  },
  (t) => [
    uniqueIndex("live_agent_keys_address_uq").on(t.address),
    index("live_agent_keys_account_idx").on(t.exchangeAccountId, t.createdAtMs),
  ],
);
export type LiveAgentKeyRow = typeof liveAgentKeys.$inferSelect;

export const liveCloneOptIns = sqliteTable("live_clone_opt_ins", {
  cloneId: text("clone_id").primaryKey(),
  ownerId: text("owner_id").notNull(),
  optedInAtMs: integer("opted_in_at_ms").notNull(),
  revokedAtMs: integer("revoked_at_ms"),
});

export const liveAccounts = sqliteTable(
  "live_accounts",
  {
    id: text("id").primaryKey(),
    cloneId: text("clone_id").notNull(),
    ownerId: text("owner_id").notNull(),
    exchangeAccountId: text("exchange_account_id").notNull(),
    agentKeyId: text("agent_key_id").notNull(),
    /** The paper prop account (kind `live`) that mirrors every action: the intake gates and the shadow. */
    shadowAccountId: text("shadow_account_id").notNull(),
    status: text("status", { enum: ["active", "paused", "frozen"] }).notNull(),
    freezeReason: text("freeze_reason"),
    /** Raised by reconciliation on a divergence; cleared by an operator. */
    flagged: integer("flagged", { mode: "boolean" }).notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [
    uniqueIndex("live_accounts_clone_uq").on(t.cloneId),
    index("live_accounts_status_idx").on(t.status),
    uniqueIndex("live_accounts_shadow_uq").on(t.shadowAccountId),
  ],
);
export type LiveAccountRow = typeof liveAccounts.$inferSelect;

export const liveAccountCaps = sqliteTable("live_account_caps", {
  liveAccountId: text("live_account_id").primaryKey(),
  maxOrderNotionalMicroUsd: integer("max_order_notional_micro_usd").notNull(),
  maxPositionNotionalMicroUsd: integer("max_position_notional_micro_usd").notNull(),
  maxLeverage: integer("max_leverage").notNull(),
  allowedSymbolsJson: text("allowed_symbols_json").notNull(),
  dailyLossLimitMicroUsd: integer("daily_loss_limit_micro_usd").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});
export type LiveAccountCapsRow = typeof liveAccountCaps.$inferSelect;

export const liveOrders = sqliteTable(
  "live_orders",
  {
    id: text("id").primaryKey(),
    liveAccountId: text("live_account_id").notNull(),
    actionId: text("action_id").notNull(),
    cloid: text("cloid").notNull(),
    symbol: text("symbol").notNull(),
    asset: integer("asset").notNull(),
    isBuy: integer("is_buy", { mode: "boolean" }).notNull(),
    sz: text("sz").notNull(),
    limitPx: text("limit_px").notNull(),
    referencePx: text("reference_px").notNull(),
    reduceOnly: integer("reduce_only", { mode: "boolean" }).notNull(),
    status: text("status", { enum: ["pending", "filled", "resting", "rejected", "canceled", "unknown"] }).notNull(),
    oid: integer("oid"),
    filledSz: text("filled_sz"),
    avgPx: text("avg_px"),
    error: text("error"),
    gateCode: text("gate_code"),
    nonce: integer("nonce"),
    shadowOutcomeJson: text("shadow_outcome_json"),
    /** The last status the exchange pushed on `orderUpdates` (migration 0194), and its statusTimestamp. */
    exchangeStatus: text("exchange_status"),
    exchangeStatusAtMs: integer("exchange_status_at_ms"),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [uniqueIndex("live_orders_cloid_uq").on(t.cloid), uniqueIndex("live_orders_action_uq").on(t.liveAccountId, t.actionId)],
);
export type LiveOrderRow = typeof liveOrders.$inferSelect;

export const liveFills = sqliteTable(
  "live_fills",
  {
    liveAccountId: text("live_account_id").notNull(),
    tid: integer("tid").notNull(),
    cloid: text("cloid"),
    oid: integer("oid").notNull(),
    coin: text("coin").notNull(),
    side: text("side").notNull(),
    px: text("px").notNull(),
    sz: text("sz").notNull(),
    feeMicroUsd: integer("fee_micro_usd").notNull(),
    closedPnlMicroUsd: integer("closed_pnl_micro_usd").notNull(),
    timeMs: integer("time_ms").notNull(),
    /** Which path stored the fill first (migration 0194): the WebSocket stream or the `/info` poll. */
    source: text("source", { enum: ["stream", "poll"] })
      .notNull()
      .default("poll"),
  },
  (t) => [primaryKey({ columns: [t.liveAccountId, t.tid] }), index("live_fills_cloid_idx").on(t.cloid)],
);
export type LiveFillRow = typeof liveFills.$inferSelect;

/** Funding settlements from `userFunding` (the exchange sends them with the zero hash: the key is coin + time). */
export const liveFunding = sqliteTable(
  "live_funding",
  {
    liveAccountId: text("live_account_id").notNull(),
    coin: text("coin").notNull(),
    timeMs: integer("time_ms").notNull(),
    /** Signed: negative when the account paid funding. */
    usdcMicroUsd: integer("usdc_micro_usd").notNull(),
    szi: text("szi").notNull(),
    fundingRate: text("funding_rate").notNull(),
    /** Which path stored the settlement first (migration 0194). */
    source: text("source", { enum: ["stream", "poll"] })
      .notNull()
      .default("poll"),
  },
  (t) => [primaryKey({ columns: [t.liveAccountId, t.coin, t.timeMs] })],
);

export const liveReconciliations = sqliteTable(
  "live_reconciliations",
  {
    id: text("id").primaryKey(),
    liveAccountId: text("live_account_id").notNull(),
    ranAtMs: integer("ran_at_ms").notNull(),
    status: text("status", { enum: ["ok", "diverged"] }).notNull(),
    divergencesJson: text("divergences_json").notNull(),
    accountValueMicroUsd: integer("account_value_micro_usd"),
    shadowEquityMicroUsd: integer("shadow_equity_micro_usd"),
    slippageJson: text("slippage_json").notNull(),
  },
  (t) => [index("live_reconciliations_account_idx").on(t.liveAccountId, t.ranAtMs)],
);

/** Operator controls (the kill switch armed through the admin route). */
export const liveControls = sqliteTable("live_controls", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  actor: text("actor").notNull(),
  reason: text("reason").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});
