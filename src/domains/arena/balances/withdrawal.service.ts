/**
 * Withdrawals: a request reserves the amount at once (user -> user:reserved, guarded: no overdraft,
 * the guard and the write in one batch) and is `pending`; an admin decides it:
 *   paid      with the payout `txHash`, verified on chain first (a USDC transfer of exactly that amount
 *             from the treasury to the user's wallet recorded on the request, confirmed) -> reserved ->
 *             house:chain_out; a payout hash is used by one withdrawal only (unique index).
 *   rejected  with a reason -> reserved -> user (funds return).
 * Every decision is one batch conditional on the withdrawal still being pending (two admins deciding at
 * once: one wins, the other answers 409). `Idempotency-Key` (optional) makes a retried request answer
 * the same withdrawal. All audited. Callers: balance routes.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import { runBatch } from "../../../db/batch";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import { isUniqueViolation, judgeReceipt, readChainFacts } from "../../chain";
import { walletOf } from "../../lifecycle";
import type { ArenaChain } from "../arena.config";
import { arenaEventStatement } from "../arena-events.service";
import { HOUSE, move, reservedBook, userBook } from "./arena-books.model";
import { transferStatements, whenTransferExists } from "./arena-ledger.storage";
import { arenaWithdrawals, type WithdrawalRow } from "./balance.tables";

export type WithdrawFailure =
  | { kind: "wallet_required" }
  | { kind: "insufficient_balance" }
  | { kind: "idempotency_key_reused"; withdrawalId: string };

export async function findWithdrawal(db: Db, id: string): Promise<WithdrawalRow | undefined> {
  const [row] = await db.select().from(arenaWithdrawals).where(eq(arenaWithdrawals.id, id));
  return row;
}

async function byKey(db: Db, userId: string, key: string): Promise<WithdrawalRow | undefined> {
  const [row] = await db
    .select()
    .from(arenaWithdrawals)
    .where(and(eq(arenaWithdrawals.userId, userId), eq(arenaWithdrawals.idempotencyKey, key)));
  return row;
}

function sameKeyAnswer(existing: WithdrawalRow, amountMicroUsd: number): Result<WithdrawalRow, WithdrawFailure> {
  return existing.amountMicroUsd === amountMicroUsd ? ok(existing) : err({ kind: "idempotency_key_reused", withdrawalId: existing.id });
}

export async function requestWithdrawal(
  db: Db,
  deps: AppDeps,
  userId: string,
  amountMicroUsd: number,
  idempotencyKey: string | undefined,
): Promise<Result<WithdrawalRow, WithdrawFailure>> {
  if (idempotencyKey) {
    const existing = await byKey(db, userId, idempotencyKey);
    if (existing) return sameKeyAnswer(existing, amountMicroUsd);
  }
  const wallet = await walletOf(db, userId);
  if (!wallet) return err({ kind: "wallet_required" });
  const nowMs = deps.clock.nowMs();
  const id = deps.ids.next("wd");
  const transferId = `withdrawal:${id}:reserve`;
  const row: WithdrawalRow = {
    id,
    userId,
    amountMicroUsd,
    toAddress: wallet.address,
    status: "pending",
    idempotencyKey: idempotencyKey ?? null,
    payoutTxHash: null,
    decidedBy: null,
    reason: null,
    requestedAtMs: nowMs,
    decidedAtMs: null,
  };
  try {
    await runBatch(db, [
      ...transferStatements(
        db,
        move({
          transferId,
          code: "withdrawal_reserve",
          t: nowMs,
          refId: id,
          from: userBook(userId),
          to: reservedBook(userId),
          amountMicroUsd,
        }),
        { book: userBook(userId), amountMicroUsd },
      ),
      rawStatement(
        db,
        sql`INSERT INTO arena_withdrawals (id, user_id, amount_micro_usd, to_address, status, idempotency_key, requested_at_ms)
        SELECT ${id}, ${userId}, ${amountMicroUsd}, ${row.toAddress}, 'pending', ${row.idempotencyKey}, ${nowMs} WHERE ${whenTransferExists(transferId)}`,
      ),
      arenaEventStatement(
        db,
        {
          id: `ev:${transferId}`,
          subjectKind: "withdrawal",
          subjectId: id,
          toState: "pending",
          event: "request",
          actor: userId,
          details: { amountMicroUsd },
          atMs: nowMs,
        },
        whenTransferExists(transferId),
      ),
    ]);
  } catch (error) {
    // The same key raced in concurrently: its batch won, this one rolled back whole.
    if (!isUniqueViolation(error) || !idempotencyKey) throw error;
    const existing = await byKey(db, userId, idempotencyKey);
    if (existing) return sameKeyAnswer(existing, amountMicroUsd);
    throw error;
  }
  const stored = await findWithdrawal(db, id);
  return stored ? ok(stored) : err({ kind: "insufficient_balance" });
}

export type Decision = { decision: "paid"; txHash: `0x${string}` } | { decision: "rejected"; reason: string };

export type DecideFailure =
  | { kind: "not_found" }
  | { kind: "not_pending"; status: string }
  | { kind: "not_configured" }
  | { kind: "unavailable"; message: string }
  | { kind: "payout_not_verified"; reason: string }
  | { kind: "payout_tx_used" };

export async function decideWithdrawal(
  db: Db,
  deps: AppDeps,
  chain: ArenaChain | undefined,
  id: string,
  decision: Decision,
  actor: string,
): Promise<Result<WithdrawalRow, DecideFailure>> {
  const row = await findWithdrawal(db, id);
  if (!row) return err({ kind: "not_found" });
  if (row.status !== "pending") return err({ kind: "not_pending", status: row.status });
  if (decision.decision === "paid") {
    if (!chain) return err({ kind: "not_configured" });
    const facts = await readChainFacts(chain, decision.txHash);
    if (!facts.ok) return err({ kind: "unavailable", message: facts.error.message });
    // The payout goes the other way: the treasury is the sender, the user's wallet the recipient.
    const verdict = judgeReceipt(facts.value.receipt, facts.value.headBlock, {
      ...chain,
      treasury: row.toAddress,
      wallet: chain.treasury,
      amount: BigInt(row.amountMicroUsd),
    });
    if (verdict.status !== "verified") return err({ kind: "payout_not_verified", reason: verdict.reason });
    if (verdict.amount !== BigInt(row.amountMicroUsd)) return err({ kind: "payout_not_verified", reason: "amount_mismatch" });
  }
  const nowMs = deps.clock.nowMs();
  const paid = decision.decision === "paid";
  const transferId = `withdrawal:${id}:${paid ? "paid" : "release"}`;
  const stillPending = sql`EXISTS (SELECT 1 FROM arena_withdrawals WHERE id = ${id} AND status = 'pending')`;
  try {
    await runBatch(db, [
      ...transferStatements(
        db,
        move({
          transferId,
          code: paid ? "withdrawal_paid" : "withdrawal_release",
          t: nowMs,
          refId: id,
          from: reservedBook(row.userId),
          to: paid ? HOUSE.chainOut : userBook(row.userId),
          amountMicroUsd: row.amountMicroUsd,
          ...(paid ? {} : { memo: decision.reason }),
        }),
        undefined,
        stillPending,
      ),
      arenaEventStatement(
        db,
        {
          id: `ev:${transferId}`,
          subjectKind: "withdrawal",
          subjectId: id,
          fromState: "pending",
          toState: decision.decision,
          event: "decide",
          actor,
          reason: paid ? null : decision.reason,
          details: paid ? { txHash: decision.txHash } : undefined,
          atMs: nowMs,
        },
        sql`${stillPending} AND ${whenTransferExists(transferId)}`,
      ),
      db
        .update(arenaWithdrawals)
        .set({
          status: decision.decision,
          payoutTxHash: paid ? decision.txHash : null,
          decidedBy: actor,
          reason: paid ? null : decision.reason,
          decidedAtMs: nowMs,
        })
        .where(and(eq(arenaWithdrawals.id, id), eq(arenaWithdrawals.status, "pending"), whenTransferExists(transferId))),
    ]);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return err({ kind: "payout_tx_used" });
  }
  const stored = await findWithdrawal(db, id);
  if (!stored || stored.status !== decision.decision) return err({ kind: "not_pending", status: stored?.status ?? "unknown" });
  return ok(stored);
}

export async function withdrawalsOf(db: Db, userId: string, limit = 50): Promise<WithdrawalRow[]> {
  return db
    .select()
    .from(arenaWithdrawals)
    .where(eq(arenaWithdrawals.userId, userId))
    .orderBy(desc(arenaWithdrawals.requestedAtMs), desc(arenaWithdrawals.id))
    .limit(limit);
}
