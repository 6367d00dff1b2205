/**
 * The trading domain's D1 tables: the cross-account projection of the PropAccount objects (accounts
 * with their latest snapshot, open positions, finalized results). The objects' own SQLite storage is
 * the authority; these rows are written only by the outbox drain (projection.service.ts), guarded by
 * `projected_seq` so an entry applies at most once and never goes backwards.
 */
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const propAccounts = sqliteTable(
  "prop_accounts",
  {
    id: text("id").primaryKey(),
    cloneId: text("clone_id").notNull(),
    ownerId: text("owner_id").notNull(),
    kind: text("kind", { enum: ["sandbox", "audition", "race", "live"] }).notNull(),
    status: text("status", { enum: ["active", "frozen", "finalizing", "finalized", "liquidated"] }).notNull(),
    startMs: integer("start_ms").notNull(),
    endMs: integer("end_ms").notNull(),
    startingBalanceMicroUsd: integer("starting_balance_micro_usd").notNull(),
    cashMicroUsd: integer("cash_micro_usd").notNull(),
    equityMicroUsd: integer("equity_micro_usd").notNull(),
    unrealizedPnlMicroUsd: integer("unrealized_pnl_micro_usd").notNull(),
    marginUsedMicroUsd: integer("margin_used_micro_usd").notNull(),
    peakEquityMicroUsd: integer("peak_equity_micro_usd").notNull(),
    drawdownPct: real("drawdown_pct").notNull(),
    lastMarkMs: integer("last_mark_ms"),
    rulesJson: text("rules_json").notNull(),
    pinsJson: text("pins_json"),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
    projectedSeq: integer("projected_seq").notNull(),
  },
  (t) => [index("prop_accounts_clone_idx").on(t.cloneId, t.createdAtMs), index("prop_accounts_status_idx").on(t.status, t.endMs)],
);
export type PropAccountRow = typeof propAccounts.$inferSelect;

export const propPositions = sqliteTable(
  "prop_positions",
  {
    accountId: text("account_id").notNull(),
    symbol: text("symbol").notNull(),
    szi: text("szi").notNull(),
    entryPx: text("entry_px").notNull(),
    leverage: integer("leverage").notNull(),
    marginUsedMicroUsd: integer("margin_used_micro_usd").notNull(),
    unrealizedPnlMicroUsd: integer("unrealized_pnl_micro_usd").notNull(),
    liquidationPx: text("liquidation_px"),
    projectedSeq: integer("projected_seq").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.symbol] }), index("prop_positions_symbol_idx").on(t.symbol)],
);

export const propResults = sqliteTable(
  "prop_results",
  {
    accountId: text("account_id").primaryKey(),
    cloneId: text("clone_id").notNull(),
    resultJson: text("result_json").notNull(),
    hash: text("hash").notNull(),
    returnPct: real("return_pct").notNull(),
    finalizedAtMs: integer("finalized_at_ms").notNull(),
  },
  (t) => [index("prop_results_clone_idx").on(t.cloneId, t.finalizedAtMs)],
);
