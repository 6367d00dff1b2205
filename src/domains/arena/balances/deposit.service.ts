/**
 * Deposits: `POST /me/deposits {txHash}` credits a verified USDC transfer from the user's proven wallet
 * to the treasury (the audition fee's verifier: chain/readChainFacts + judgeReceipt, same chain, token,
 * treasury and confirmations). USDC has 6 decimals, so its base units are micro-USD one to one.
 *
 * One batch per outcome: a pending or verified deposit inserts its chain claim (the hash pays for one
 * thing across fees, deposits and tickets: a held claim fails the batch -> `rejected / already_used`),
 * the deposit row, the credit transfer `deposit:<id>` (chain_in -> user, when verified) and the audit
 * row. A rejected verdict claims nothing (anyone could otherwise burn someone else's hash). Pending
 * deposits are re-checked by the reconciliation job (`recheckDeposit`). Callers: balance routes, job.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import { runBatch } from "../../../db/batch";
import type { Db } from "../../../db/client";
import {
  claimOfHash,
  claimStatement,
  isUniqueViolation,
  judgeReceipt,
  readChainFacts,
  releaseClaimStatement,
  type Verdict,
} from "../../chain";
import { walletOf } from "../../lifecycle";
import type { ArenaChain } from "../arena.config";
import { arenaEventStatement } from "../arena-events.service";
import { HOUSE, move, userBook } from "./arena-books.model";
import { transferStatements, whenTransferExists } from "./arena-ledger.storage";
import { arenaDeposits, type DepositRow } from "./balance.tables";

export type ChainUseFailure = { kind: "not_configured" } | { kind: "wallet_required" } | { kind: "unavailable"; message: string };

export const depositTransferId = (depositId: string) => `deposit:${depositId}`;

/** Base units of USDC (6 decimals) as integer micro-USD; undefined when beyond a safe integer. */
export function usdcToMicroUsd(amount: bigint): number | undefined {
  return amount <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(amount) : undefined;
}

async function findDeposit(db: Db, id: string): Promise<DepositRow | undefined> {
  const [row] = await db.select().from(arenaDeposits).where(eq(arenaDeposits.id, id));
  return row;
}

async function recordRejected(db: Db, row: DepositRow): Promise<DepositRow> {
  await runBatch(db, [
    db.insert(arenaDeposits).values(row),
    arenaEventStatement(db, {
      id: `ev:deposit:${row.id}:submit`,
      subjectKind: "deposit",
      subjectId: row.id,
      toState: "rejected",
      event: "submit",
      actor: row.userId,
      reason: row.reason,
      atMs: row.submittedAtMs,
    }),
  ]);
  return row;
}

/** The credit of a verified deposit: its transfer (conditional on `when`) and the audit row. */
function creditStatements(db: Db, row: DepositRow, amount: number, nowMs: number, actor: string, fromState: string | null) {
  const transferId = depositTransferId(row.id);
  return [
    ...transferStatements(
      db,
      move({ transferId, code: "deposit", t: nowMs, refId: row.id, from: HOUSE.chainIn, to: userBook(row.userId), amountMicroUsd: amount }),
      undefined,
      sql`EXISTS (SELECT 1 FROM arena_deposits WHERE id = ${row.id} AND status = 'pending')`,
    ),
    db
      .update(arenaDeposits)
      .set({ status: "credited", reason: null, amountMicroUsd: amount, checkedAtMs: nowMs, creditedAtMs: nowMs })
      .where(and(eq(arenaDeposits.id, row.id), eq(arenaDeposits.status, "pending"), whenTransferExists(transferId))),
    arenaEventStatement(
      db,
      {
        id: `ev:${transferId}`,
        subjectKind: "deposit",
        subjectId: row.id,
        fromState,
        toState: "credited",
        event: "credit",
        actor,
        details: { amountMicroUsd: amount, txHash: row.txHash },
        atMs: nowMs,
      },
      whenTransferExists(transferId),
    ),
  ];
}

