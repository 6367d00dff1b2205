/**
 * Wallet use cases: issue a nonce with its EIP-4361 message for an address, link the wallet by its
 * signature of that message, bind a wallet as an operator (dev demo wallet), read the user's wallet.
 *
 * Invariants: a nonce is checked at most once (the first attempt marks it used, in a conditional
 * UPDATE, so two racing attempts cannot both verify); the presented message must be the stored one,
 * for this site's domain and chain and the address it was issued for; the signature is verified by key
 * recovery (EIP-191, no RPC) and otherwise through the chain (EIP-1271 / EIP-6492 contract wallets,
 * when LIFECYCLE_RPC_URL is set); an address belongs to at most one user (unique index; a race loses
 * with `wallet_taken`). Callers: wallet routes, lifecycle jobs.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { verifyMessage } from "viem";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import type { Db } from "../../../db/client";
import { verifyWalletSignature } from "../../chain";
import type { LifecycleConfig } from "../lifecycle.config";
import { eventStatement } from "../lifecycle-events.service";
import {
  checkSignedMessage,
  nonceMessage,
  readSiweMessage,
  reservedAddress,
  type SiweSite,
  type Wallet,
  type WalletFailure,
} from "./wallet.model";
import { walletNonces, wallets } from "./wallet.tables";

const siteOf = (settings: LifecycleConfig): SiweSite => ({ uri: settings.WALLET_SIWE_URI, chainId: settings.LIFECYCLE_CHAIN_ID });

/** Issues a nonce for `address` and stores the exact EIP-4361 message to sign (which names the address). */
export async function issueNonce(db: Db, deps: AppDeps, settings: LifecycleConfig, userId: string, address: string) {
  const issuedAtMs = deps.clock.nowMs();
  const expiresAtMs = issuedAtMs + settings.WALLET_NONCE_TTL_SEC * 1000;
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const message = nonceMessage(siteOf(settings), { address, nonce, issuedAtMs, expiresAtMs });
  await db.insert(walletNonces).values({ nonce, userId, message, issuedAtMs, expiresAtMs });
  return { nonce, message, expiresAtMs };
}

export async function walletOf(db: Db, userId: string): Promise<Wallet | undefined> {
  const [row] = await db.select().from(wallets).where(eq(wallets.userId, userId));
  return row;
}

async function ownerOf(db: Db, address: string): Promise<string | undefined> {
  const [row] = await db.select({ userId: wallets.userId }).from(wallets).where(eq(wallets.address, address));
  return row?.userId;
}

/** Stores `address` as the user's wallet; `wallet_taken` when another user holds it (also on a lost race). */
async function bind(
  db: Db,
  userId: string,
  address: string,
  proof: Wallet["proof"],
  nowMs: number,
): Promise<Result<Wallet, WalletFailure>> {
  const holder = await ownerOf(db, address);
  if (holder !== undefined && holder !== userId) return err({ kind: "wallet_taken" });
  const row: Wallet = { userId, address, proof, linkedAtMs: nowMs };
  try {
    await db
      .insert(wallets)
      .values(row)
      .onConflictDoUpdate({ target: wallets.userId, set: { address, proof, linkedAtMs: nowMs } });
  } catch (error) {
    if (String(error).includes("UNIQUE")) return err({ kind: "wallet_taken" });
    throw error;
  }
  return ok(row);
}

/**
 * Links the address named in `message` when it is the user's issued, unexpired, unused EIP-4361 message
 * for this site and chain and `signature` proves that address signed it. The nonce is consumed by this
 * attempt whatever its outcome (once it is found to be the user's).
 */
