/**
 * The Arena's double-entry ledger and the two on-chain edges of a balance.
 *
 * A transfer (`arena_ledger_transfers`, id = its idempotency key) has postings summing to zero
 * (`arena_ledger_postings`, one row per book); a book's balance is the sum of its postings, always
 * derived, never stored. Books and codes: balances/arena-books.model.ts. Postings are inserted only
 * under their transfer (`INSERT ... SELECT ... WHERE EXISTS`), so a conditional transfer (no overdraft)
 * that did not happen leaves no posting.
 *
 * Deposits credit a verified USDC transfer from the user's proven wallet to the treasury; withdrawals
 * reserve funds at once and are decided by an admin (`paid` with a verified payout hash, or `rejected`).
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const arenaLedgerTransfers = sqliteTable(
  "arena_ledger_transfers",
  {
    transferId: text("transfer_id").primaryKey(),
    code: text("code").notNull(),
    tMs: integer("t_ms").notNull(),
    /** What caused it: ticket, deposit, withdrawal, settlement or adjustment id. */
    refId: text("ref_id").notNull(),
    raceId: text("race_id"),
    /** For a reversal: the transfer it cancels. */
    reverses: text("reverses"),
    /** An admin adjustment's reason. */
    memo: text("memo"),
  },
  (t) => [index("arena_ledger_transfers_ref_idx").on(t.refId), index("arena_ledger_transfers_race_idx").on(t.raceId, t.code)],
);
export type ArenaTransferRow = typeof arenaLedgerTransfers.$inferSelect;

export const arenaLedgerPostings = sqliteTable(
  "arena_ledger_postings",
  {
    transferId: text("transfer_id").notNull(),
    book: text("book").notNull(),
    amountMicroUsd: integer("amount_micro_usd").notNull(),
    /** The transfer's time, repeated so a book's entries page by time without a join. */
    tMs: integer("t_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.transferId, t.book] }), index("arena_ledger_postings_book_idx").on(t.book, t.tMs)],
);
export type ArenaPostingRow = typeof arenaLedgerPostings.$inferSelect;

export const arenaDeposits = sqliteTable(
  "arena_deposits",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    txHash: text("tx_hash").notNull(),
    chainId: integer("chain_id").notNull(),
    status: text("status", { enum: ["pending", "credited", "rejected"] }).notNull(),
    reason: text("reason"),
    walletAddress: text("wallet_address"),
    amountMicroUsd: integer("amount_micro_usd"),
    submittedAtMs: integer("submitted_at_ms").notNull(),
    checkedAtMs: integer("checked_at_ms").notNull(),
    creditedAtMs: integer("credited_at_ms"),
  },
  (t) => [
    uniqueIndex("arena_deposits_claim_uq").on(t.txHash).where(sql`status IN ('pending', 'credited')`),
    index("arena_deposits_user_idx").on(t.userId, t.submittedAtMs),
    index("arena_deposits_status_idx").on(t.status, t.checkedAtMs),
  ],
);
export type DepositRow = typeof arenaDeposits.$inferSelect;

export const arenaWithdrawals = sqliteTable(
  "arena_withdrawals",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    amountMicroUsd: integer("amount_micro_usd").notNull(),
    /** The user's proven wallet when requested. */
    toAddress: text("to_address").notNull(),
    status: text("status", { enum: ["pending", "paid", "rejected"] }).notNull(),
    idempotencyKey: text("idempotency_key"),
    payoutTxHash: text("payout_tx_hash"),
    decidedBy: text("decided_by"),
    reason: text("reason"),
    requestedAtMs: integer("requested_at_ms").notNull(),
    decidedAtMs: integer("decided_at_ms"),
  },
  (t) => [
    uniqueIndex("arena_withdrawals_idempotency_uq").on(t.userId, t.idempotencyKey).where(sql`idempotency_key IS NOT NULL`),
    uniqueIndex("arena_withdrawals_payout_tx_uq").on(t.payoutTxHash).where(sql`payout_tx_hash IS NOT NULL`),
    index("arena_withdrawals_user_idx").on(t.userId, t.requestedAtMs),
    index("arena_withdrawals_status_idx").on(t.status, t.requestedAtMs),
  ],
);
export type WithdrawalRow = typeof arenaWithdrawals.$inferSelect;