export async function submitDeposit(
  db: Db,
  deps: AppDeps,
  chain: ArenaChain | undefined,
  userId: string,
  txHash: `0x${string}`,
): Promise<Result<DepositRow, ChainUseFailure>> {
  if (!chain) return err({ kind: "not_configured" });
  const wallet = await walletOf(db, userId);
  if (!wallet) return err({ kind: "wallet_required" });
  const nowMs = deps.clock.nowMs();
  const base = {
    userId,
    txHash,
    chainId: chain.chainId,
    walletAddress: wallet.address,
    submittedAtMs: nowMs,
    checkedAtMs: nowMs,
    creditedAtMs: null,
  };
  const rejected = (reason: string, amountMicroUsd: number | null = null): DepositRow => ({
    ...base,
    id: deps.ids.next("dep"),
    status: "rejected",
    reason,
    amountMicroUsd,
  });

  const claim = await claimOfHash(db, txHash);
  if (claim) {
    // The same user re-submitting their own deposit gets it back (idempotent); anything else is already used.
    if (claim.purpose === "deposit" && claim.userId === userId) {
      const mine = await findDeposit(db, claim.refId);
      if (mine) return ok(mine);
    }
    return ok(await recordRejected(db, rejected("already_used")));
  }

  const facts = await readChainFacts(chain, txHash);
  if (!facts.ok) return err({ kind: "unavailable", message: facts.error.message });
  const verdict: Verdict = judgeReceipt(facts.value.receipt, facts.value.headBlock, { ...chain, wallet: wallet.address, amount: 1n });
  if (verdict.status === "rejected") return ok(await recordRejected(db, rejected(verdict.reason)));
  const amount = usdcToMicroUsd(verdict.amount);
  if (amount === undefined) return ok(await recordRejected(db, rejected("amount_too_large")));

  const row: DepositRow = { ...base, id: deps.ids.next("dep"), status: "pending", reason: "not_confirmed", amountMicroUsd: amount };
  try {
    await runBatch(db, [
      claimStatement(db, { txHash, chainId: chain.chainId, purpose: "deposit", refId: row.id, userId, claimedAtMs: nowMs }),
      db.insert(arenaDeposits).values(row),
      arenaEventStatement(db, {
        id: `ev:deposit:${row.id}:submit`,
        subjectKind: "deposit",
        subjectId: row.id,
        toState: "pending",
        event: "submit",
        actor: userId,
        reason: "not_confirmed",
        details: { amountMicroUsd: amount, txHash },
        atMs: nowMs,
      }),
      ...(verdict.status === "verified" ? creditStatements(db, row, amount, nowMs, userId, "pending") : []),
    ]);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return ok(await recordRejected(db, rejected("already_used")));
  }
  return ok((await findDeposit(db, row.id)) ?? row);
}

/**
 * Re-checks one pending deposit (reconciliation): confirmed -> credited; the chain now refuses it (a
 * reorg dropped it) -> rejected and its claim dropped; still unconfirmed -> only `checked_at_ms` moves.
 */
export async function recheckDeposit(db: Db, chain: ArenaChain, row: DepositRow, nowMs: number, actor: string) {
  const facts = await readChainFacts(chain, row.txHash as `0x${string}`);
  if (!facts.ok) return "unavailable" as const;
  const verdict = judgeReceipt(facts.value.receipt, facts.value.headBlock, { ...chain, wallet: row.walletAddress ?? "", amount: 1n });
  const amount = verdict.amount === undefined ? undefined : usdcToMicroUsd(verdict.amount);
  const stillPending = sql`EXISTS (SELECT 1 FROM arena_deposits WHERE id = ${row.id} AND status = 'pending')`;
  if (verdict.status === "verified" && amount !== undefined) {
    await runBatch(db, creditStatements(db, row, amount, nowMs, actor, "pending"));
    return "credited" as const;
  }
  if (verdict.status === "pending") {
    await db
      .update(arenaDeposits)
      .set({ checkedAtMs: nowMs })
      .where(and(eq(arenaDeposits.id, row.id), eq(arenaDeposits.status, "pending")));
    return "pending" as const;
  }
  const reason = verdict.status === "rejected" ? verdict.reason : "amount_too_large";
  await runBatch(db, [
    arenaEventStatement(
      db,
      {
        id: `ev:deposit:${row.id}:reject`,
        subjectKind: "deposit",
        subjectId: row.id,
        fromState: "pending",
        toState: "rejected",
        event: "reject",
        actor,
        reason,
        atMs: nowMs,
      },
      stillPending,
    ),
    releaseClaimStatement(db, row.txHash, row.id, stillPending),
    db
      .update(arenaDeposits)
      .set({ status: "rejected", reason, checkedAtMs: nowMs })
      .where(and(eq(arenaDeposits.id, row.id), eq(arenaDeposits.status, "pending"))),
  ]);
  return "rejected" as const;
}

export async function pendingDeposits(db: Db, limit: number): Promise<DepositRow[]> {
  return db
    .select()
    .from(arenaDeposits)
    .where(eq(arenaDeposits.status, "pending"))
    .orderBy(arenaDeposits.checkedAtMs, arenaDeposits.id)
    .limit(limit);
}

export async function depositsOf(db: Db, userId: string, limit = 50): Promise<DepositRow[]> {
  return db
    .select()
    .from(arenaDeposits)
    .where(eq(arenaDeposits.userId, userId))
    .orderBy(desc(arenaDeposits.submittedAtMs), desc(arenaDeposits.id))
    .limit(limit);
}
