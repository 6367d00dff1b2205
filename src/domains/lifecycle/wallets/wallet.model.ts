/**
 * Wallet linking, pure: the EIP-4361 (Sign-In with Ethereum) message a wallet signs (EIP-191
 * personal_sign), the checks of a signed message against the issued one, and the request and response
 * shapes. The message names the site (domain, URI), the address, the chain, the nonce and its expiry,
 * so a signature for one site, chain, address or nonce proves nothing for another.
 */
import { z } from "@hono/zod-openapi";
import { getAddress } from "viem";
import { createSiweMessage, parseSiweMessage } from "viem/siwe";

export const AddressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte address")
  .transform((a) => a.toLowerCase() as `0x${string}`);

export const WalletNonceRequestSchema = z
  .object({ address: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte address") })
  .openapi("WalletNonceRequest");

export const LinkWalletSchema = z
  .object({
    /** The EIP-4361 message exactly as answered by the nonce route. */
    message: z.string().min(1).max(4000),
    /** 65 bytes for a key (EOA); any length for a contract wallet (EIP-1271) or an undeployed one (EIP-6492). */
    signature: z
      .string()
      .max(20_000)
      .regex(/^0x([0-9a-fA-F]{2})+$/, "a hex signature"),
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
  | { kind: "bad_message" }
  | { kind: "wrong_domain" }
  | { kind: "wrong_chain" }
  | { kind: "wrong_address" }
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

/** Who asks for a signature: the site's URI (its host is the EIP-4361 domain) and the chain. */
export interface SiweSite {
  uri: string;
  chainId: number;
}

/** The EIP-4361 text to sign for `nonce` (the nonce is alphanumeric, ≥ 8 characters, as EIP-4361 requires). */
export function nonceMessage(site: SiweSite, input: { address: string; nonce: string; issuedAtMs: number; expiresAtMs: number }): string {
  return createSiweMessage({
    domain: new URL(site.uri).host,
    address: getAddress(input.address),
    statement: "Link this wallet to your Clash Arena account.",
    uri: site.uri,
    version: "1",
    chainId: site.chainId,
    nonce: input.nonce,
    issuedAt: new Date(input.issuedAtMs),
    expirationTime: new Date(input.expiresAtMs),
  });
}

/** The fields of a signed message the server checks, or undefined when it is not an EIP-4361 message. */
export function readSiweMessage(message: string) {
  const parsed = parseSiweMessage(message);
  const { domain, address, chainId, nonce, version } = parsed;
  if (!domain || !address || chainId === undefined || !nonce || version !== "1") return undefined;
  return { domain, address: address.toLowerCase() as `0x${string}`, chainId, nonce };
}

/**
 * Checks `signed` (parsed from the presented message) against the site's settings and the message issued
 * for its nonce: the domain and chain must be this site's, the address the one the nonce was issued for,
 * and the text byte-equal to the issued text (so no other field, e.g. the expiry, was changed).
 */
export function checkSignedMessage(
  site: SiweSite,
  signed: { domain: string; address: string; chainId: number; message: string },
  issued: { address: string; message: string },
): WalletFailure | undefined {
  if (signed.domain !== new URL(site.uri).host) return { kind: "wrong_domain" };
  if (signed.chainId !== site.chainId) return { kind: "wrong_chain" };
  if (signed.address.toLowerCase() !== issued.address.toLowerCase()) return { kind: "wrong_address" };
  if (signed.message !== issued.message) return { kind: "bad_message" };
  return undefined;
}
