/**
 * Standing after a settled race (issue 19, "Strikes, retirement, Hall of Fame"):
 * - strikes: a liquidation or a finish in the bottom ARENA_STRIKE_BOTTOM_N adds one; a top-half finish
 *   (place <= floor(field/2)) clears them; anything else leaves them. One `arena_strikes` row per
 *   (clone, race) (its PRIMARY KEY makes a re-run a no-op), with the count after it.
 * - retirement: at ARENA_STRIKES_TO_RETIRE the clone retires through lifecycle's `retireClone` (its slot
 *   is freed and the arena-entry worker refills it; a retired clone never re-enters by any path) and an
 *   `arena_retirements` row names the races whose strikes caused it.
 * - Hall of Fame: the race champion and every retired clone get a record whose snapshot (profile, creator,
 *   model, pinned pipeline version and its hash) is written once at induction; per-race rows and totals
 *   are extended from the race rows, so later profile edits or clone deletion change nothing.
 * Pure rule: `strikeDecision`. Callers: race.service (after settlement, and the job's catch-up).
 */
import { and, eq, ne, sql } from "drizzle-orm";
import { canonicalJson } from "../../../core/canonical-json";
import type { AppDeps } from "../../../core/deps";
import { sha256Hex } from "../../../core/sha256";
import type { Db } from "../../../db/client";
import { approvedProfiles, retireClone } from "../../lifecycle";
import { getPipeline } from "../../strategy";
import type { RaceConfig } from "../races/race.config";
import { arenaEntrants, type EntrantRow } from "../races/race.tables";
import { findRace } from "../races/race-moves.storage";
import { findSettlement } from "../settlement/settlement.service";
import { arenaHallOfFame, arenaHallOfFameRaces, arenaRetirements, arenaStrikes } from "./standing.tables";

export type StrikeKind = "strike" | "clear" | "none";

/** The strike rule for one finish (pure). */
export function strikeDecision(
  place: number,
  fieldSize: number,
  liquidated: boolean,
  bottomN: number,
): { kind: StrikeKind; reason: string } {
  if (liquidated) return { kind: "strike", reason: "liquidated" };
  if (place > fieldSize - bottomN) return { kind: "strike", reason: "bottom_n" };
  if (place <= Math.floor(fieldSize / 2)) return { kind: "clear", reason: "top_half" };
  return { kind: "none", reason: "middle" };
}

const WORKER = "worker:arena.races";

/** Strikes, retirements and Hall of Fame for one settled race (idempotent). */
export async function applyStanding(
  db: Db,
  deps: AppDeps,
  settings: RaceConfig,
  raceId: string,
): Promise<{ strikes: number; retired: string[] }> {
  const race = await findRace(db, raceId);
  const settlement = await findSettlement(db, raceId);
  if (!race || settlement?.status !== "complete") return { strikes: 0, retired: [] };
  const ranking = JSON.parse(settlement.rankingJson) as Array<{ place: number; entrantId: string }>;
  const entrants = new Map((await db.select().from(arenaEntrants).where(eq(arenaEntrants.raceId, raceId))).map((e) => [e.id, e]));
  const atMs = settlement.completedAtMs ?? deps.clock.nowMs();
  let strikes = 0;
  const retired: string[] = [];
  for (const { place, entrantId } of ranking) {
    const e = entrants.get(entrantId) as EntrantRow;
    const decision = strikeDecision(place, ranking.length, e.resultStatus === "liquidated", settings.ARENA_STRIKE_BOTTOM_N);
    const prior = await db.get<{ n: number }>(sql`
      SELECT strikes_after AS n FROM arena_strikes WHERE clone_id = ${e.cloneId} AND race_id != ${raceId} ORDER BY at_ms DESC, race_id DESC LIMIT 1`);
    const before = prior?.n ?? 0;
    const after = decision.kind === "strike" ? before + 1 : decision.kind === "clear" ? 0 : before;
    await db
      .insert(arenaStrikes)
      .values({ cloneId: e.cloneId, raceId, kind: decision.kind, reason: decision.reason, strikesAfter: after, atMs })
      .onConflictDoNothing();
    const [row] = await db
      .select()
      .from(arenaStrikes)
      .where(and(eq(arenaStrikes.cloneId, e.cloneId), eq(arenaStrikes.raceId, raceId)));
    if (row?.kind === "strike") strikes++;
    if (place === 1) await induct(db, e, "champion", atMs);
    if (row && row.strikesAfter >= settings.ARENA_STRIKES_TO_RETIRE) {
      await retire(db, deps, e, row.strikesAfter, atMs);
      retired.push(e.cloneId);
    }
    await refreshHallOfFame(db, e.cloneId, deps.clock.nowMs());
  }
  return { strikes, retired };
}

