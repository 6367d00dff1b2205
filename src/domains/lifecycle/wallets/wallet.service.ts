/**
 * Wallet use cases: issue a nonce, link a wallet by its signature of the nonce message, bind a wallet
 * as an operator (dev demo wallet), read the user's wallet.
 *
 * Invariants: a nonce is checked at most once (the first attempt marks it used, in a conditional
 * UPDATE, so two racing attempts cannot both verify); the signature is verified with viem
 * (`verifyMessage`, EIP-191) against the stored message; an address belongs to at most one user
 * (unique index; a race loses with `wallet_taken`). Callers: wallet routes, lifecycle jobs.
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { verifyMessage } from "viem";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import type { Db } from "../../../db/client";
import type { LifecycleConfig } from "../lifecycle.config";
import { eventStatement } from "../lifecycle-events.service";
import { nonceMessage, reservedAddress, type Wallet, type WalletFailure } from "./wallet.model";
import { walletNonces, wallets } from "./wallet.tables";

export async function issueNonce(db: Db, deps: AppDeps, settings: LifecycleConfig, userId: string) {
  const issuedAtMs = deps.clock.nowMs();
  const expiresAtMs = issuedAtMs + settings.WALLET_NONCE_TTL_SEC * 1000;
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const message = nonceMessage({ userId, nonce, issuedAtMs, expiresAtMs });
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
 * Links `address` when `signature` is its EIP-191 signature of the user's latest nonce message. The
 * nonce is consumed by this attempt whatever its outcome.
 */
export async function linkWallet(
  db: Db,
  deps: AppDeps,
  userId: string,
  input: { address: `0x${string}`; signature: `0x${string}` },
): Promise<Result<Wallet, WalletFailure>> {
  const nowMs = deps.clock.nowMs();
  const [latest] = await db
    .select()
    .from(walletNonces)
    .where(eq(walletNonces.userId, userId))
    .orderBy(desc(walletNonces.issuedAtMs))
    .limit(1);
  if (!latest) return err({ kind: "nonce_missing" });
  if (latest.usedAtMs !== null) return err({ kind: "nonce_used" });
  if (latest.expiresAtMs <= nowMs) return err({ kind: "nonce_expired" });
  const consumed = await db
    .update(walletNonces)
    .set({ usedAtMs: nowMs })
    .where(and(eq(walletNonces.nonce, latest.nonce), isNull(walletNonces.usedAtMs)))
    .returning({ nonce: walletNonces.nonce });
  if (consumed.length !== 1) return err({ kind: "nonce_used" });
  let valid = false;
  try {
    valid = await verifyMessage({ address: input.address, message: latest.message, signature: input.signature });
  } catch {
    valid = false;
  }
  if (!valid) return err({ kind: "bad_signature" });
  return bind(db, userId, input.address.toLowerCase(), "signature", nowMs);
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
