/**
 * Buying tickets (`POST /races/{raceId}/tickets`) and reading one's own.
 *
 * Every rule is checked inside the one D1 batch that writes, so concurrency cannot break it: the race
 * is accumulating (and its window still open), the entrant is in it and not scratched, the user's
 * confirmed + pending stake on the race plus this amount stays within the race's cap, and, paid from
 * balance, the user's book holds the amount (guarded transfer user -> pool, the ticket inserted only
 * when that transfer exists: confirmed at once, no overdraft). Paid by `txHash`: the payment is
 * judged on chain first (at least the amount, from the user's wallet to the treasury); the ticket is
 * inserted with the hash's chain claim (a held claim fails the batch: 409 tx_already_used); verified
 * already -> confirmed with chain_in -> pool (the excess, if any, credited to the buyer's balance);
 * not yet confirmed or not yet seen -> `pending`, settled later by the reconciliation job (a payment
 * the chain refuses outright, e.g. from another wallet, is 422 payment_rejected and writes nothing).
 *
 * `Idempotency-Key` (required): `(user, key)` is unique, so the same key answers the same ticket (the
 * loser of a concurrent race rolls back whole and reads the winner's); a different body under a used
 * key is refused (422 idempotency_key_reused). Callers: ticket routes; reconciliation (confirm/refund).
 */
import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import { runBatch } from "../../../db/batch";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import { claimStatement, isUniqueViolation, judgeReceipt, readChainFacts } from "../../chain";
import { walletOf } from "../../lifecycle";
import type { ArenaChain } from "../arena.config";
import { arenaEventStatement } from "../arena-events.service";
import { HOUSE, move, poolBook, userBook } from "../balances/arena-books.model";
import { transferStatements, whenTransferExists } from "../balances/arena-ledger.storage";
import { usdcToMicroUsd } from "../balances/deposit.service";
import { arenaEntrants, arenaRaces, type RaceRow } from "../races/race.tables";
import { arenaTickets, type TicketRow } from "./ticket.tables";

export type PayWith = "balance" | { txHash: `0x${string}` };

export interface TicketRequest {
  raceId: string;
  entrantId: string;
  amountMicroUsd: number;
  payWith: PayWith;
}

export type TicketFailure =
  | { kind: "race_not_found" }
  | { kind: "race_not_accumulating"; status: string }
  | { kind: "entrant_unavailable" }
  | { kind: "below_min_ticket"; minTicketMicroUsd: number }
  | { kind: "ticket_limit"; maxUserStakeMicroUsd: number; stakedMicroUsd: number }
  | { kind: "insufficient_balance" }
  | { kind: "idempotency_key_reused"; ticketId: string }
  | { kind: "tx_already_used" }
  | { kind: "payment_rejected"; reason: string }
  | { kind: "wallet_required" }
  | { kind: "not_configured" }
  | { kind: "unavailable"; message: string };

export const ticketTransferId = (ticketId: string) => `ticket:${ticketId}`;

