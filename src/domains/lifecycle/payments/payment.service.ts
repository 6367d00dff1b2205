/**
 * Audition fee payments: submit a transaction hash, re-check pending payments (cron), read one.
 *
 * Exactly one grant per hash, under replays and concurrency: the chain is read first (no write), then
 * one D1 batch inserts the payment only if no pending/verified payment holds the hash (conditional
 * INSERT ... WHERE NOT EXISTS, backed by the partial unique index), the grant only if that payment was
 * inserted as verified, and the audit row. A submission that finds the hash taken is recorded as
 * `rejected / already_used`. The grant is unique per payment, so a re-check racing a submit cannot
 * grant twice either. Callers: payment routes, the `lifecycle.recheck-payments` job.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import { transition } from "../../../core/transitions";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import { claimOfHash, claimStatement, judgeReceipt, readChainFacts, releaseClaimStatement, type Verdict } from "../../chain";
import type { FeeConfig } from "../lifecycle.config";
import { eventStatement } from "../lifecycle-events.service";
import { walletOf } from "../wallets/wallet.service";
import { grantStatement } from "./credit.service";
import { PAYMENT_TRANSITIONS, type Payment, type PaymentReason } from "./payment.model";
import { type PaymentRow, payments } from "./payment.tables";

export type SubmitFailure = { kind: "not_configured" } | { kind: "wallet_required" } | { kind: "unavailable"; message: string };

const toPayment = (row: PaymentRow): Payment => ({ ...row, reason: row.reason as PaymentReason | null });

export async function findPayment(db: Db, id: string): Promise<Payment | undefined> {
  const [row] = await db.select().from(payments).where(eq(payments.id, id));
  return row && toPayment(row);
}

async function claimOf(db: Db, txHash: string): Promise<PaymentRow | undefined> {
  const [row] = await db
    .select()
    .from(payments)
    .where(and(eq(payments.txHash, txHash), sql`${payments.status} IN ('pending', 'verified')`));
  return row;
}

/** Records a rejection that claims nothing (rejected rows never hold the hash). */
async function recordRejected(db: Db, deps: AppDeps, row: PaymentRow): Promise<Payment> {
  await db.batch([
    db.insert(payments).values(row),
    eventStatement(db, deps, {
      subjectKind: "payment",
      subjectId: row.id,
      toState: "rejected",
      event: "submit",
      actor: row.userId,
      reason: row.reason,
      atMs: row.submittedAtMs,
    }),
  ]);
  return toPayment(row);
}

function verdictColumns(verdict: Verdict, nowMs: number) {
  return {
    status: verdict.status,
    reason: verdict.status === "verified" ? null : verdict.reason,
    amount: verdict.amount === undefined ? null : verdict.amount.toString(),
    blockNumber: verdict.blockNumber === undefined ? null : Number(verdict.blockNumber),
    confirmations: verdict.status === "rejected" ? null : verdict.confirmations,
    verifiedAtMs: verdict.status === "verified" ? nowMs : null,
  };
}

/** Verifies `txHash` for `userId` and records the outcome (see the file header for the guarantees). */
export async function submitFeePayment(
  db: Db,
  deps: AppDeps,
  fee: FeeConfig | undefined,
  userId: string,
  txHash: `0x${string}`,
): Promise<Result<Payment, SubmitFailure>> {
  if (!fee) return err({ kind: "not_configured" });
  const wallet = await walletOf(db, userId);
  if (!wallet) return err({ kind: "wallet_required" });
  const nowMs = deps.clock.nowMs();
  const base = { userId, txHash, chainId: fee.chainId, walletAddress: wallet.address, submittedAtMs: nowMs, checkedAtMs: nowMs };
  const alreadyUsed = (): PaymentRow => ({
    ...base,
    id: deps.ids.next("pay"),
    status: "rejected",
    reason: "already_used",
    amount: null,
    blockNumber: null,
    confirmations: null,
    verifiedAtMs: null,
  });
  // A hash held by a fee payment, an Arena deposit or a ticket (chain_tx_claims) is already used.
  if ((await claimOf(db, txHash)) || (await claimOfHash(db, txHash))) return ok(await recordRejected(db, deps, alreadyUsed()));

  const facts = await readChainFacts(fee, txHash);
  if (!facts.ok) return err({ kind: "unavailable", message: facts.error.message });
  const verdict = judgeReceipt(facts.value.receipt, facts.value.headBlock, { ...fee, wallet: wallet.address, amount: fee.amount });
  const row: PaymentRow = { ...base, id: deps.ids.next("pay"), ...verdictColumns(verdict, nowMs) };
  if (row.status === "rejected") return ok(await recordRejected(db, deps, row));

  const inserted = sql`EXISTS (SELECT 1 FROM audition_fee_payments WHERE id = ${row.id})`;
  try {
    await db.batch([
      rawStatement(
        db,
        sql`INSERT INTO audition_fee_payments (id, user_id, tx_hash, chain_id, status, reason, wallet_address, amount, block_number, confirmations, submitted_at_ms, checked_at_ms, verified_at_ms)
        SELECT ${row.id}, ${row.userId}, ${row.txHash}, ${row.chainId}, ${row.status}, ${row.reason}, ${row.walletAddress}, ${row.amount}, ${row.blockNumber}, ${row.confirmations}, ${row.submittedAtMs}, ${row.checkedAtMs}, ${row.verifiedAtMs}
        WHERE NOT EXISTS (SELECT 1 FROM audition_fee_payments WHERE tx_hash = ${row.txHash} AND status IN ('pending', 'verified'))`,
      ),
      // One hash pays for one thing: a claim held by a deposit or a ticket fails this batch (caught below).
      claimStatement(
        db,
        { txHash: row.txHash, chainId: row.chainId, purpose: "audition_fee", refId: row.id, userId, claimedAtMs: nowMs },
        inserted,
      ),
      grantStatement(db, { id: deps.ids.next("credit"), paymentId: row.id, whenStatus: "verified", nowMs }),
      eventStatement(
        db,
        deps,
        { subjectKind: "payment", subjectId: row.id, toState: row.status, event: "submit", actor: userId, reason: row.reason, atMs: nowMs },
        inserted,
      ),
    ]);
  } catch (error) {
    // The partial unique index is the backstop of the NOT EXISTS: a lost race ends here.
    if (!String(error).includes("UNIQUE")) throw error;
  }
  const stored = await findPayment(db, row.id);
  return ok(stored ?? (await recordRejected(db, deps, alreadyUsed())));
}

