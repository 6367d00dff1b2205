/**
 * STAND-IN for engineer A's `tickets/ticket-refund.service.ts` (same name and signature, issue 19 brief):
 * batch statements refunding every confirmed ticket of a race (or of one entrant) in full: pool -> the
 * buyer's book (code ticket_refund, transfer id `refund:<ticketId>`), ticket -> refunded, one audit row
 * each. Set-based SQL over the rows, so it is idempotent (a refunded ticket is no longer confirmed; the
 * transfer id is the key) and needs no read first. Replace the import with A's module after merging
 * w3-arena-core, then delete this file.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";

export interface RefundTicketsInput {
  raceId: string;
  entrantId?: string;
  reason: string;
  actor: string;
  nowMs: number;
}

export function refundTicketsStatements(db: Db, input: RefundTicketsInput) {
  const which: SQL = input.entrantId
    ? sql`t.race_id = ${input.raceId} AND t.entrant_id = ${input.entrantId} AND t.status = 'confirmed'`
    : sql`t.race_id = ${input.raceId} AND t.status = 'confirmed'`;
  const pool = `race:${input.raceId}:pool`;
  return [
    rawStatement(
      db,
      sql`INSERT OR IGNORE INTO arena_ledger_transfers (transfer_id, code, t_ms, ref_id, race_id, reverses, memo)
          SELECT 'refund:' || t.id, 'ticket_refund', ${input.nowMs}, t.id, t.race_id, NULL, ${input.reason} FROM arena_tickets t WHERE ${which}`,
    ),
    rawStatement(
      db,
      sql`INSERT OR IGNORE INTO arena_ledger_postings (transfer_id, book, amount_micro_usd, t_ms)
          SELECT 'refund:' || t.id, 'user:' || t.user_id, t.amount_micro_usd, ${input.nowMs} FROM arena_tickets t WHERE ${which}`,
    ),
    rawStatement(
      db,
      sql`INSERT OR IGNORE INTO arena_ledger_postings (transfer_id, book, amount_micro_usd, t_ms)
          SELECT 'refund:' || t.id, ${pool}, -t.amount_micro_usd, ${input.nowMs} FROM arena_tickets t WHERE ${which}`,
    ),
    rawStatement(
      db,
      sql`INSERT OR IGNORE INTO arena_events (id, subject_kind, subject_id, from_state, to_state, event, actor, reason, details_json, at_ms)
          SELECT 'aev:refund:' || t.id, 'ticket', t.id, 'confirmed', 'refunded', 'refund', ${input.actor}, ${input.reason}, NULL, ${input.nowMs}
          FROM arena_tickets t WHERE ${which}`,
    ),
    rawStatement(
      db,
      sql`UPDATE arena_tickets AS t SET status = 'refunded', closed_reason = ${input.reason}, closed_at_ms = ${input.nowMs}, updated_at_ms = ${input.nowMs}
          WHERE ${which}`,
    ),
  ];
}
