/**
 * Explicit transition tables for arena subjects (house style rule 10): `table[state][event]` is the next
 * state; any other pair is an `InvalidTransition` value, never a silent move. Same shape as lifecycle's
 * `transitions.model.ts` (not exported through lifecycle's index, and arena must not reach into it);
 * if both stay alike, moving one copy to src/core is a small follow-up.
 */
import { err, ok, type Result } from "../../core/result";

export type TransitionTable<S extends string, E extends string> = Readonly<Record<S, Readonly<Partial<Record<E, S>>>>>;

export interface InvalidTransition {
  kind: "invalid_transition";
  from: string;
  event: string;
}

/** The state after `event` in `state`, or InvalidTransition. */
export function nextState<S extends string, E extends string>(
  table: TransitionTable<S, E>,
  state: S,
  event: E,
): Result<S, InvalidTransition> {
  const next = table[state][event];
  return next === undefined ? err({ kind: "invalid_transition", from: state, event }) : ok(next);
}

/** Every (state, event) pair of a table with its outcome (`to` undefined = forbidden), for exhaustive tests. */
export function allMoves<S extends string, E extends string>(table: TransitionTable<S, E>, events: readonly E[]) {
  return (Object.keys(table) as S[]).flatMap((from) => events.map((event) => ({ from, event, to: table[from][event] })));
}