export async function linkWallet(
  db: Db,
  deps: AppDeps,
  settings: LifecycleConfig,
  userId: string,
  input: { message: string; signature: `0x${string}` },
): Promise<Result<Wallet, WalletFailure>> {
  const nowMs = deps.clock.nowMs();
  const signed = readSiweMessage(input.message);
  if (!signed) return err({ kind: "bad_message" });
  const [issued] = await db
    .select()
    .from(walletNonces)
    .where(and(eq(walletNonces.nonce, signed.nonce), eq(walletNonces.userId, userId)));
  if (!issued) return err({ kind: "nonce_missing" });
  if (issued.usedAtMs !== null) return err({ kind: "nonce_used" });
  if (issued.expiresAtMs <= nowMs) return err({ kind: "nonce_expired" });
  const consumed = await db
    .update(walletNonces)
    .set({ usedAtMs: nowMs })
    .where(and(eq(walletNonces.nonce, issued.nonce), isNull(walletNonces.usedAtMs)))
    .returning({ nonce: walletNonces.nonce });
  if (consumed.length !== 1) return err({ kind: "nonce_used" });
  const issuedFor = readSiweMessage(issued.message);
  if (!issuedFor) return err({ kind: "bad_message" }); // a row written before EIP-4361 messages: not linkable
  const refused = checkSignedMessage(
    siteOf(settings),
    { ...signed, message: input.message },
    { address: issuedFor.address, message: issued.message },
  );
  if (refused) return err(refused);
  if (!(await proves(settings, { address: signed.address, message: issued.message, signature: input.signature }))) {
    return err({ kind: "bad_signature" });
  }
  return bind(db, userId, signed.address, "signature", nowMs);
}

/** Key recovery first (an EOA, no RPC); otherwise the chain decides (contract wallets), when configured. */
async function proves(settings: LifecycleConfig, input: { address: `0x${string}`; message: string; signature: `0x${string}` }) {
  try {
    if (await verifyMessage(input)) return true;
  } catch {
    // not a recoverable 65-byte signature: maybe a contract wallet's
  }
  if (!settings.LIFECYCLE_RPC_URL) return false;
  const endpoint = {
    rpcUrl: settings.LIFECYCLE_RPC_URL,
    chainId: settings.LIFECYCLE_CHAIN_ID,
    timeoutMs: settings.LIFECYCLE_RPC_TIMEOUT_MS,
  };
  const verdict = await verifyWalletSignature(endpoint, input);
  return verdict.ok && verdict.value;
}

/**
 * Operator binding without a signature (the dev demo wallet, whose key nobody holds): only when
 * `ADMIN_WALLET_BINDING` is on and APP_ENV is not production; never the zero address or the fee
 * treasury (a bound treasury would turn the treasury's incoming transfers into credits); with a
 * reason, audited as a `wallet` event (subject: the user) in the same batch as the binding.
 */
export async function bindWalletAsOperator(
  db: Db,
  deps: AppDeps,
  settings: LifecycleConfig,
  input: { appEnv: string | undefined; userId: string; address: string; reason: string; actor: string },
): Promise<Result<Wallet, WalletFailure>> {
  if (!settings.ADMIN_WALLET_BINDING || input.appEnv === "production") return err({ kind: "admin_binding_disabled" });
  const address = input.address.toLowerCase();
  if (reservedAddress(address, settings.AUDITION_FEE_TREASURY)) return err({ kind: "reserved_address" });
  const holder = await ownerOf(db, address);
  if (holder !== undefined && holder !== input.userId) return err({ kind: "wallet_taken" });
  const previous = await walletOf(db, input.userId);
  const nowMs = deps.clock.nowMs();
  const row: Wallet = { userId: input.userId, address, proof: "admin", linkedAtMs: nowMs };
  try {
    await db.batch([
      db
        .insert(wallets)
        .values(row)
        .onConflictDoUpdate({ target: wallets.userId, set: { address, proof: "admin", linkedAtMs: nowMs } }),
      eventStatement(
        db,
        deps,
        {
          subjectKind: "wallet",
          subjectId: input.userId,
          fromState: previous?.address ?? null,
          toState: address,
          event: "admin_bind",
          actor: input.actor,
          reason: input.reason,
          atMs: nowMs,
        },
        sql`EXISTS (SELECT 1 FROM wallets WHERE user_id = ${input.userId} AND address = ${address} AND linked_at_ms = ${nowMs})`,
      ),
    ]);
  } catch (error) {
    if (String(error).includes("UNIQUE")) return err({ kind: "wallet_taken" });
    throw error;
  }
  return ok(row);
}