/** SHA-256 (hex) of the canonical request: the same key with another body is told apart by it. */
export async function requestHash(req: TicketRequest): Promise<string> {
  const canonical = JSON.stringify([
    req.raceId,
    req.entrantId,
    req.amountMicroUsd,
    req.payWith === "balance" ? "balance" : req.payWith.txHash.toLowerCase(),
  ]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function byKey(db: Db, userId: string, key: string): Promise<TicketRow | undefined> {
  const [row] = await db
    .select()
    .from(arenaTickets)
    .where(and(eq(arenaTickets.userId, userId), eq(arenaTickets.idempotencyKey, key)));
  return row;
}

export async function findTicket(db: Db, id: string): Promise<TicketRow | undefined> {
  const [row] = await db.select().from(arenaTickets).where(eq(arenaTickets.id, id));
  return row;
}

async function stakeOf(db: Db, raceId: string, userId: string): Promise<number> {
  const row = await db.get<{ s: number }>(
    sql`SELECT COALESCE(SUM(amount_micro_usd), 0) AS s FROM arena_tickets WHERE race_id = ${raceId} AND user_id = ${userId} AND status IN ('pending', 'confirmed')`,
  );
  return row?.s ?? 0;
}

/** The purchase rules as one SQL condition (evaluated inside the writing batch). */
function rulesHold(race: RaceRow, entrantId: string, userId: string, amount: number, nowMs: number): SQL {
  return sql`EXISTS (SELECT 1 FROM arena_races WHERE id = ${race.id} AND status = 'accumulating' AND closes_at_ms > ${nowMs})
    AND EXISTS (SELECT 1 FROM arena_entrants WHERE id = ${entrantId} AND race_id = ${race.id} AND status = 'entered')
    AND (SELECT COALESCE(SUM(amount_micro_usd), 0) FROM arena_tickets
         WHERE race_id = ${race.id} AND user_id = ${userId} AND status IN ('pending', 'confirmed')) + ${amount} <= ${race.maxUserStakeMicroUsd}`;
}

/** Why a purchase that did not happen was refused (read after the batch). */
async function whyRefused(db: Db, race: RaceRow, req: TicketRequest, userId: string, nowMs: number): Promise<TicketFailure> {
  const [fresh] = await db.select().from(arenaRaces).where(eq(arenaRaces.id, race.id));
  if (fresh?.status !== "accumulating" || fresh.closesAtMs <= nowMs)
    return { kind: "race_not_accumulating", status: fresh?.status ?? "unknown" };
  const [entrant] = await db
    .select()
    .from(arenaEntrants)
    .where(and(eq(arenaEntrants.id, req.entrantId), eq(arenaEntrants.raceId, race.id)));
  if (entrant?.status !== "entered") return { kind: "entrant_unavailable" };
  const staked = await stakeOf(db, race.id, userId);
  if (staked + req.amountMicroUsd > race.maxUserStakeMicroUsd) {
    return { kind: "ticket_limit", maxUserStakeMicroUsd: race.maxUserStakeMicroUsd, stakedMicroUsd: staked };
  }
  return { kind: "insufficient_balance" };
}

function insertTicket(db: Db, row: TicketRow, when: SQL) {
  return rawStatement(
    db,
    sql`INSERT INTO arena_tickets (id, race_id, entrant_id, user_id, amount_micro_usd, status, pay_with, tx_hash, idempotency_key, request_hash,
          purchased_at_ms, confirmed_at_ms, closed_reason, closed_at_ms, checked_at_ms, created_at_ms, updated_at_ms)
        SELECT ${row.id}, ${row.raceId}, ${row.entrantId}, ${row.userId}, ${row.amountMicroUsd}, ${row.status}, ${row.payWith}, ${row.txHash},
          ${row.idempotencyKey}, ${row.requestHash}, ${row.purchasedAtMs}, ${row.confirmedAtMs}, NULL, NULL, ${row.checkedAtMs}, ${row.createdAtMs}, ${row.updatedAtMs}
        WHERE ${when}`,
  );
}

/** A verified tx payment of a ticket: chain_in -> pool (the ticket amount) and chain_in -> buyer (any excess). */
export function txPaymentStatements(db: Db, t: TicketRow, paidMicroUsd: number, nowMs: number, when: SQL): BatchItem<"sqlite">[] {
  const excess = paidMicroUsd - t.amountMicroUsd;
  return [
    ...transferStatements(
      db,
      move({
        transferId: ticketTransferId(t.id),
        code: "ticket",
        t: nowMs,
        refId: t.id,
        raceId: t.raceId,
        from: HOUSE.chainIn,
        to: poolBook(t.raceId),
        amountMicroUsd: t.amountMicroUsd,
      }),
      undefined,
      when,
    ),
    ...(excess > 0
      ? transferStatements(
          db,
          move({
            transferId: `${ticketTransferId(t.id)}:excess`,
            code: "deposit",
            t: nowMs,
            refId: t.id,
            from: HOUSE.chainIn,
            to: userBook(t.userId),
            amountMicroUsd: excess,
          }),
          undefined,
          whenTransferExists(ticketTransferId(t.id)),
        )
      : []),
  ];
}

export async function buyTicket(
  db: Db,
  deps: AppDeps,
  chain: ArenaChain | undefined,
  userId: string,
  idempotencyKey: string,
  req: TicketRequest,
): Promise<Result<TicketRow, TicketFailure>> {
  const hash = await requestHash(req);
  const sameKey = (existing: TicketRow): Result<TicketRow, TicketFailure> =>
    existing.requestHash === hash ? ok(existing) : err({ kind: "idempotency_key_reused", ticketId: existing.id });
  const existing = await byKey(db, userId, idempotencyKey);
  if (existing) return sameKey(existing);

  const [race] = await db.select().from(arenaRaces).where(eq(arenaRaces.id, req.raceId));
  if (!race) return err({ kind: "race_not_found" });
  const nowMs = deps.clock.nowMs();
  if (race.status !== "accumulating" || nowMs >= race.closesAtMs) return err({ kind: "race_not_accumulating", status: race.status });
  const [entrant] = await db
    .select()
    .from(arenaEntrants)
    .where(and(eq(arenaEntrants.id, req.entrantId), eq(arenaEntrants.raceId, race.id)));
  if (entrant?.status !== "entered") return err({ kind: "entrant_unavailable" });
  if (req.amountMicroUsd < race.minTicketMicroUsd) return err({ kind: "below_min_ticket", minTicketMicroUsd: race.minTicketMicroUsd });

  const id = deps.ids.next("tkt");
  const base: TicketRow = {
    id,
    raceId: race.id,
    entrantId: req.entrantId,
    userId,
    amountMicroUsd: req.amountMicroUsd,
    status: "confirmed",
    payWith: "balance",
    txHash: null,
    idempotencyKey,
    requestHash: hash,
    purchasedAtMs: nowMs,
    confirmedAtMs: nowMs,
    closedReason: null,
    closedAtMs: null,
    checkedAtMs: nowMs,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  const rules = rulesHold(race, req.entrantId, userId, req.amountMicroUsd, nowMs);
  const inserted = sql`EXISTS (SELECT 1 FROM arena_tickets WHERE id = ${id})`;
  let statements: BatchItem<"sqlite">[];
  let row = base;
  if (req.payWith === "balance") {
    const transferId = ticketTransferId(id);
    statements = [
      ...transferStatements(
        db,
        move({
          transferId,
          code: "ticket",
          t: nowMs,
          refId: id,
          raceId: race.id,
          from: userBook(userId),
          to: poolBook(race.id),
          amountMicroUsd: req.amountMicroUsd,
        }),
        { book: userBook(userId), amountMicroUsd: req.amountMicroUsd },
        rules,
      ),
      insertTicket(db, row, whenTransferExists(transferId)),
    ];
  } else {
    if (!chain) return err({ kind: "not_configured" });
    const wallet = await walletOf(db, userId);
    if (!wallet) return err({ kind: "wallet_required" });
    const txHash = req.payWith.txHash.toLowerCase() as `0x${string}`;
    const facts = await readChainFacts(chain, txHash);
    if (!facts.ok) return err({ kind: "unavailable", message: facts.error.message });
    const verdict = judgeReceipt(facts.value.receipt, facts.value.headBlock, {
      ...chain,
      wallet: wallet.address,
      amount: BigInt(req.amountMicroUsd),
    });
    // Not seen yet (just broadcast) is pending like not-yet-confirmed: reconciliation expires it after the TTL.
    if (verdict.status === "rejected" && verdict.reason !== "tx_not_found")
      return err({ kind: "payment_rejected", reason: verdict.reason });
    const paid = verdict.status === "rejected" ? req.amountMicroUsd : usdcToMicroUsd(verdict.amount);
    if (paid === undefined) return err({ kind: "payment_rejected", reason: "amount_too_large" });
    const verified = verdict.status === "verified";
    row = { ...base, payWith: "tx", txHash, status: verified ? "confirmed" : "pending", confirmedAtMs: verified ? nowMs : null };
    statements = [
      insertTicket(db, row, rules),
      claimStatement(db, { txHash, chainId: chain.chainId, purpose: "ticket", refId: id, userId, claimedAtMs: nowMs }, inserted),
      ...(verified ? txPaymentStatements(db, row, paid, nowMs, inserted) : []),
    ];
  }
  statements.push(
    arenaEventStatement(
      db,
      {
        id: `ev:ticket:${id}:buy`,
        subjectKind: "ticket",
        subjectId: id,
        toState: row.status,
        event: "buy",
        actor: userId,
        details: {
          raceId: race.id,
          entrantId: req.entrantId,
          amountMicroUsd: req.amountMicroUsd,
          payWith: row.payWith,
          txHash: row.txHash,
        },
        atMs: nowMs,
      },
      inserted,
    ),
  );
  try {
    await runBatch(db, statements);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const winner = await byKey(db, userId, idempotencyKey);
    if (winner) return sameKey(winner);
    return err({ kind: "tx_already_used" });
  }
  const stored = await findTicket(db, id);
  return stored ? ok(stored) : err(await whyRefused(db, race, req, userId, nowMs));
}

export async function ticketsOf(db: Db, userId: string, opts: { raceId?: string | undefined; limit: number }): Promise<TicketRow[]> {
  return db
    .select()
    .from(arenaTickets)
    .where(and(eq(arenaTickets.userId, userId), opts.raceId ? eq(arenaTickets.raceId, opts.raceId) : undefined))
    .orderBy(desc(arenaTickets.createdAtMs), desc(arenaTickets.id))
    .limit(opts.limit);
}
