/**
 * The Arena reconciliation worker (`arena.reconcile`):
 * (a) pending money: each pending ticket payment is judged on chain again: verified before the close of
 *     accumulation (race still accumulating) -> confirmed (chain_in -> pool); verified at or after it ->
 *     refunded late (chain_in -> the buyer's book, the whole amount paid); unseen (tx_not_found) after
 *     ARENA_PENDING_TTL_MINUTES or refused by the chain (wrong sender, failed, ...) -> expired and its
 *     chain claim dropped (no money moved, so the hash stays claimable, e.g. as a deposit). Pending
 *     deposits are re-checked the same way (balances/deposit.service.ts).
 * (b) proofs: the whole arena ledger sums to zero, every transfer sums to zero and has postings, no user
 *     book is negative, and every completed settlement conserves
 *       R + sum(royalties) + sum(payouts) + sum(refunds) + carryOut = Pt + K
 *     from arena_settlements / arena_payouts / arena_royalties, with Pt equal to what confirmed tickets
 *     put in the race's pool on the ledger (code `ticket` in, minus `ticket_refund` out: independent of
 *     the tickets' later statuses) and the race's pool book exactly 0.
 * (c) settlement artifacts: a complete settlement whose document is missing from the artifact store
 *     (a crash after the D1 settlement, or a lost blob) gets it rebuilt from D1 and written
 *     (settlement-artifact.service; unset keys first, then the newest, at most `limit`). One report row per run; the job fails (so the workers
 *     health shows it) when anything mismatches. Every write is conditional on the row still being
 *     pending, with per-ticket transfer ids, so overlapping runs move money once.
 */
