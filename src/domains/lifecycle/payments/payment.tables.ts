/**
 * Audition fee payments and the credit ledger.
 *
 * Every submission is a payment row. A transaction hash is claimed by at most one payment that is
 * `pending` or `verified` (a partial unique index, plus a conditional insert in the same batch), so
 * a replayed or concurrent submission is recorded as `rejected / already_used` and never grants.
 * Rejected payments do not claim their hash: otherwise anyone could burn another user's payment by
 * submitting its hash first with the wrong wallet.
 *
 * Credits are an append-only ledger: `available = grants − consumes + refunds`. A grant is unique per
 * source payment; a consume and a refund are unique per audition.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const PAYMENT_STATUSES = ["pending", "verified", "rejected"] as const;

export const payments = sqliteTable(
  "audition_fee_payments",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    /** Lowercase 0x-prefixed 32-byte hash. */
    txHash: text("tx_hash").notNull(),
    chainId: integer("chain_id").notNull(),
    status: text("status", { enum: PAYMENT_STATUSES }).notNull(),
    /** Why it is rejected, or `not_confirmed` while pending; null once verified. */
    reason: text("reason"),
    /** The wallet the user had linked when submitting. */
    walletAddress: text("wallet_address"),
    /** Token amount paid to the treasury by that wallet (base units, decimal string), once known. */
    amount: text("amount"),
    blockNumber: integer("block_number"),
    confirmations: integer("confirmations"),
    submittedAtMs: integer("submitted_at_ms").notNull(),
    checkedAtMs: integer("checked_at_ms").notNull(),
    verifiedAtMs: integer("verified_at_ms"),
    /** The terms in force at submission (null on rows older than migration 0111: current settings). */
    feeAmount: text("fee_amount"),
    feeToken: text("fee_token"),
    feeTreasury: text("fee_treasury"),
    feeConfirmations: integer("fee_confirmations"),
  },
  (t) => [
    uniqueIndex("audition_fee_payments_claim_uq").on(t.txHash).where(sql`status IN ('pending', 'verified')`),
    index("audition_fee_payments_user_idx").on(t.userId, t.submittedAtMs),
    index("audition_fee_payments_status_idx").on(t.status, t.checkedAtMs),
  ],
);
export type PaymentRow = typeof payments.$inferSelect;

export const CREDIT_KINDS = ["grant", "consume", "refund"] as const;

export const creditEntries = sqliteTable(
  "audition_credit_entries",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    kind: text("kind", { enum: CREDIT_KINDS }).notNull(),
    /** Always 1 today; kept so a bundle grant needs no migration. */
    credits: integer("credits").notNull(),
    /** The verified payment behind a grant. */
    paymentId: text("payment_id"),
    /** The audition behind a consume or refund. */
    auditionId: text("audition_id"),
    createdAtMs: integer("created_at_ms").notNull(),
  },
  (t) => [
    index("audition_credit_entries_user_idx").on(t.userId, t.createdAtMs),
    uniqueIndex("audition_credit_entries_payment_uq").on(t.paymentId),
    uniqueIndex("audition_credit_entries_audition_uq").on(t.auditionId, t.kind),
  ],
);
export type CreditEntryRow = typeof creditEntries.$inferSelect;
