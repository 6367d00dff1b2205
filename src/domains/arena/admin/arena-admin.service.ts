/**
 * What the /admin/arena page shows, read in one place: the current race (else the latest one) with its
 * field, pool and live implied payouts (reads/race-read.service.ts, the same figures as
 * `GET /api/v1/races/{id}`), the recent races, the recent settlements with their winners, and the
 * reconciliation reports of `arena.reconcile` (the same as `GET /api/v1/admin/arena/reconciliation`).
 * Read-only. Callers: arena-admin.routes.ts.
 */
import { desc, eq, inArray } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { arenaEntrants, arenaRaces } from "../races/race.tables";
import { currentRaceId, listRaces, type RaceDetail, type RaceSummary, raceDetail } from "../reads/race-read.service";
import { type ReportView, recentReports } from "../reconciliation/reconciliation.service";
import { arenaSettlements, type SettlementRow } from "../settlement/settlement.tables";

export interface SettlementSummary extends SettlementRow {
  seq: number;
  /** The place-1 entrant's name at race creation; null when the race had no ranking. */
  winnerName: string | null;
}

export interface ArenaAdminView {
  generatedAtMs: number;
  /** The race shown at the top, and whether it is still running (else it is only the latest). */
  race: RaceDetail | undefined;
  raceIsCurrent: boolean;
  races: RaceSummary[];
  settlements: SettlementSummary[];
  reconciliation: { latest: ReportView | null; recent: ReportView[] };
}

const RECENT = 10;

async function recentSettlements(db: Db, limit: number): Promise<SettlementSummary[]> {
  const rows = await db
    .select({ s: arenaSettlements, seq: arenaRaces.seq })
    .from(arenaSettlements)
    .innerJoin(arenaRaces, eq(arenaRaces.id, arenaSettlements.raceId))
    .orderBy(desc(arenaSettlements.startedAtMs), desc(arenaRaces.seq))
    .limit(limit);
  const winners = rows.map((r) => (JSON.parse(r.s.rankingJson) as { place: number; entrantId: string }[])[0]?.entrantId);
  const ids = winners.filter((w): w is string => w !== undefined);
  const names =
    ids.length === 0
      ? new Map<string, string>()
      : new Map(
          (
            await db
              .select({ id: arenaEntrants.id, name: arenaEntrants.displayName })
              .from(arenaEntrants)
              .where(inArray(arenaEntrants.id, ids))
          ).map((e) => [e.id, e.name]),
        );
  return rows.map((r, i) => ({ ...r.s, seq: r.seq, winnerName: names.get(winners[i] ?? "") ?? null }));
}

/** Everything the page renders, as of `nowMs` (the implied payouts depend on the time). */
export async function arenaAdminView(db: Db, nowMs: number): Promise<ArenaAdminView> {
  const [currentId, races, settlements, reconciliation] = await Promise.all([
    currentRaceId(db),
    listRaces(db, { limit: RECENT }),
    recentSettlements(db, RECENT),
    recentReports(db, RECENT),
  ]);
  const shownId = currentId ?? races[0]?.id;
  const race = shownId === undefined ? undefined : await raceDetail(db, shownId, nowMs);
  return { generatedAtMs: nowMs, race, raceIsCurrent: currentId !== undefined, races, settlements, reconciliation };
}
