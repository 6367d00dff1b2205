/**
 * The race lifecycle (issue 19, "Races"): create an `accumulating` race with its field fixed (one
 * entrant per clone seated in an Arena slot, seats in slot order, ids derived from the race), take a
 * waiting no-winner carry, scratch entrants whose clone left its slot or retired before launch (their
 * tickets refunded in full), launch at the close of accumulation (fewer than 2 entrants: cancelled and
 * refunded), open one `race` prop account per entrant under an id derived from race + entrant, start at
 * the live window, close at its end (accounts finalized AS OF the window's end), settle once every
 * entrant has a final result, archive after ARENA_ARCHIVE_DAYS.
 *
 * Every move goes through race-moves.storage (conditional on the previous state, recorded with its
 * cause). Every step is idempotent: the `arena.races` job calls `stepRaces` each minute and an admin's
 * `advanceRaceNow` applies one forward move now. Money moves (refunds, carries) are keyed by derived
 * transfer ids, so a retry after a crash completes instead of doubling.
 */
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import type { ArtifactStore } from "../../artifacts";
import { isRetired, seatedClones } from "../../lifecycle";
import { compileStored, findClone, loadRegistry } from "../../strategy";
import { HOUSE, poolBook } from "../balances/arena-books.model";
import { transferStatements } from "../balances/arena-ledger.storage";
import { settleStoredRace } from "../settlement/settlement.service";
import type { SettlementConfig } from "../settlement/settlement-input.model";
import { applyStanding } from "../standing/standing.service";
import { refundTicketsStatements } from "../tickets/ticket-refund.service";
import { defaultSettlementConfig, type RaceConfig } from "./race.config";
import { ADVANCE_EVENT, type RaceMoveCause } from "./race.model";
import { arenaEntrants, arenaRaces, type EntrantRow, type RaceRow } from "./race.tables";
import type { RaceAccounts } from "./race-accounts.port";
import { actorOfCause, applyMove, findRace } from "./race-moves.storage";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Optional overrides of a new race's windows and config (admin create, demo seed, tests). */
export interface RaceOverrides {
  accumulationMinutes?: number;
  startDelayMinutes?: number;
  liveMinutes?: number;
  config?: Partial<SettlementConfig>;
  startingBalanceMicroUsd?: number;
}

export interface RaceContext {
  db: Db;
  deps: AppDeps;
  settings: RaceConfig;
  accounts: RaceAccounts;
  cause: RaceMoveCause;
  /** Where settlement documents go (the `ARTIFACTS` R2 bucket in a Worker). */
  artifacts: ArtifactStore;
}

export const entrantIdOf = (raceId: string, seat: number) => `${raceId}_s${seat}`;
export const raceAccountIdOf = (entrantId: string) => `racc_${entrantId}`;

export async function listEntrants(db: Db, raceId: string): Promise<EntrantRow[]> {
  return db.select().from(arenaEntrants).where(eq(arenaEntrants.raceId, raceId)).orderBy(asc(arenaEntrants.seat));
}

async function accumulatingRace(db: Db): Promise<RaceRow | undefined> {
  const [row] = await db.select().from(arenaRaces).where(eq(arenaRaces.status, "accumulating"));
  return row;
}

/** The oldest carry nobody took: a settled race's carry-out, or a cancelled race's returned carry-in. */
async function waitingCarry(db: Db): Promise<{ raceId: string; amount: number } | undefined> {
  const row = await db.get<{ raceId: string; amount: number }>(sql`
    SELECT race_id AS raceId, amount FROM (
      SELECT s.race_id, s.carry_out_micro_usd AS amount, s.completed_at_ms AS at_ms FROM arena_settlements s
        WHERE s.status = 'complete' AND s.carry_out_micro_usd > 0
      UNION ALL
      SELECT r.id, r.carry_in_micro_usd, r.updated_at_ms FROM arena_races r WHERE r.status = 'cancelled' AND r.carry_in_micro_usd > 0
    ) c WHERE NOT EXISTS (SELECT 1 FROM arena_races x WHERE x.carry_from_race_id = c.race_id)
    ORDER BY at_ms, race_id LIMIT 1`);
  return row ?? undefined;
}

/**
 * Creates an accumulating race now unless one is accumulating (then answers that one, `created: false`).
 * The cron job passes `minField` (ARENA_MIN_FIELD seated clones, else nothing is created); admins force.
 */
