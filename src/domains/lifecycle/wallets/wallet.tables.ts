/**
 * Wallet linking: server-issued nonces (single use, expiring) and the one wallet of each user.
 * `wallets.address` is unique (lowercase hex), so one wallet belongs to at most one user; a user's
 * row is replaced when they link another wallet.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const walletNonces = sqliteTable(
  "wallet_nonces",
  {
    nonce: text("nonce").primaryKey(),
    userId: text("user_id").notNull(),
    /** The exact EIP-4361 (Sign-In with Ethereum) text the wallet signs (EIP-191 personal_sign); it names the address. */
    message: text("message").notNull(),
    issuedAtMs: integer("issued_at_ms").notNull(),
    expiresAtMs: integer("expires_at_ms").notNull(),
    /** Set by the first verification attempt, successful or not: a nonce is never checked twice. */
    usedAtMs: integer("used_at_ms"),
  },
  (t) => [index("wallet_nonces_user_idx").on(t.userId, t.issuedAtMs)],
);
export type WalletNonceRow = typeof walletNonces.$inferSelect;

export const wallets = sqliteTable(
  "wallets",
  {
    userId: text("user_id").primaryKey(),
    address: text("address").notNull(),
    /** `signature` (EIP-191 proof) or `admin` (bound by an operator, e.g. the dev demo wallet). */
    proof: text("proof", { enum: ["signature", "admin"] }).notNull(),
    linkedAtMs: integer("linked_at_ms").notNull(),
  },
  (t) => [uniqueIndex("wallets_address_uq").on(t.address)],
);
export type WalletRow = typeof wallets.$inferSelect;
