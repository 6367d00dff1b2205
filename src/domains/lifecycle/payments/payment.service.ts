/**
 * Audition fee payments: submit a transaction hash, re-check pending payments (cron), read one.
 *
 * Exactly one grant per hash, under replays and concurrency: the chain is read first (no write), then
 * one D1 batch inserts the payment only if no pending/verified payment holds the hash (conditional
 * INSERT ... WHERE NOT EXISTS, backed by the partial unique index), the grant only if that payment was
 * inserted as verified, and the audit row. A submission that finds the hash taken is recorded as
 * `rejected / already_used`. The grant is unique per payment, so a re-check racing a submit cannot
 * grant twice either. Callers: payment routes, the `lifecycle.recheck-payments` job.
 *
 * Terms: the fee amount, token, treasury, confirmations and chain in force at submission are stored on
 * the row and every later judgement uses them (a settings change never moves a pending payment's
 * goalposts). A receipt the node does not know is `pending / tx_not_found` for the grace period after
 * submission, then `rejected / tx_not_found`. The re-check stamps `checked_at_ms` on every row it
 * tries, reachable node or not, and takes the least recently checked first, so one payment whose
 * check keeps failing cannot starve the rest.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import { transition } from "../../../core/transitions";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import { type ChainEndpoint, claimOfHash, claimStatement, judgeReceipt, readChainFacts, releaseClaimStatement } from "../../chain";
import type { FeeConfig } from "../lifecycle.config";
import { eventStatement } from "../lifecycle-events.service";
import { walletOf } from "../wallets/wallet.service";
import { grantStatement } from "./credit.service";
import {
  type FeeTerms,
  PAYMENT_TRANSITIONS,
  type Payment,
  type PaymentReason,
  type PaymentVerdict,
  termsOf,
  withNotFoundGrace,
} from "./payment.model";
import { type PaymentRow, payments } from "./payment.tables";

export type SubmitFailure = { kind: "not_configured" } | { kind: "wallet_required" } | { kind: "unavailable"; message: string };

const toPayment = ({ feeAmount: _a, feeToken: _t, feeTreasury: _r, feeConfirmations: _c, ...row }: PaymentRow): Payment => ({
  ...row,
  reason: row.reason as PaymentReason | null,
});

const currentTerms = (fee: FeeConfig): FeeTerms => ({
  chainId: fee.chainId,
  token: fee.token,
  treasury: fee.treasury,
  amount: fee.amount,
  confirmations: fee.confirmations,
});

/** The node endpoint for a payment on `chainId` (the client refuses a node answering for another chain). */
const endpointFor = (fee: FeeConfig, chainId: number): ChainEndpoint => ({
  rpcUrl: fee.rpcUrl,
  chainId,
  timeoutMs: fee.timeoutMs,
  finality: fee.finality,
});

/** Reads the chain and judges `txHash` for `wallet` against `terms` (grace for a receipt not found yet). */
async function judgePayment(fee: FeeConfig, terms: FeeTerms, txHash: `0x${string}`, wallet: string, submittedAtMs: number, nowMs: number) {
  const facts = await readChainFacts(endpointFor(fee, terms.chainId), txHash);
  if (!facts.ok) return facts;
  const { receipt, headBlock, finalBlock } = facts.value;
  const verdict = judgeReceipt(receipt, headBlock, { ...terms, wallet }, finalBlock);
  return ok(withNotFoundGrace(verdict, submittedAtMs, nowMs, fee.notFoundGraceMs));
}

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

function verdictColumns(verdict: PaymentVerdict, nowMs: number) {
  return {
    status: verdict.status,
    reason: verdict.status === "verified" ? null : verdict.reason,
    amount: verdict.amount === undefined ? null : verdict.amount.toString(),
    blockNumber: verdict.blockNumber === undefined ? null : Number(verdict.blockNumber),
    confirmations: "confirmations" in verdict ? verdict.confirmations : null,
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
  const terms = currentTerms(fee);
  const base = {
    userId,
    txHash,
    chainId: terms.chainId,
    walletAddress: wallet.address,
    submittedAtMs: nowMs,
    checkedAtMs: nowMs,
    feeAmount: terms.amount.toString(),
    feeToken: terms.token,
    feeTreasury: terms.treasury,
    feeConfirmations: terms.confirmations,
  };
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

  const judged = await judgePayment(fee, terms, txHash, wallet.address, nowMs, nowMs);
  if (!judged.ok) return err({ kind: "unavailable", message: judged.error.message });
  const verdict = judged.value;
  const row: PaymentRow = { ...base, id: deps.ids.next("pay"), ...verdictColumns(verdict, nowMs) };
  if (row.status === "rejected") return ok(await recordRejected(db, deps, row));

  const inserted = sql`EXISTS (SELECT 1 FROM audition_fee_payments WHERE id = ${row.id})`;
  try {
    await db.batch([
      rawStatement(
        db,
        sql`INSERT INTO audition_fee_payments (id, user_id, tx_hash, chain_id, status, reason, wallet_address, amount, block_number, confirmations, submitted_at_ms, checked_at_ms, verified_at_ms, fee_amount, fee_token, fee_treasury, fee_confirmations)
        SELECT ${row.id}, ${row.userId}, ${row.txHash}, ${row.chainId}, ${row.status}, ${row.reason}, ${row.walletAddress}, ${row.amount}, ${row.blockNumber}, ${row.confirmations}, ${row.submittedAtMs}, ${row.checkedAtMs}, ${row.verifiedAtMs}, ${row.feeAmount}, ${row.feeToken}, ${row.feeTreasury}, ${row.feeConfirmations}
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
 * Re-checks every pending payment against the terms stored on it: still unconfirmed (or not found
 * within the grace period) → stays pending; final → verified with its grant in one batch; the chain now
 * says otherwise (e.g. a reorg dropped the transaction, past the grace period) → rejected with the
 * reason. The wallet judged is the one recorded at submission. Each update is conditional on the row
 * still being pending, so overlapping runs grant once. A node failure still stamps `checked_at_ms`.
 */
export async function recheckPendingPayments(db: Db, deps: AppDeps, fee: FeeConfig | undefined, actor: string, limit = 100) {
  const counts = { checked: 0, verified: 0, rejected: 0, pending: 0, unavailable: 0 };
  if (!fee) return counts;
  for (const row of await pendingPayments(db, limit)) {
    counts.checked += 1;
    const terms = termsOf(row, currentTerms(fee));
    const judged = await judgePayment(
      fee,
      terms,
      row.txHash as `0x${string}`,
      row.walletAddress ?? "",
      row.submittedAtMs,
      deps.clock.nowMs(),
    );
    const nowMs = deps.clock.nowMs();
    if (!judged.ok) {
      // Tried: to the back of the line, so the next run checks the others first.
      counts.unavailable += 1;
      await db
        .update(payments)
        .set({ checkedAtMs: nowMs })
        .where(and(eq(payments.id, row.id), eq(payments.status, "pending")));
      continue;
    }
    const verdict = judged.value;
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