/** The strike races since the clone's last clear, oldest first (what caused a retirement). */
async function strikeRacesSinceClear(db: Db, cloneId: string): Promise<string[]> {
  const rows = await db.all<{ raceId: string; kind: string }>(sql`
    SELECT race_id AS raceId, kind FROM arena_strikes WHERE clone_id = ${cloneId} ORDER BY at_ms, race_id`);
  const out: string[] = [];
  for (const r of rows) {
    if (r.kind === "clear") out.length = 0;
    else if (r.kind === "strike") out.push(r.raceId);
  }
  return out;
}

async function retire(db: Db, deps: AppDeps, e: EntrantRow, strikes: number, atMs: number): Promise<void> {
  const raceIds = await strikeRacesSinceClear(db, e.cloneId);
  const reason = `${strikes} strikes (${raceIds.join(", ")})`.slice(0, 300);
  const done = await retireClone(db, deps, e.cloneId, WORKER, reason);
  if (!done.ok && done.error.kind !== "already_retired") throw new Error(`retiring ${e.cloneId} failed: ${done.error.kind}`);
  await db.batch([
    db
      .insert(arenaRetirements)
      .values({
        cloneId: e.cloneId,
        creatorUserId: e.creatorUserId,
        strikes,
        raceIdsJson: JSON.stringify(raceIds),
        reason,
        retiredAtMs: atMs,
      })
      .onConflictDoNothing(),
    db
      .insert(arenaHallOfFame)
      .values({
        cloneId: e.cloneId,
        creatorUserId: e.creatorUserId,
        honoursJson: "[]",
        snapshotJson: JSON.stringify(await snapshotOf(db, e)),
        totalsJson: "{}",
        inductedAtMs: atMs,
        updatedAtMs: atMs,
      })
      .onConflictDoNothing(),
  ]);
  await addHonour(db, e.cloneId, "retired", atMs);
}

/** What the Hall keeps of a clone at induction (never rewritten). */
async function snapshotOf(db: Db, e: EntrantRow) {
  const profile = (await approvedProfiles(db, [e.cloneId])).get(e.cloneId);
  const pipeline = await getPipeline(db, e.cloneId);
  return {
    cloneId: e.cloneId,
    creatorUserId: e.creatorUserId,
    displayName: profile?.displayName ?? e.displayName,
    bio: profile?.bio ?? null,
    strategySummary: profile?.strategySummary ?? null,
    avatarUrl: profile?.avatarUrl ?? null,
    modelId: e.modelId,
    pipelineVersion: e.pipelineVersion,
    // The hash of the pinned version's graph, when the stored pipeline is still that version.
    pipelineVersionHash: pipeline && pipeline.version === e.pipelineVersion ? await sha256Hex(canonicalJson(pipeline.graph)) : null,
  };
}