export async function createRace(
  ctx: RaceContext,
  options: { overrides?: RaceOverrides; minField?: number } = {},
): Promise<{ race: RaceRow | undefined; created: boolean }> {
  const { db, deps, settings, cause } = ctx;
  const current = await accumulatingRace(db);
  if (current) return { race: current, created: false };
  const seated = await seatedClones(db);
  const field: Array<{ cloneId: string; ownerId: string; displayName: string; pipelineVersion: number; modelId: string }> = [];
  for (const s of seated) {
    const clone = await findClone(db, s.cloneId);
    if (!clone || (await isRetired(db, s.cloneId))) continue;
    field.push({
      cloneId: s.cloneId,
      ownerId: s.ownerId,
      displayName: s.displayName ?? clone.name,
      pipelineVersion: clone.pipelineVersion,
      modelId: clone.modelId,
    });
  }
  if (options.minField !== undefined && field.length < options.minField) return { race: undefined, created: false };

  const o = options.overrides ?? {};
  const nowMs = deps.clock.nowMs();
  const last = await db.get<{ seq: number | null }>(sql`SELECT MAX(seq) AS seq FROM arena_races`);
  const seq = (last?.seq ?? 0) + 1;
  const raceId = `race_${seq}`;
  const closesAtMs = nowMs + Math.round((o.accumulationMinutes ?? settings.ARENA_ACCUMULATION_MINUTES) * MINUTE_MS);
  const liveStartsAtMs = closesAtMs + Math.round((o.startDelayMinutes ?? settings.ARENA_START_DELAY_MINUTES) * MINUTE_MS);
  const liveEndsAtMs = liveStartsAtMs + Math.round((o.liveMinutes ?? settings.ARENA_LIVE_MINUTES) * MINUTE_MS);
  const config = { ...defaultSettlementConfig(settings), ...(o.config ?? {}) };
  const carry = await waitingCarry(db);
  const row: RaceRow = {
    id: raceId,
    seq,
    status: "accumulating",
    configJson: JSON.stringify(config),
    accountRulesJson: JSON.stringify(settings.ARENA_RACE_RULES_JSON),
    startingBalanceMicroUsd: o.startingBalanceMicroUsd ?? settings.ARENA_RACE_STARTING_BALANCE_MICRO_USD,
    minTicketMicroUsd: settings.ARENA_MIN_TICKET_MICRO_USD,
    maxUserStakeMicroUsd: settings.ARENA_MAX_USER_STAKE_MICRO_USD,
    opensAtMs: nowMs,
    closesAtMs,
    liveStartsAtMs,
    liveEndsAtMs,
    carryInMicroUsd: carry?.amount ?? 0,
    carryFromRaceId: carry?.raceId ?? null,
    cancelReason: null,
    createdBy: actorOfCause(cause),
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  const entrants: EntrantRow[] = field.map((f, i) => ({
    id: entrantIdOf(raceId, i + 1),
    raceId,
    cloneId: f.cloneId,
    creatorUserId: f.ownerId,
    seat: i + 1,
    status: "entered",
    scratchReason: null,
    displayName: f.displayName,
    pipelineVersion: f.pipelineVersion,
    modelId: f.modelId,
    accountId: null,
    resultStatus: null,
    returnBps: null,
    maxDrawdownBps: null,
    finalizedAtMs: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  }));
  const carryIn = carry
    ? transferStatements(db, {
        transferId: `carry_in:${carry.raceId}`,
        code: "carry_in",
        t: nowMs,
        refId: carry.raceId,
        raceId,
        postings: [
          { book: poolBook(raceId), amountMicroUsd: carry.amount },
          { book: HOUSE.carry, amountMicroUsd: -carry.amount },
        ],
      })
    : [];
  try {
    await db.batch([
      db.insert(arenaRaces).values(row),
      ...(entrants.length ? [db.insert(arenaEntrants).values(entrants)] : []),
      rawStatement(
        db,
        sql`INSERT INTO arena_events (id, subject_kind, subject_id, from_state, to_state, event, actor, reason, details_json, at_ms)
            VALUES (${`aev:race:${raceId}:create`}, 'race', ${raceId}, NULL, 'accumulating', 'create', ${actorOfCause(cause)}, NULL,
                    ${JSON.stringify({ entrants: entrants.length, carryFromRaceId: row.carryFromRaceId })}, ${nowMs})`,
      ),
      ...carryIn,
    ]);
  } catch (error) {
    // A concurrent create won (one accumulating race, unique seq, one taker per carry): answer it.
    if (String(error).includes("UNIQUE")) return { race: await accumulatingRace(db), created: false };
    throw error;
  }
  return { race: row, created: true };
}

/** Scratches entered entrants whose clone left its slot or retired (accumulating races only); refunds their tickets. */
export async function scratchLeavers(ctx: RaceContext, race: RaceRow): Promise<number> {
  if (race.status !== "accumulating") return 0;
  const { db, deps, cause } = ctx;
  const seatedIds = new Set((await seatedClones(db)).map((s) => s.cloneId));
  let scratched = 0;
  for (const e of await listEntrants(db, race.id)) {
    if (e.status !== "entered") continue;
    const retired = await isRetired(db, e.cloneId);
    if (!retired && seatedIds.has(e.cloneId)) continue;
    const reason = retired ? "retired" : "left_slot";
    const nowMs = deps.clock.nowMs();
    const stillAccumulating = sql`EXISTS (SELECT 1 FROM arena_races WHERE id = ${race.id} AND status = 'accumulating')`;
    await db.batch([
      rawStatement(
        db,
        sql`UPDATE arena_entrants SET status = 'scratched', scratch_reason = ${reason}, updated_at_ms = ${nowMs}
            WHERE id = ${e.id} AND status = 'entered' AND ${stillAccumulating}`,
      ),
      rawStatement(
        db,
        sql`INSERT OR IGNORE INTO arena_events (id, subject_kind, subject_id, from_state, to_state, event, actor, reason, details_json, at_ms)
            SELECT ${`aev:entrant:${e.id}:scratch`}, 'race', ${race.id}, 'entered', 'scratched', 'scratch', ${actorOfCause(cause)}, ${reason},
                   ${JSON.stringify({ entrantId: e.id, cloneId: e.cloneId })}, ${nowMs}
            WHERE EXISTS (SELECT 1 FROM arena_entrants WHERE id = ${e.id} AND status = 'scratched')`,
      ),
      ...(await refundTicketsStatements(db, { raceId: race.id, entrantId: e.id, reason: "scratched", actor: actorOfCause(cause), nowMs })),
    ]);
    scratched++;
  }
  return scratched;
}

/** Refunds still owed: every confirmed ticket of a cancelled race, confirmed tickets on scratched entrants; a cancelled race's carry goes back. */
export async function sweepRefunds(ctx: RaceContext, race: RaceRow): Promise<void> {
  const { db, deps, cause } = ctx;
  const nowMs = deps.clock.nowMs();
  const actor = actorOfCause(cause);
  if (race.status === "cancelled") {
    const carryBack =
      race.carryInMicroUsd > 0
        ? transferStatements(db, {
            transferId: `carry_return:${race.id}`,
            code: "carry_out",
            t: nowMs,
            refId: race.id,
            raceId: race.id,
            postings: [
              { book: HOUSE.carry, amountMicroUsd: race.carryInMicroUsd },
              { book: poolBook(race.id), amountMicroUsd: -race.carryInMicroUsd },
            ],
          })
        : [];
    const [first, ...rest] = [...(await refundTicketsStatements(db, { raceId: race.id, reason: "cancelled", actor, nowMs })), ...carryBack];
    if (first) await db.batch([first, ...rest]);
    return;
  }
  const owed = await db.all<{ entrantId: string }>(sql`
    SELECT DISTINCT t.entrant_id AS entrantId FROM arena_tickets t JOIN arena_entrants e ON e.id = t.entrant_id
    WHERE t.race_id = ${race.id} AND t.status = 'confirmed' AND e.status = 'scratched'`);
  for (const { entrantId } of owed) {
    const [first, ...rest] = await refundTicketsStatements(db, { raceId: race.id, entrantId, reason: "scratched", actor, nowMs });
    if (first) await db.batch([first, ...rest]);
  }
}

/** Cancels a race (any state before settled) and refunds every confirmed ticket in full. */
export async function cancelRace(ctx: RaceContext, race: RaceRow, reason: string): Promise<{ moved: boolean; race: RaceRow }> {
  const moved = await applyMove(ctx.db, race, "cancel", ctx.cause, ctx.deps.clock.nowMs(), { cancelReason: reason });
  if (moved.race.status === "cancelled") await sweepRefunds(ctx, moved.race);
  return moved;
}

/** The symbols the clone's stored pipeline enables now (a race account's universe). */
async function allowedSymbolsOf(db: Db, cloneId: string): Promise<string[]> {
  const clone = await findClone(db, cloneId);
  if (!clone) return [];
  const plan = await compileStored(db, clone, await loadRegistry(db));
  return plan ? [...plan.activeSymbols] : [];
}

/** Launches (accumulating -> launched), or cancels when fewer than 2 entrants remain. */
export async function launchRace(ctx: RaceContext, race: RaceRow): Promise<RaceRow> {
  await scratchLeavers(ctx, race);
  const entered = (await listEntrants(ctx.db, race.id)).filter((e) => e.status === "entered");
  if (entered.length < 2) {
    const cause: RaceMoveCause = { kind: "system", ref: "fewer_than_2_entrants" };
    return (await cancelRace({ ...ctx, cause }, race, "fewer_than_2_entrants")).race;
  }
  const moved = await applyMove(ctx.db, race, "launch", ctx.cause, ctx.deps.clock.nowMs());
  if (moved.race.status === "launched") await openAccounts(ctx, moved.race);
  return moved.race;
}

/** Opens the missing race accounts (same balance and rules for all, pins stored on the entrant). */
export async function openAccounts(ctx: RaceContext, race: RaceRow): Promise<number> {
  const { db, deps, accounts } = ctx;
  let opened = 0;
  const rules = JSON.parse(race.accountRulesJson) as Record<string, unknown>;
  for (const e of await listEntrants(db, race.id)) {
    if (e.status !== "entered" || e.accountId) continue;
    const accountId = raceAccountIdOf(e.id);
    await accounts.open({
      accountId,
      cloneId: e.cloneId,
      ownerId: e.creatorUserId,
      startingBalanceMicroUsd: race.startingBalanceMicroUsd,
      startMs: race.liveStartsAtMs,
      endMs: race.liveEndsAtMs,
      rules,
      allowedSymbols: await allowedSymbolsOf(db, e.cloneId),
      pins: { pipelineVersion: e.pipelineVersion, modelId: e.modelId, raceId: race.id, entrantId: e.id },
      nowMs: Math.min(deps.clock.nowMs(), race.liveStartsAtMs),
    });
    await db
      .update(arenaEntrants)
      .set({ accountId, updatedAtMs: deps.clock.nowMs() })
      .where(and(eq(arenaEntrants.id, e.id), isNull(arenaEntrants.accountId)));
    opened++;
  }
  return opened;
}

/** launched -> live once every entrant's account is open. */
export async function startRace(ctx: RaceContext, race: RaceRow): Promise<RaceRow> {
  await openAccounts(ctx, race);
  return (await applyMove(ctx.db, race, "start", ctx.cause, ctx.deps.clock.nowMs())).race;
}

/** live -> settling at `endMs` (the window's end; earlier only when an operator closes early). */
export async function closeRace(ctx: RaceContext, race: RaceRow, endMs: number): Promise<RaceRow> {
  const set = endMs < race.liveEndsAtMs ? { liveEndsAtMs: endMs } : {};
  const moved = await applyMove(ctx.db, race, "close", ctx.cause, ctx.deps.clock.nowMs(), set);
  if (moved.race.status === "settling") await collectResults(ctx, moved.race);
  return moved.race;
}

/** Finalizes (as of the live window's end) and stores the result of every entrant that lacks one; answers how many still lack one. */
export async function collectResults(ctx: RaceContext, race: RaceRow): Promise<number> {
  const { db, deps, accounts } = ctx;
  let missing = 0;
  for (const e of await listEntrants(db, race.id)) {
    if (e.status !== "entered" || e.resultStatus) continue;
    const result = e.accountId ? await accounts.finalize(e.accountId, race.liveEndsAtMs) : null;
    if (!result) {
      missing++;
      continue;
    }
    const nowMs = deps.clock.nowMs();
    await db
      .update(arenaEntrants)
      .set({
        resultStatus: result.status,
        returnBps: result.returnBps,
        maxDrawdownBps: result.maxDrawdownBps,
        finalizedAtMs: nowMs,
        updatedAtMs: nowMs,
      })
      .where(and(eq(arenaEntrants.id, e.id), isNull(arenaEntrants.resultStatus)));
  }
  return missing;
}

/** settling -> settled once every entrant has a final result; then strikes, retirements, Hall of Fame. */
export async function settleWhenReady(
  ctx: RaceContext,
  race: RaceRow,
): Promise<Result<RaceRow, { kind: "results_missing"; missing: number }>> {
  const missing = await collectResults(ctx, race);
  if (missing > 0) return err({ kind: "results_missing", missing });
  await settleStoredRace(ctx.db, ctx.deps, race.id, { actor: actorOfCause(ctx.cause), cause: ctx.cause, artifacts: ctx.artifacts });
  const after = (await findRace(ctx.db, race.id)) as RaceRow;
  if (after.status === "settled" || after.status === "archived") await applyStanding(ctx.db, ctx.deps, ctx.settings, race.id);
  return ok(after);
}

export type AdvanceFailure =
  | { kind: "not_found" }
  | { kind: "invalid_transition"; from: string; event: string }
  | { kind: "results_missing"; missing: number };

/** The operator's advance: the next forward move now (windows not waited for). */
export async function advanceRaceNow(ctx: RaceContext, raceId: string): Promise<Result<RaceRow, AdvanceFailure>> {
  const race = await findRace(ctx.db, raceId);
  if (!race) return err({ kind: "not_found" });
  const event = ADVANCE_EVENT[race.status];
  if (!event) return err({ kind: "invalid_transition", from: race.status, event: "advance" });
  const nowMs = ctx.deps.clock.nowMs();
  switch (event) {
    case "launch":
      return ok(await launchRace(ctx, race));
    case "start":
      return ok(await startRace(ctx, race));
    case "close":
      return ok(await closeRace(ctx, race, Math.min(nowMs, race.liveEndsAtMs)));
    case "settle":
      return settleWhenReady(ctx, race);
    case "archive":
      return ok((await applyMove(ctx.db, race, "archive", ctx.cause, nowMs)).race);
    default:
      return err({ kind: "invalid_transition", from: race.status, event });
  }
}

/**
 * One pass of the `arena.races` job over every race that can move at `nowMs`; then a new race when none
 * is accumulating. Answers what it did.
 */
export async function stepRaces(ctx: RaceContext): Promise<Record<string, number>> {
  const { db, deps, settings } = ctx;
  const counts = { created: 0, scratched: 0, launched: 0, cancelled: 0, started: 0, closed: 0, settled: 0, archived: 0, waiting: 0 };
  const nowMs = deps.clock.nowMs();
  const active = await db
    .select()
    .from(arenaRaces)
    .where(inArray(arenaRaces.status, ["accumulating", "launched", "live", "settling"]))
    .orderBy(asc(arenaRaces.seq));
  for (const race of active) {
    if (race.status === "accumulating") {
      counts.scratched += await scratchLeavers(ctx, race);
      if (nowMs >= race.closesAtMs) {
        const after = await launchRace(ctx, race);
        if (after.status === "launched") counts.launched++;
        if (after.status === "cancelled") counts.cancelled++;
      }
    } else if (race.status === "launched") {
      await openAccounts(ctx, race);
      if (nowMs >= race.liveStartsAtMs && (await startRace(ctx, race)).status === "live") counts.started++;
    } else if (race.status === "live") {
      if (nowMs >= race.liveEndsAtMs && (await closeRace(ctx, race, race.liveEndsAtMs)).status === "settling") counts.closed++;
    } else if (race.status === "settling") {
      const done = await settleWhenReady(ctx, race);
      if (done.ok) counts.settled++;
      else counts.waiting++;
    }
  }
  // Late refunds (a crash between a move and its refunds) and standing not yet applied.
  const cancelledOwing = await db.all<{ id: string }>(sql`
    SELECT DISTINCT r.id AS id FROM arena_races r JOIN arena_tickets t ON t.race_id = r.id
    WHERE r.status = 'cancelled' AND t.status = 'confirmed'`);
  for (const { id } of cancelledOwing) await sweepRefunds(ctx, (await findRace(db, id)) as RaceRow);
  for (const race of active) if (race.status === "accumulating" || race.status === "launched") await sweepRefunds(ctx, race);
  const unstood = await db.all<{ id: string }>(sql`
    SELECT r.id AS id FROM arena_races r WHERE r.status IN ('settled', 'archived')
      AND (SELECT COUNT(*) FROM arena_strikes s WHERE s.race_id = r.id)
        < (SELECT COUNT(*) FROM arena_entrants e WHERE e.race_id = r.id AND e.result_status IS NOT NULL)`);
  for (const { id } of unstood) await applyStanding(db, deps, settings, id);
  // Archive settled races ARENA_ARCHIVE_DAYS after their settlement completed.
  const due = await db.all<{ id: string }>(sql`
    SELECT r.id AS id FROM arena_races r JOIN arena_settlements s ON s.race_id = r.id
    WHERE r.status = 'settled' AND s.status = 'complete' AND s.completed_at_ms <= ${nowMs - settings.ARENA_ARCHIVE_DAYS * DAY_MS}`);
  for (const { id } of due) {
    const race = (await findRace(db, id)) as RaceRow;
    if ((await applyMove(db, race, "archive", ctx.cause, nowMs)).moved) counts.archived++;
  }
  if ((await createRace(ctx, { minField: settings.ARENA_MIN_FIELD })).created) counts.created++;
  return counts;
}
