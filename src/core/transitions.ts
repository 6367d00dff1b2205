/**
 * Explicit transition tables (house style rule 10): `table[state][event]` is the next state; anything
 * not in the table is an `InvalidTransition` value, never a silent move. Every lifecycle subject
 * (payment, audition, profile version, queue entry) declares its table with `defineTransitions`.
 */
import { err, ok, type Result } from "./result";

export type TransitionTable<S extends string, E extends string> = Readonly<Record<S, Readonly<Partial<Record<E, S>>>>>;

export interface InvalidTransition {
  kind: "invalid_transition";
  from: string;
  event: string;
}

export function defineTransitions<S extends string, E extends string>(table: TransitionTable<S, E>): TransitionTable<S, E> {
  return table;
}

/** The state after `event` in `state`, or InvalidTransition. */
export function transition<S extends string, E extends string>(
  table: TransitionTable<S, E>,
  state: S,
  event: E,
): Result<S, InvalidTransition> {
  const next = table[state][event];
  return next === undefined ? err({ kind: "invalid_transition", from: state, event }) : ok(next);
}

/** Every (state, event) pair of a table with its outcome, for exhaustive tests. */
export function allMoves<S extends string, E extends string>(table: TransitionTable<S, E>, events: readonly E[]) {
  return (Object.keys(table) as S[]).flatMap((from) => events.map((event) => ({ from, event, to: table[from][event] })));
}

/** True when no event leaves `state`: a terminal state of the table. */
export function isFinalState<S extends string, E extends string>(table: TransitionTable<S, E>, state: S): boolean {
  return Object.keys(table[state]).length === 0;
}
