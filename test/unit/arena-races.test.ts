/**
 * The race and ticket transition tables (house style rule 10): every (state, event) pair is listed
 * here with its expected outcome, so an added or removed move fails this test until it is written down.
 */
import { describe, expect, it } from "vitest";
import {
  acceptsTickets,
  advanceRace,
  allMoves,
  eventForVerifiedPayment,
  isFinal,
  isPendingExpired,
  RACE_EVENTS,
  RACE_STATES,
  RACE_TRANSITIONS,
  type RaceEvent,
  type RaceState,
  raceMove,
  TICKET_EVENTS,
  TICKET_STATES,
  TICKET_TRANSITIONS,
  type TicketEvent,
  type TicketState,
  transitionRace,
  transitionTicket,
} from "../../src/domains/arena";

const RACE_ALLOWED: Record<string, RaceState> = {
  "accumulating launch": "launched",
  "accumulating cancel": "cancelled",
  "launched start": "live",
  "launched cancel": "cancelled",
  "live close": "settling",
  "live cancel": "cancelled",
  "settling settle": "settled",
  "settling cancel": "cancelled",
  "settled archive": "archived",
};

const TICKET_ALLOWED: Record<string, TicketState> = {
  "pending confirm": "confirmed",
  "pending refund": "refunded",
  "pending expire": "expired",
  "confirmed refund": "refunded",
};

describe("race transitions", () => {
  it("the table covers every state", () => {
    expect(Object.keys(RACE_TRANSITIONS).sort()).toEqual([...RACE_STATES].sort());
    expect(allMoves(RACE_TRANSITIONS, RACE_EVENTS)).toHaveLength(RACE_STATES.length * RACE_EVENTS.length);
  });
  for (const from of RACE_STATES) {
    for (const event of RACE_EVENTS) {
      const to = RACE_ALLOWED[`${from} ${event}`];
      it(`${from} --${event}--> ${to ?? "refused"}`, () => {
        const out = transitionRace(from, event as RaceEvent);
        if (to === undefined) expect(out).toEqual({ ok: false, error: { kind: "invalid_transition", from, event } });
        else expect(out).toEqual({ ok: true, value: to });
      });
    }
  }
  it("advance walks the forward chain and stops at the end", () => {
    const walk: string[] = [];
    let state: RaceState = "accumulating";
    for (;;) {
      const next = advanceRace(state);
      if (!next.ok) break;
      walk.push(`${next.value.event}:${next.value.to}`);
      state = next.value.to;
    }
    expect(walk).toEqual(["launch:launched", "start:live", "close:settling", "settle:settled", "archive:archived"]);
    expect(advanceRace("cancelled").ok).toBe(false);
  });
  it("records who caused a move, and refuses to record an invalid one", () => {
    const cause = { kind: "job" as const, ref: "arena.launch@2026-12-02T16:00:00Z" };
    expect(raceMove("r1", "accumulating", "launch", cause, 1_000)).toEqual({
      ok: true,
      value: { raceId: "r1", from: "accumulating", to: "launched", event: "launch", cause, atMs: 1_000 },
    });
    expect(raceMove("r1", "settled", "cancel", cause, 1_000).ok).toBe(false);
  });
  it("only accumulating races take tickets; settled, archived and cancelled are final", () => {
    expect(RACE_STATES.filter(acceptsTickets)).toEqual(["accumulating"]);
    expect(RACE_STATES.filter(isFinal)).toEqual(["settled", "archived", "cancelled"]);
  });
});

describe("ticket transitions", () => {
  it("the table covers every state", () => {
    expect(Object.keys(TICKET_TRANSITIONS).sort()).toEqual([...TICKET_STATES].sort());
  });
  for (const from of TICKET_STATES) {
    for (const event of TICKET_EVENTS) {
      const to = TICKET_ALLOWED[`${from} ${event}`];
      it(`${from} --${event}--> ${to ?? "refused"}`, () => {
        const out = transitionTicket(from, event as TicketEvent);
        if (to === undefined) expect(out.ok).toBe(false);
        else expect(out).toEqual({ ok: true, value: to });
      });
    }
  }
  it("a payment verified before the close confirms; at or after it, the ticket is refunded (late)", () => {
    expect(eventForVerifiedPayment(999, 1_000)).toBe("confirm");
    expect(eventForVerifiedPayment(1_000, 1_000)).toBe("refund");
    expect(eventForVerifiedPayment(5_000, 1_000)).toBe("refund");
  });
  it("a pending payment expires after its TTL", () => {
    expect(isPendingExpired(0, 59_999, 60_000)).toBe(false);
    expect(isPendingExpired(0, 60_000, 60_000)).toBe(true);
  });
});
