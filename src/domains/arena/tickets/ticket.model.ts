/**
 * The ticket lifecycle as one transition table (issue 19, "Balances and tickets" and reconciliation):
 *
 *   pending --confirm--> confirmed --refund--> refunded
 *      |--refund--> refunded   (payment verified after accumulation closed: money to the buyer's balance)
 *      '--expire--> expired    (payment still unseen after ARENA_PENDING_TTL_MINUTES; the hash stays
 *                               claimable as a deposit)
 *
 * Paid from balance, a ticket is created `confirmed` in the same batch as its ledger transfer (it never
 * passes through pending). A confirmed ticket is refunded in full when its entrant is scratched or the race
 * is cancelled; otherwise it stays confirmed and settlement pays it (or not). `refunded` and `expired` are
 * final. Only confirmed tickets count in settlement (rule 1).
 */
import { z } from "@hono/zod-openapi";
import type { Result } from "../../../core/result";
import { type InvalidTransition, type TransitionTable, transition } from "../../../core/transitions";

export const TICKET_STATES = ["pending", "confirmed", "refunded", "expired"] as const;
export const TICKET_EVENTS = ["confirm", "refund", "expire"] as const;
export const TicketStateSchema = z.enum(TICKET_STATES);
export const TicketEventSchema = z.enum(TICKET_EVENTS);
export type TicketState = z.infer<typeof TicketStateSchema>;
export type TicketEvent = z.infer<typeof TicketEventSchema>;

export const TICKET_TRANSITIONS: TransitionTable<TicketState, TicketEvent> = {
  pending: { confirm: "confirmed", refund: "refunded", expire: "expired" },
  confirmed: { refund: "refunded" },
  refunded: {},
  expired: {},
};

/** The state after `event`, or InvalidTransition. */
export function transitionTicket(state: TicketState, event: TicketEvent): Result<TicketState, InvalidTransition> {
  return transition(TICKET_TRANSITIONS, state, event);
}

/**
 * What a verified ticket payment does (reconciliation (a)): verified strictly before the close of
 * accumulation -> `confirm`; at or after it -> `refund` (late: the money goes to the buyer's balance).
 */
export function eventForVerifiedPayment(verifiedAtMs: number, closesAtMs: number): TicketEvent {
  return verifiedAtMs < closesAtMs ? "confirm" : "refund";
}

/** A pending payment unseen for `ttlMs` expires. */
export function isPendingExpired(createdAtMs: number, nowMs: number, ttlMs: number): boolean {
  return nowMs - createdAtMs >= ttlMs;
}
