/**
 * Tickets on an entrant of an accumulating race. `(user_id, idempotency_key)` is unique, so the same
 * `Idempotency-Key` always answers the same ticket; `request_hash` tells a reused key with a different
 * body apart. Paid from balance: inserted `confirmed` in the same batch as its ledger transfer. Paid by
 * `txHash`: `pending` (holding the hash's chain claim) until reconciliation confirms, refunds (late) or
 * expires it. `purchased_at_ms` is the time the weight's early bonus uses.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { TICKET_STATES } from "./ticket.model";

export const arenaTickets = sqliteTable(
  "arena_tickets",
  {
    id: text("id").primaryKey(),
    raceId: text("race_id").notNull(),
    entrantId: text("entrant_id").notNull(),
    userId: text("user_id").notNull(),
    amountMicroUsd: integer("amount_micro_usd").notNull(),
    status: text("status", { enum: TICKET_STATES }).notNull(),
    payWith: text("pay_with", { enum: ["balance", "tx"] }).notNull(),
    txHash: text("tx_hash"),
    idempotencyKey: text("idempotency_key").notNull(),
    /** SHA-256 of the canonical request body: a reused key with another body is refused. */
    requestHash: text("request_hash").notNull(),
    purchasedAtMs: integer("purchased_at_ms").notNull(),
    confirmedAtMs: integer("confirmed_at_ms"),
    /** Why it was refunded or expired (scratched, cancelled, late_payment, pending_ttl). */
    closedReason: text("closed_reason"),
    closedAtMs: integer("closed_at_ms"),
    /** Last payment check (reconciliation round-robins on it). */
    checkedAtMs: integer("checked_at_ms").notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [
    uniqueIndex("arena_tickets_idempotency_uq").on(t.userId, t.idempotencyKey),
    index("arena_tickets_race_idx").on(t.raceId, t.status, t.entrantId),
    index("arena_tickets_user_idx").on(t.userId, t.createdAtMs),
    index("arena_tickets_pending_idx").on(t.status, t.checkedAtMs),
  ],
);
export type TicketRow = typeof arenaTickets.$inferSelect;
