/**
 * Race moves in D1: every move is conditional on the previous state (`UPDATE ... WHERE status = from`)
 * and recorded with its cause (`arena_race_moves`) and in the audit trail (`arena_events`), all in one
 * batch. A race takes each event at most once (the table is acyclic), so the move row's id is derived
 * from race + event and the records are `INSERT OR IGNORE ... WHERE the race is now in the target
 * state`: a lost race (another run moved first) writes nothing. Callers: race.service, settlement.service.
 */
import { eq, sql } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import { type RaceEvent, type RaceMoveCause, raceMove } from "./race.model";
import { arenaRaces, type RaceRow } from "./race.tables";

export type RaceSet = Partial<Pick<RaceRow, "cancelReason" | "liveEndsAtMs">>;

/** Statements of one move of `race` (as read) by `event`, or null when the table forbids it. */
export function moveStatements(
  db: Db,
  race: Pick<RaceRow, "id" | "status">,
  event: RaceEvent,
  cause: RaceMoveCause,
  nowMs: number,
  set: RaceSet = {},
) {
  const move = raceMove(race.id, race.status, event, cause, nowMs);
  if (!move.ok) return null;
  const { from, to } = move.value;
  const landed = sql`EXISTS (SELECT 1 FROM arena_races WHERE id = ${race.id} AND status = ${to})`;
  return [
    rawStatement(
      db,
      sql`UPDATE arena_races SET status = ${to}, updated_at_ms = ${nowMs},
            cancel_reason = COALESCE(${set.cancelReason ?? null}, cancel_reason),
            live_ends_at_ms = COALESCE(${set.liveEndsAtMs ?? null}, live_ends_at_ms)
          WHERE id = ${race.id} AND status = ${from}`,
    ),
    rawStatement(
      db,
      sql`INSERT OR IGNORE INTO arena_race_moves (id, race_id, from_status, to_status, event, cause_kind, cause_ref, at_ms)
          SELECT ${`rmv:${race.id}:${event}`}, ${race.id}, ${from}, ${to}, ${event}, ${cause.kind}, ${cause.ref}, ${nowMs} WHERE ${landed}`,
    ),
    rawStatement(
      db,
      sql`INSERT OR IGNORE INTO arena_events (id, subject_kind, subject_id, from_state, to_state, event, actor, reason, details_json, at_ms)
          SELECT ${`aev:race:${race.id}:${event}`}, 'race', ${race.id}, ${from}, ${to}, ${event}, ${actorOfCause(cause)},
                 ${set.cancelReason ?? null}, NULL, ${nowMs} WHERE ${landed}`,
    ),
  ];
}

/** The audit actor of a cause: `worker:<job>` for jobs, the admin's actor as given, `system` otherwise. */
export function actorOfCause(cause: RaceMoveCause): string {
  if (cause.kind === "job") return `worker:${cause.ref.split("@")[0]}`;
  if (cause.kind === "admin") return cause.ref;
  return `system:${cause.ref}`;
}

export async function findRace(db: Db, raceId: string): Promise<RaceRow | undefined> {
  const [row] = await db.select().from(arenaRaces).where(eq(arenaRaces.id, raceId));
  return row;
}

/**
 * Applies one move (plus `extra` statements in the same batch, which must themselves be idempotent) and
 * answers the race after it; `moved` is true when the race is now in the move's target state.
 */
export async function applyMove(
  db: Db,
  race: RaceRow,
  event: RaceEvent,
  cause: RaceMoveCause,
  nowMs: number,
  set: RaceSet = {},
  extra: ReturnType<typeof rawStatement>[] = [],
): Promise<{ moved: boolean; race: RaceRow }> {
  const statements = moveStatements(db, race, event, cause, nowMs, set);
  if (!statements) return { moved: false, race };
  const [first, ...rest] = [...statements, ...extra];
  await db.batch([first as (typeof statements)[number], ...rest]);
  const after = (await findRace(db, race.id)) as RaceRow;
  const target = raceMove(race.id, race.status, event, cause, nowMs);
  return { moved: target.ok && after.status === target.value.to, race: after };
}