/** The pending payments, oldest check first. */
async function pendingPayments(db: Db, limit: number): Promise<PaymentRow[]> {
  return db.select().from(payments).where(eq(payments.status, "pending")).orderBy(asc(payments.checkedAtMs), asc(payments.id)).limit(limit);
}

/**
 * Re-checks every pending payment: still unconfirmed → stays pending (confirmations updated);
 * confirmed → verified with its grant in one batch; the chain now says otherwise (e.g. a reorg dropped
 * the transaction) → rejected with the reason. The wallet judged is the one recorded at submission.
 * Each update is conditional on the row still being pending, so overlapping runs grant once.
 */
export async function recheckPendingPayments(db: Db, deps: AppDeps, fee: FeeConfig | undefined, actor: string, limit = 100) {
  const counts = { checked: 0, verified: 0, rejected: 0, pending: 0, unavailable: 0 };
  if (!fee) return counts;
  for (const row of await pendingPayments(db, limit)) {
    counts.checked += 1;
    const facts = await readChainFacts(fee, row.txHash as `0x${string}`);
    if (!facts.ok) {
      counts.unavailable += 1;
      continue;
    }
    const nowMs = deps.clock.nowMs();
    const verdict = judgeReceipt(facts.value.receipt, facts.value.headBlock, {
      ...fee,
      wallet: row.walletAddress ?? "",
      amount: fee.amount,
    });
    const event = verdict.status === "verified" ? "confirm" : verdict.status === "rejected" ? "reject" : "wait";
    const next = transition(PAYMENT_TRANSITIONS, "pending", event);
    if (!next.ok) continue;
    counts[next.value] += 1;
    const { status, ...columns } = verdictColumns(verdict, nowMs);
    const grantId = deps.ids.next("credit");
    const update = db
      .update(payments)
      .set({ status, ...columns, checkedAtMs: nowMs })
      .where(and(eq(payments.id, row.id), eq(payments.status, "pending")));
    if (status === "pending") {
      await update;
      continue;
    }
    // Grant first, while the row is still pending; the event only if the row is still pending; then move it.
    await db.batch([
      status === "verified"
        ? grantStatement(db, { id: grantId, paymentId: row.id, whenStatus: "pending", nowMs })
        : rawStatement(db, sql`SELECT 1`),
      eventStatement(
        db,
        deps,
        {
          subjectKind: "payment",
          subjectId: row.id,
          fromState: "pending",
          toState: status,
          event,
          actor,
          reason: columns.reason,
          atMs: nowMs,
        },
        sql`EXISTS (SELECT 1 FROM audition_fee_payments WHERE id = ${row.id} AND status = 'pending')`,
      ),
      // A rejected payment moved no money: its hash becomes claimable again.
      status === "rejected"
        ? releaseClaimStatement(
            db,
            row.txHash,
            row.id,
            sql`EXISTS (SELECT 1 FROM audition_fee_payments WHERE id = ${row.id} AND status = 'pending')`,
          )
        : rawStatement(db, sql`SELECT 1`),
      update,
    ]);
  }
  return counts;
}