import { and, asc, desc, eq, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { runBatch } from "../../../db/batch";
import type { Db } from "../../../db/client";
import type { ArtifactStore } from "../../artifacts";
import { judgeReceipt, readChainFacts, releaseClaimStatement } from "../../chain";
import { walletOf } from "../../lifecycle";
import type { ArenaChain } from "../arena.config";
import { arenaEventStatement } from "../arena-events.service";
import { HOUSE, move, poolBook, userBook } from "../balances/arena-books.model";
import { transferExists, transferStatements, whenTransferExists } from "../balances/arena-ledger.storage";
import { pendingDeposits, recheckDeposit, usdcToMicroUsd } from "../balances/deposit.service";
import { arenaRaces } from "../races/race.tables";
import { repairSettlementArtifacts } from "../settlement/settlement-artifact.service";
import { eventForVerifiedPayment, isPendingExpired } from "../tickets/ticket.model";
import { ticketTransferId, txPaymentStatements } from "../tickets/ticket.service";
import { arenaTickets, type TicketRow } from "../tickets/ticket.tables";
import { arenaReconciliationReports, type ReconciliationReportRow } from "./reconciliation.tables";

export interface PendingCounts {
  checked: number;
  confirmed: number;
  refundedLate: number;
  expired: number;
  stillPending: number;
  unavailable: number;
  depositsChecked: number;
  depositsCredited: number;
  depositsRejected: number;
}

const stillPendingSql = (ticketId: string) => sql`EXISTS (SELECT 1 FROM arena_tickets WHERE id = ${ticketId} AND status = 'pending')`;

function closeStatements(
  db: Db,
  t: TicketRow,
  to: "refunded" | "expired",
  reason: string,
  nowMs: number,
  actor: string,
  when: ReturnType<typeof sql>,
) {
  return [
    arenaEventStatement(
      db,
      {
        id: `ev:ticket:${t.id}:${to}`,
        subjectKind: "ticket",
        subjectId: t.id,
        fromState: "pending",
        toState: to,
        event: to === "expired" ? "expire" : "refund",
        actor,
        reason,
        atMs: nowMs,
      },
      when,
    ),
    db
      .update(arenaTickets)
      .set({ status: to, closedReason: reason, closedAtMs: nowMs, checkedAtMs: nowMs, updatedAtMs: nowMs })
      .where(and(eq(arenaTickets.id, t.id), eq(arenaTickets.status, "pending"), when)),
  ];
}

async function recheckTicket(db: Db, chain: ArenaChain, t: TicketRow, ttlMs: number, nowMs: number, actor: string, counts: PendingCounts) {
  const [race] = await db.select().from(arenaRaces).where(eq(arenaRaces.id, t.raceId));
  const wallet = await walletOf(db, t.userId);
  const facts = await readChainFacts(chain, (t.txHash ?? "") as `0x${string}`);
  if (!facts.ok || !race) {
    counts.unavailable += 1;
    return;
  }
  const verdict = judgeReceipt(facts.value.receipt, facts.value.headBlock, {
    ...chain,
    wallet: wallet?.address ?? "",
    amount: BigInt(t.amountMicroUsd),
  });
  const pending = stillPendingSql(t.id);
  const paid = verdict.amount === undefined ? undefined : usdcToMicroUsd(verdict.amount);
  if (verdict.status === "verified" && paid !== undefined) {
    const event = race.status === "accumulating" ? eventForVerifiedPayment(nowMs, race.closesAtMs) : "refund";
    if (event === "confirm") {
      const open = sql`${pending} AND EXISTS (SELECT 1 FROM arena_races WHERE id = ${race.id} AND status = 'accumulating' AND closes_at_ms > ${nowMs})`;
      const transferId = ticketTransferId(t.id);
      await runBatch(db, [
        ...txPaymentStatements(db, t, paid, nowMs, open),
        arenaEventStatement(
          db,
          {
            id: `ev:ticket:${t.id}:confirmed`,
            subjectKind: "ticket",
            subjectId: t.id,
            fromState: "pending",
            toState: "confirmed",
            event: "confirm",
            actor,
            atMs: nowMs,
          },
          sql`${pending} AND ${whenTransferExists(transferId)}`,
        ),
        db
          .update(arenaTickets)
          .set({ status: "confirmed", confirmedAtMs: nowMs, checkedAtMs: nowMs, updatedAtMs: nowMs })
          .where(and(eq(arenaTickets.id, t.id), eq(arenaTickets.status, "pending"), whenTransferExists(transferId))),
      ]);
      // The race may have launched since it was read: then nothing moved, and the next run refunds it (late).
      if (await transferExists(db, transferId)) counts.confirmed += 1;
      else counts.stillPending += 1;
      return;
    }
    const transferId = `${ticketTransferId(t.id)}:late`;
    await runBatch(db, [
      ...transferStatements(
        db,
        move({
          transferId,
          code: "ticket_refund",
          t: nowMs,
          refId: t.id,
          raceId: t.raceId,
          from: HOUSE.chainIn,
          to: userBook(t.userId),
          amountMicroUsd: paid,
          memo: "late_payment",
        }),
        undefined,
        pending,
      ),
      ...closeStatements(db, t, "refunded", "late_payment", nowMs, actor, whenTransferExists(transferId)),
    ]);
    counts.refundedLate += 1;
    return;
  }
  const unseen = verdict.status === "rejected" && verdict.reason === "tx_not_found";
  const refused = verdict.status === "rejected" && !unseen;
  if (refused || (unseen && isPendingExpired(t.createdAtMs, nowMs, ttlMs))) {
    const reason = refused ? verdict.reason : "pending_ttl";
    await runBatch(db, [
      releaseClaimStatement(db, t.txHash ?? "", t.id, pending),
      ...closeStatements(db, t, "expired", reason, nowMs, actor, pending),
    ]);
    counts.expired += 1;
    return;
  }
  await db
    .update(arenaTickets)
    .set({ checkedAtMs: nowMs })
    .where(and(eq(arenaTickets.id, t.id), eq(arenaTickets.status, "pending")));
  counts.stillPending += 1;
}

/** Part (a): pending ticket payments and pending deposits, oldest check first, at most `limit` of each. */
export async function reconcilePending(db: Db, deps: AppDeps, chain: ArenaChain | undefined, ttlMs: number, actor: string, limit: number) {
  const counts: PendingCounts = {
    checked: 0,
    confirmed: 0,
    refundedLate: 0,
    expired: 0,
    stillPending: 0,
    unavailable: 0,
    depositsChecked: 0,
    depositsCredited: 0,
    depositsRejected: 0,
  };
  if (!chain) return counts;
  const pending = await db
    .select()
    .from(arenaTickets)
    .where(eq(arenaTickets.status, "pending"))
    .orderBy(asc(arenaTickets.checkedAtMs), asc(arenaTickets.id))
    .limit(limit);
  for (const t of pending) {
    counts.checked += 1;
    await recheckTicket(db, chain, t, ttlMs, deps.clock.nowMs(), actor, counts);
  }
  for (const d of await pendingDeposits(db, limit)) {
    counts.depositsChecked += 1;
    const outcome = await recheckDeposit(db, chain, d, deps.clock.nowMs(), actor);
    if (outcome === "credited") counts.depositsCredited += 1;
    if (outcome === "rejected") counts.depositsRejected += 1;
    if (outcome === "unavailable") counts.unavailable += 1;
  }
  return counts;
}

export interface Mismatch {
  check: string;
  subject: string;
  expected: string;
  actual: string;
}

/** Part (b): the proofs. Returns what was checked and every mismatch. */
export async function proveArena(db: Db): Promise<{ checks: Record<string, number | string>; mismatches: Mismatch[] }> {
  const mismatches: Mismatch[] = [];
  const total = await db.get<{ s: number; n: number }>(
    sql`SELECT COALESCE(SUM(amount_micro_usd), 0) AS s, COUNT(*) AS n FROM arena_ledger_postings`,
  );
  if ((total?.s ?? 0) !== 0)
    mismatches.push({ check: "ledger_sums_to_zero", subject: "arena_ledger", expected: "0", actual: String(total?.s) });
  const unbalanced = await db.all<{ id: string; s: number }>(
    sql`SELECT transfer_id AS id, SUM(amount_micro_usd) AS s FROM arena_ledger_postings GROUP BY transfer_id HAVING SUM(amount_micro_usd) != 0 LIMIT 50`,
  );
  for (const u of unbalanced) mismatches.push({ check: "transfer_sums_to_zero", subject: u.id, expected: "0", actual: String(u.s) });
  const empty = await db.all<{ id: string }>(
    sql`SELECT t.transfer_id AS id FROM arena_ledger_transfers t WHERE NOT EXISTS (SELECT 1 FROM arena_ledger_postings p WHERE p.transfer_id = t.transfer_id) LIMIT 50`,
  );
  for (const e of empty) mismatches.push({ check: "transfer_has_postings", subject: e.id, expected: ">= 2 postings", actual: "0" });
  const negative = await db.all<{ book: string; s: number }>(
    sql`SELECT book, SUM(amount_micro_usd) AS s FROM arena_ledger_postings WHERE book LIKE 'user:%' GROUP BY book HAVING SUM(amount_micro_usd) < 0 LIMIT 50`,
  );
  for (const n of negative) mismatches.push({ check: "user_book_not_negative", subject: n.book, expected: ">= 0", actual: String(n.s) });
  const transfers = await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM arena_ledger_transfers`);

  const settlements = await db.all<{
    raceId: string;
    pool: number;
    rake: number;
    carryIn: number;
    carryOut: number;
    payouts: number;
    refunds: number;
    royalties: number;
    confirmed: number;
    poolBook: number;
  }>(
    sql`SELECT s.race_id AS raceId, s.pool_micro_usd AS pool, s.rake_micro_usd AS rake, s.carry_in_micro_usd AS carryIn,
          s.carry_out_micro_usd AS carryOut,
          (SELECT COALESCE(SUM(amount_micro_usd), 0) FROM arena_payouts p WHERE p.race_id = s.race_id AND p.kind = 'payout') AS payouts,
          (SELECT COALESCE(SUM(amount_micro_usd), 0) FROM arena_payouts p WHERE p.race_id = s.race_id AND p.kind = 'refund') AS refunds,
          (SELECT COALESCE(SUM(amount_micro_usd), 0) FROM arena_royalties r WHERE r.race_id = s.race_id) AS royalties,
          (SELECT COALESCE(SUM(l.amount_micro_usd), 0) FROM arena_ledger_postings l JOIN arena_ledger_transfers x ON x.transfer_id = l.transfer_id
            WHERE l.book = 'race:' || s.race_id || ':pool' AND x.code IN ('ticket', 'ticket_refund')) AS confirmed,
          (SELECT COALESCE(SUM(amount_micro_usd), 0) FROM arena_ledger_postings l WHERE l.book = 'race:' || s.race_id || ':pool') AS poolBook
        FROM arena_settlements s WHERE s.status = 'complete' ORDER BY s.race_id`,
  );
  for (const s of settlements) {
    const out = BigInt(s.rake) + BigInt(s.royalties) + BigInt(s.payouts) + BigInt(s.refunds) + BigInt(s.carryOut);
    const inn = BigInt(s.pool) + BigInt(s.carryIn);
    if (out !== inn)
      mismatches.push({ check: "settlement_conserves", subject: s.raceId, expected: inn.toString(), actual: out.toString() });
    if (s.confirmed !== s.pool)
      mismatches.push({
        check: "settlement_pool_matches_ledger",
        subject: s.raceId,
        expected: String(s.confirmed),
        actual: String(s.pool),
      });
    if (s.poolBook !== 0)
      mismatches.push({ check: "settled_pool_book_is_zero", subject: poolBook(s.raceId), expected: "0", actual: String(s.poolBook) });
  }
  return {
    checks: { postings: total?.n ?? 0, transfers: transfers?.n ?? 0, settlements: settlements.length, ledgerSumMicroUsd: total?.s ?? 0 },
    mismatches,
  };
}

/** One full run: (a), (b), (c), and the report row. */
export async function reconcileArena(
  db: Db,
  deps: AppDeps,
  chain: ArenaChain | undefined,
  ttlMs: number,
  actor: string,
  limit: number,
  artifacts?: ArtifactStore,
) {
  const pending = await reconcilePending(db, deps, chain, ttlMs, actor, limit);
  const settlementArtifacts = artifacts ? await repairSettlementArtifacts(db, artifacts, deps.clock.nowMs(), limit) : null;
  const proof = await proveArena(db);
  const report: ReconciliationReportRow = {
    id: deps.ids.next("recon"),
    runAtMs: deps.clock.nowMs(),
    ok: proof.mismatches.length === 0,
    checksJson: JSON.stringify({ ...proof.checks, pending, settlementArtifacts }),
    mismatchesJson: JSON.stringify(proof.mismatches),
  };
  await db.insert(arenaReconciliationReports).values(report);
  return { report, pending, settlementArtifacts, mismatches: proof.mismatches };
}

export interface ReportView {
  id: string;
  runAtMs: number;
  ok: boolean;
  checks: unknown;
  mismatches: Mismatch[];
}

const viewOf = (r: ReconciliationReportRow): ReportView => ({
  id: r.id,
  runAtMs: r.runAtMs,
  ok: r.ok,
  checks: JSON.parse(r.checksJson),
  mismatches: JSON.parse(r.mismatchesJson) as Mismatch[],
});

export async function recentReports(db: Db, limit: number): Promise<{ latest: ReportView | null; recent: ReportView[] }> {
  const rows = await db
    .select()
    .from(arenaReconciliationReports)
    .orderBy(desc(arenaReconciliationReports.runAtMs), desc(arenaReconciliationReports.id))
    .limit(limit);
  const recent = rows.map(viewOf);
  return { latest: recent[0] ?? null, recent };
}

/** The recent reports (for the admin page). */
export const reconciliationReportsOf = recentReports;