async function induct(db: Db, e: EntrantRow, honour: "champion" | "retired", atMs: number): Promise<void> {
  await db
    .insert(arenaHallOfFame)
    .values({
      cloneId: e.cloneId,
      creatorUserId: e.creatorUserId,
      honoursJson: "[]",
      snapshotJson: JSON.stringify(await snapshotOf(db, e)),
      totalsJson: "{}",
      inductedAtMs: atMs,
      updatedAtMs: atMs,
    })
    .onConflictDoNothing();
  await addHonour(db, e.cloneId, honour, atMs);
}

async function addHonour(db: Db, cloneId: string, honour: string, atMs: number): Promise<void> {
  const [row] = await db.select().from(arenaHallOfFame).where(eq(arenaHallOfFame.cloneId, cloneId));
  if (!row) return;
  const honours = JSON.parse(row.honoursJson) as string[];
  if (honours.includes(honour)) return;
  await db
    .update(arenaHallOfFame)
    .set({ honoursJson: JSON.stringify([...honours, honour].sort()), updatedAtMs: atMs })
    .where(and(eq(arenaHallOfFame.cloneId, cloneId), eq(arenaHallOfFame.honoursJson, row.honoursJson)));
}

/** For a clone in the Hall: one row per settled race it ran, and the totals over them. */
export async function refreshHallOfFame(db: Db, cloneId: string, nowMs: number): Promise<void> {
  const [hall] = await db.select().from(arenaHallOfFame).where(eq(arenaHallOfFame.cloneId, cloneId));
  if (!hall) return;
  const races = await db.all<{
    raceId: string;
    entrantId: string;
    returnBps: number;
    maxDrawdownBps: number;
    resultStatus: string;
    rankingJson: string;
    settledAtMs: number;
    pool: number;
    royalty: number;
  }>(sql`
    SELECT e.race_id AS raceId, e.id AS entrantId, e.return_bps AS returnBps, e.max_drawdown_bps AS maxDrawdownBps,
           e.result_status AS resultStatus, s.ranking_json AS rankingJson, s.completed_at_ms AS settledAtMs,
           (SELECT COALESCE(SUM(t.amount_micro_usd), 0) FROM arena_tickets t WHERE t.entrant_id = e.id AND t.status = 'confirmed') AS pool,
           (SELECT COALESCE(SUM(r.amount_micro_usd), 0) FROM arena_royalties r WHERE r.entrant_id = e.id) AS royalty
    FROM arena_entrants e JOIN arena_settlements s ON s.race_id = e.race_id AND s.status = 'complete'
    WHERE e.clone_id = ${cloneId} AND e.result_status IS NOT NULL`);
  for (const r of races) {
    const ranking = JSON.parse(r.rankingJson) as Array<{ place: number; entrantId: string }>;
    const place = ranking.find((x) => x.entrantId === r.entrantId)?.place ?? 0;
    await db
      .insert(arenaHallOfFameRaces)
      .values({
        cloneId,
        raceId: r.raceId,
        place,
        fieldSize: ranking.length,
        returnBps: r.returnBps,
        maxDrawdownBps: r.maxDrawdownBps,
        liquidated: r.resultStatus === "liquidated",
        poolMicroUsd: r.pool,
        royaltyMicroUsd: r.royalty,
        settledAtMs: r.settledAtMs,
      })
      .onConflictDoNothing();
  }
  const rows = await db.select().from(arenaHallOfFameRaces).where(eq(arenaHallOfFameRaces.cloneId, cloneId));
  const totals = {
    races: rows.length,
    wins: rows.filter((r) => r.place === 1).length,
    poolGeneratedMicroUsd: rows.reduce((s, r) => s + r.poolMicroUsd, 0),
    royaltiesEarnedMicroUsd: rows.reduce((s, r) => s + r.royaltyMicroUsd, 0),
  };
  await db
    .update(arenaHallOfFame)
    .set({ totalsJson: JSON.stringify(totals), updatedAtMs: nowMs })
    .where(and(eq(arenaHallOfFame.cloneId, cloneId), ne(arenaHallOfFame.totalsJson, JSON.stringify(totals))));
}
