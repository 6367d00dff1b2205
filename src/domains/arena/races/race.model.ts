/**
 * The race lifecycle as one transition table (issue 19):
 *
 *   accumulating --launch--> launched --start--> live --close--> settling --settle--> settled --archive--> archived
 *        \______________________\__________________\_______________\--cancel--> cancelled
 *
 * - `launch` at the close of accumulation (prop accounts opened per entrant, idempotently);
 * - `start` once every entrant's account is open and the live window begins;
 * - `close` at the end of the live window (accounts finalized at the window's end);
 * - `settle` once every entrant has a finalized result and the settlement is written;
 * - `archive` after ARENA_ARCHIVE_DAYS (drops nothing settlement, Hall of Fame or audit needs);
 * - `cancel` from any state before `settled` (fewer than 2 entrants at launch, or an operator): every
 *   confirmed ticket is refunded in full. `settled`, `archived` and `cancelled` never go back.
 * Every move is recorded with what caused it (`RaceMove`); storage makes it conditional on the previous
 * state (`UPDATE ... WHERE status = from`). Pure: callers pass the clock and the cause.
 */
import { z } from "@hono/zod-openapi";
import { err, ok, type Result } from "../../../core/result";
import { type InvalidTransition, type TransitionTable, transition } from "../../../core/transitions";

export const RACE_STATES = ["accumulating", "launched", "live", "settling", "settled", "archived", "cancelled"] as const;
export const RACE_EVENTS = ["launch", "start", "close", "settle", "archive", "cancel"] as const;
export const RaceStateSchema = z.enum(RACE_STATES);
export const RaceEventSchema = z.enum(RACE_EVENTS);
export type RaceState = z.infer<typeof RaceStateSchema>;
export type RaceEvent = z.infer<typeof RaceEventSchema>;

export const RACE_TRANSITIONS: TransitionTable<RaceState, RaceEvent> = {
  accumulating: { launch: "launched", cancel: "cancelled" },
  launched: { start: "live", cancel: "cancelled" },
  live: { close: "settling", cancel: "cancelled" },
  settling: { settle: "settled", cancel: "cancelled" },
  settled: { archive: "archived" },
  archived: {},
  cancelled: {},
};

/** The forward event an operator's "advance" applies in each state (none in terminal states). */
export const ADVANCE_EVENT: Readonly<Record<RaceState, RaceEvent | undefined>> = {
  accumulating: "launch",
  launched: "start",
  live: "close",
  settling: "settle",
  settled: "archive",
  archived: undefined,
  cancelled: undefined,
};

/** Who or what caused a move: a cron job run, an operator, or the system reacting to an event. */
export const RaceMoveCauseSchema = z.object({
  kind: z.enum(["job", "admin", "system"]),
  /** Job name and scheduled time, admin user id, or a short system reason (e.g. "fewer_than_2_entrants"). */
  ref: z.string().min(1),
});
export type RaceMoveCause = z.infer<typeof RaceMoveCauseSchema>;

export interface RaceMove {
  raceId: string;
  from: RaceState;
  to: RaceState;
  event: RaceEvent;
  cause: RaceMoveCause;
  atMs: number;
}

/** The state after `event`, or InvalidTransition. */
export function transitionRace(state: RaceState, event: RaceEvent): Result<RaceState, InvalidTransition> {
  return transition(RACE_TRANSITIONS, state, event);
}

/** The move record for `event` on a race in `state`, or InvalidTransition (nothing to record). */
export function raceMove(
  raceId: string,
  state: RaceState,
  event: RaceEvent,
  cause: RaceMoveCause,
  atMs: number,
): Result<RaceMove, InvalidTransition> {
  const next = transitionRace(state, event);
  return next.ok ? ok({ raceId, from: state, to: next.value, event, cause, atMs }) : next;
}

/** The operator's "advance": the next forward move, or InvalidTransition in a terminal state. */
export function advanceRace(state: RaceState): Result<{ event: RaceEvent; to: RaceState }, InvalidTransition> {
  const event = ADVANCE_EVENT[state];
  if (event === undefined) return err({ kind: "invalid_transition", from: state, event: "advance" });
  const next = transitionRace(state, event);
  return next.ok ? ok({ event, to: next.value }) : next;
}

/** Tickets can be bought only while accumulating (otherwise 409 race_not_accumulating). */
export const acceptsTickets = (state: RaceState): boolean => state === "accumulating";
/** States that never change again except by archiving. */
export const isFinal = (state: RaceState): boolean => state === "settled" || state === "archived" || state === "cancelled";
