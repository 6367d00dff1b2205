/**
 * Wallet linking, pure: the nonce message a wallet signs (EIP-191 personal_sign) and the request and
 * response shapes. The message names the app, the user, the nonce and its expiry, so a signature for
 * one user or one nonce proves nothing for another.
 */
import { z } from "@hono/zod-openapi";

export const AddressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte address")
  .transform((a) => a.toLowerCase() as `0x${string}`);

export const LinkWalletSchema = z
  .object({
    address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte address"),
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, "a 65-byte hex signature"),
  })
  .openapi("LinkWallet");

export const WalletNonceSchema = z.object({ nonce: z.string(), message: z.string(), expiresAtMs: z.number().int() }).openapi("WalletNonce");

export const WalletSchema = z
  .object({ userId: z.string(), address: z.string(), proof: z.enum(["signature", "admin"]), linkedAtMs: z.number().int() })
  .openapi("Wallet");
export type Wallet = z.infer<typeof WalletSchema>;

export type WalletFailure =
  | { kind: "nonce_missing" }
  | { kind: "nonce_expired" }
  | { kind: "nonce_used" }
  | { kind: "bad_signature" }
  | { kind: "wallet_taken" }
  | { kind: "admin_binding_disabled" }
  | { kind: "reserved_address" };

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** Why an operator may not bind `address` (the zero address, the fee treasury), if it may not. */
export function reservedAddress(address: string, treasury: string | undefined): "zero" | "treasury" | undefined {
  const a = address.toLowerCase();
  if (a === ZERO_ADDRESS) return "zero";
  if (treasury && a === treasury.toLowerCase()) return "treasury";
  return undefined;
}

/** The text to sign for `nonce`. */
export function nonceMessage(input: { userId: string; nonce: string; issuedAtMs: number; expiresAtMs: number }): string {
  return [
    "Clash Arena wants you to link this wallet to your account.",
    "",
    `User: ${input.userId}`,
    `Nonce: ${input.nonce}`,
    `Issued At: ${new Date(input.issuedAtMs).toISOString()}`,
    `Expiration Time: ${new Date(input.expiresAtMs).toISOString()}`,
  ].join("\n");
}
