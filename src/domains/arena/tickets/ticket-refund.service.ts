/**
 * Full refunds of confirmed tickets (a scratched entrant, a cancelled race): every confirmed ticket of
 * the race (or of one entrant) gets its whole amount back, pool -> the buyer's book, code
 * `ticket_refund`, transfer id `refund:<ticketId>`; the ticket moves confirmed -> refunded with
 * `closed_reason = reason`, and an audit row. No rake is taken.
 *
 * Idempotent and crash-safe: the transfer id is per ticket (a retry inserts nothing), the ticket update
 * is conditional on the ticket still being confirmed and its refund transfer existing, and the audit
 * row has a deterministic id. Returns statements for the caller's one D1 batch (empty: nothing to do).
 * Caller: the race lifecycle (engineer B: scratching and cancellation).
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../../db/client";
import { arenaEventStatement } from "../arena-events.service";
import { poolBook, userBook } from "../balances/arena-books.model";
import { transferStatements, whenTransferExists } from "../balances/arena-ledger.storage";
import { arenaTickets } from "./ticket.tables";

export interface RefundRequest {
  raceId: string;
  /** Only this entrant's tickets (scratching); absent = the whole race (cancellation). */
  entrantId?: string;
  /** Stored as the tickets' `closed_reason` and in the audit rows (e.g. `scratched`, `cancelled`). */
  reason: string;
  /** Who caused it: `worker:<job>`, `admin:<id>`. */
  actor: string;
  nowMs: number;
}

export const refundTransferId = (ticketId: string): string => `refund:${ticketId}`;

export async function refundTicketsStatements(db: Db, req: RefundRequest): Promise<BatchItem<"sqlite">[]> {
  const where = [eq(arenaTickets.raceId, req.raceId), eq(arenaTickets.status, "confirmed")];
  if (req.entrantId !== undefined) where.push(eq(arenaTickets.entrantId, req.entrantId));
  const tickets = await db
    .select()
    .from(arenaTickets)
    .where(and(...where));
  const statements: BatchItem<"sqlite">[] = [];
  for (const t of tickets) {
    const transferId = refundTransferId(t.id);
    const stillConfirmed = sql`EXISTS (SELECT 1 FROM arena_tickets WHERE id = ${t.id} AND status = 'confirmed')`;
    statements.push(
      arenaEventStatement(
        db,
        {
          id: `ev:${transferId}`,
          subjectKind: "ticket",
          subjectId: t.id,
          fromState: "confirmed",
          toState: "refunded",
          event: "refund",
          actor: req.actor,
          reason: req.reason,
          details: { raceId: t.raceId, entrantId: t.entrantId, amountMicroUsd: t.amountMicroUsd },
          atMs: req.nowMs,
        },
        stillConfirmed,
      ),
      ...transferStatements(db, {
        transferId,
        code: "ticket_refund",
        t: req.nowMs,
        refId: t.id,
        raceId: t.raceId,
        memo: req.reason,
        postings: [
          { book: poolBook(t.raceId), amountMicroUsd: -t.amountMicroUsd },
          { book: userBook(t.userId), amountMicroUsd: t.amountMicroUsd },
        ],
      }),
      db
        .update(arenaTickets)
        .set({ status: "refunded", closedReason: req.reason, closedAtMs: req.nowMs, updatedAtMs: req.nowMs })
        .where(and(eq(arenaTickets.id, t.id), eq(arenaTickets.status, "confirmed"), whenTransferExists(transferId))),
    );
  }
  return statements;
}
