/**
 * One transaction hash pays for exactly one thing: an audition fee, an Arena deposit or a ticket. Every
 * use of a hash inserts its claim (the PRIMARY KEY refuses a second one) in the same D1 batch as the row
 * it pays for. A claim is dropped only when its use ends without money moving (a rejected payment, an
 * expired ticket payment), so the hash stays claimable for the thing it really paid.
 */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const TX_CLAIM_PURPOSES = ["audition_fee", "deposit", "ticket"] as const;

export const chainTxClaims = sqliteTable("chain_tx_claims", {
  /** Lowercase 0x-prefixed 32-byte hash. */
  txHash: text("tx_hash").primaryKey(),
  chainId: integer("chain_id").notNull(),
  purpose: text("purpose", { enum: TX_CLAIM_PURPOSES }).notNull(),
  /** The payment, deposit or ticket id. */
  refId: text("ref_id").notNull(),
  userId: text("user_id").notNull(),
  claimedAtMs: integer("claimed_at_ms").notNull(),
});
export type TxClaimRow = typeof chainTxClaims.$inferSelect;
