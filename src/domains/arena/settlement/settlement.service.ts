/**
 * Settlement persistence (issue 19, "Settlement rules v1"): assemble the pure `RaceInput` from the race's
 * rows, run `settleRace`, then write it:
 *
 *   1. `arena_settlements` row, status `writing`, with the settlement hash (INSERT OR IGNORE: of two
 *      concurrent settles one row wins and both go on writing the same rows);
 *   2. payout / refund rows per ticket and royalty rows per place, then the ledger credits, in chunked
 *      batches; every key is derived (race + ticket + kind, race + place; transfer ids
 *      `payout:<race>:<user>`, `srefund:<race>:<user>`, `royalty:<race>:<place>`, `rake:<race>`,
 *      `carry_out:<race>`), every insert is INSERT OR IGNORE, so a re-run after a crash at any point
 *      inserts exactly what is missing;
 *   3. a proof that the race's pool book is exactly 0 and every row is in, then ONE batch: settlement
 *      `complete`, race settling -> settled (with its move record), audit row;
 *   4. the settlement artifact (settlement-artifact.service): the full document in the artifact store,
 *      derived from the rows above; its failure is reported in the outcome, never undoes the settlement,
 *      and is repaired by a re-run or by `arena.reconcile`.
 *
 * Idempotent: a complete settlement is answered as stored, nothing is written (a missing artifact is
 * written: it is derived from the stored rows). A stored hash that differs
 * from the recomputed one (the inputs changed under a settlement) is an error, never overwritten.
 * Ledger credits are one transfer per user and kind (sum of that user's ticket payouts), so 100,000
 * tickets do not become 100,000 ledger transfers; the per-ticket rows carry the detail.
 * Callers: race.service (job and admin advance), the admin settle route, tests, the bench.
 */
import { asc, eq, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import type { ArtifactStore } from "../../artifacts";
import { HOUSE, poolBook, userBook } from "../balances/arena-books.model";
import { bookBalance, transferStatements } from "../balances/arena-ledger.storage";
import type { RaceMoveCause } from "../races/race.model";
import { arenaEntrants, type RaceRow } from "../races/race.tables";
import { findRace, moveStatements } from "../races/race-moves.storage";
import { arenaTickets } from "../tickets/ticket.tables";
import { type Settlement, settleRace } from "./settlement.model";
import { arenaSettlements, type SettlementRow } from "./settlement.tables";
import { type ArtifactOutcome, ensureSettlementArtifact } from "./settlement-artifact.service";
import { type RaceInput, SettlementConfigSchema } from "./settlement-input.model";
import { findSettlement } from "./settlement-read.storage";

export { findSettlement, settlementWire, storedSettlement } from "./settlement-read.storage";

// biome-ignore lint/suspicious/noExplicitAny: D1 batch items of any statement kind
type Statement = any;
/** Runs one batch (tests wrap it to crash between writes). */
export type BatchRunner = (statements: Statement[]) => Promise<unknown>;

export interface SettleOptions {
  actor: string;
  cause: RaceMoveCause;
  /** Where the settlement document goes once complete (settlement-artifact.service). */
  artifacts: ArtifactStore;
  /** Default: `db.batch`. */
  runBatch?: BatchRunner;
  /** Statements per D1 batch (default 40). */
  statementsPerBatch?: number;
}

export type SettleFailure =
  | { kind: "not_found" }
  | { kind: "not_settling"; status: string }
  | { kind: "results_missing"; entrantIds: string[] };

/** Thrown when the stored settlement's hash differs from the recomputed one: inputs changed; never overwritten. */
export class SettlementMismatchError extends Error {
  constructor(
    readonly raceId: string,
    readonly stored: string,
    readonly recomputed: string,
  ) {
    super(`settlement of ${raceId}: stored hash ${stored} differs from recomputed ${recomputed}`);
    this.name = "SettlementMismatchError";
  }
}

/** The pure settlement input of a race, from its rows (amounts as bigint; entrants without a result are scratched). */
export async function raceInputOf(db: Db, race: RaceRow): Promise<RaceInput> {
  const entrants = await db.select().from(arenaEntrants).where(eq(arenaEntrants.raceId, race.id)).orderBy(asc(arenaEntrants.seat));
  const tickets = await db
    .select({
      ticketId: arenaTickets.id,
      userId: arenaTickets.userId,
      entrantId: arenaTickets.entrantId,
      amount: arenaTickets.amountMicroUsd,
      purchasedAtMs: arenaTickets.purchasedAtMs,
      status: arenaTickets.status,
    })
    .from(arenaTickets)
    .where(eq(arenaTickets.raceId, race.id));
  return {
    raceId: race.id,
    config: SettlementConfigSchema.parse(JSON.parse(race.configJson)),
    accumulation: { opensAtMs: race.opensAtMs, closesAtMs: race.closesAtMs },
    carryInMicroUsd: BigInt(race.carryInMicroUsd),
    entrants: entrants.map((e) => ({
      entrantId: e.id,
      cloneId: e.cloneId,
      creatorUserId: e.creatorUserId,
      seat: e.seat,
      result:
        e.status === "entered" && e.resultStatus
          ? {
              status: "finalized",
              returnBps: e.returnBps ?? 0,
              maxDrawdownBps: e.maxDrawdownBps ?? 0,
              liquidated: e.resultStatus === "liquidated",
            }
          : null,
    })),
    tickets: tickets.map((t) => ({
      ticketId: t.ticketId,
      userId: t.userId,
      entrantId: t.entrantId,
      amountMicroUsd: BigInt(t.amount),
      purchasedAtMs: t.purchasedAtMs,
      status: t.status,
    })),
  };
}

const num = (v: bigint): number => {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`amount ${v} exceeds 2^53-1 micro-USD`);
  return Number(v);
};

/**
 * Multi-row INSERT OR IGNORE statements, `perStatement` rows each (D1 binds at most 100 parameters). Each
 * statement is ONE flat template (text pieces around every value) rather than nested `sql.join`s: for
 * 100,000 tickets the nested form spent seconds building drizzle SQL objects (`npm run bench -- settlement`).
 */
function insertRows(db: Db, table: string, columns: string[], rows: unknown[][], perStatement: number) {
  const out: Statement[] = [];
  const head = `INSERT OR IGNORE INTO ${table} (${columns.join(", ")}) VALUES (`;
  for (let i = 0; i < rows.length; i += perStatement) {
    const strings: string[] = [];
    const values: unknown[] = [];
    rows.slice(i, i + perStatement).forEach((row, k) => {
      row.forEach((v, j) => {
        strings.push(j > 0 ? ", " : k === 0 ? head : "), (");
        values.push(v);
      });
    });
    strings.push(")");
    const template = Object.assign([...strings], { raw: strings }) as unknown as TemplateStringsArray;
    out.push(rawStatement(db, sql(template, ...values)));
  }
  return out;
}

/** Every row and ledger statement of a settlement (all idempotent), in write order. */
export function settlementWrites(
  db: Db,
  race: RaceRow,
  input: RaceInput,
  s: Settlement,
  royaltyClone: ReadonlyMap<string, string>,
  nowMs: number,
) {
  const rows: Statement[] = [];
  rows.push(
    ...insertRows(
      db,
      "arena_payouts",
      ["race_id", "ticket_id", "kind", "user_id", "entrant_id", "place", "weight", "amount_micro_usd"],
      s.payouts.map((p) => [race.id, p.ticketId, "payout", p.userId, p.entrantId, p.place, p.weight.toString(), num(p.amountMicroUsd)]),
      12,
    ),
  );
  const ticketEntrant = new Map(input.tickets.map((t) => [t.ticketId, t.entrantId]));
  const refundRows = s.refunds.map((r) => [
    race.id,
    r.ticketId,
    "refund",
    r.userId,
    ticketEntrant.get(r.ticketId) ?? "",
    null,
    null,
    num(r.amountMicroUsd),
  ]);
  rows.push(
    ...insertRows(
      db,
      "arena_payouts",
      ["race_id", "ticket_id", "kind", "user_id", "entrant_id", "place", "weight", "amount_micro_usd"],
      refundRows,
      12,
    ),
  );
  rows.push(
    ...insertRows(
      db,
      "arena_royalties",
      ["race_id", "place", "entrant_id", "clone_id", "creator_user_id", "amount_micro_usd"],
      s.royalties.map((r) => [race.id, r.place, r.entrantId, royaltyClone.get(r.entrantId) ?? "", r.creatorUserId, num(r.amountMicroUsd)]),
      16,
    ),
  );
  const pool = poolBook(race.id);
  const ledger: Statement[] = [];
  const credit = (
    transferId: string,
    code: "payout" | "refund" | "royalty" | "rake" | "carry_out",
    refId: string,
    book: string,
    amount: bigint,
  ) => {
    if (amount === 0n) return;
    ledger.push(
      ...transferStatements(db, {
        transferId,
        code,
        t: nowMs,
        refId,
        raceId: race.id,
        postings: [
          { book, amountMicroUsd: num(amount) },
          { book: pool, amountMicroUsd: -num(amount) },
        ],
      }),
    );
  };
  const perUser = (items: readonly { userId: string; amountMicroUsd: bigint }[]) => {
    const sums = new Map<string, bigint>();
    for (const i of items) sums.set(i.userId, (sums.get(i.userId) ?? 0n) + i.amountMicroUsd);
    return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  };
  for (const [userId, amount] of perUser(s.payouts)) credit(`payout:${race.id}:${userId}`, "payout", race.id, userBook(userId), amount);
  for (const [userId, amount] of perUser(s.refunds)) credit(`srefund:${race.id}:${userId}`, "refund", race.id, userBook(userId), amount);
  for (const r of s.royalties) credit(`royalty:${race.id}:${r.place}`, "royalty", race.id, userBook(r.creatorUserId), r.amountMicroUsd);
  credit(`rake:${race.id}`, "rake", race.id, HOUSE.rake, s.rakeMicroUsd);
  credit(`carry_out:${race.id}`, "carry_out", race.id, HOUSE.carry, s.carryOutMicroUsd);
  return [...rows, ...ledger];
}

/** The artifact step: its failure (store unreachable) never fails a settled race; a re-run or arena.reconcile repairs it. */
async function artifactOf(db: Db, store: ArtifactStore, raceId: string, nowMs: number): Promise<ArtifactOutcome> {
  try {
    return await ensureSettlementArtifact(db, store, raceId, nowMs);
  } catch (error) {
    return { kind: "failed", message: error instanceof Error ? error.message : String(error) };
  }
}

/** Settles a race in `settling` (or answers its complete settlement). See the header for the write order. */
export async function settleStoredRace(
  db: Db,
  deps: AppDeps,
  raceId: string,
  options: SettleOptions,
): Promise<Result<{ settlement: SettlementRow; written: boolean; artifact: ArtifactOutcome }, SettleFailure>> {
  const runBatch: BatchRunner = options.runBatch ?? ((statements) => db.batch(statements as [Statement, ...Statement[]]));
  const race = await findRace(db, raceId);
  if (!race) return err({ kind: "not_found" });
  const stored = await findSettlement(db, raceId);
  if (stored?.status === "complete") {
    // A re-run repairs an artifact lost to a crash after the D1 batch (writes nothing when it is present).
    const artifact = await artifactOf(db, options.artifacts, raceId, deps.clock.nowMs());
    return ok({ settlement: (await findSettlement(db, raceId)) as SettlementRow, written: false, artifact });
  }
  if (race.status !== "settling") return err({ kind: "not_settling", status: race.status });

  const input = await raceInputOf(db, race);
  const entrants = await db.select().from(arenaEntrants).where(eq(arenaEntrants.raceId, raceId));
  const missing = entrants.filter((e) => e.status === "entered" && !e.resultStatus).map((e) => e.id);
  if (missing.length > 0) return err({ kind: "results_missing", entrantIds: missing });
  const s = settleRace(input);
  if (stored && stored.settlementHash !== s.settlementHash)
    throw new SettlementMismatchError(raceId, stored.settlementHash, s.settlementHash);

  const nowMs = deps.clock.nowMs();
  await runBatch([
    db
      .insert(arenaSettlements)
      .values({
        raceId,
        settlementHash: s.settlementHash,
        poolMicroUsd: num(s.poolMicroUsd),
        rakeMicroUsd: num(s.rakeMicroUsd),
        creatorPoolMicroUsd: num(s.creatorPoolMicroUsd),
        distributionPoolMicroUsd: num(s.distributionPoolMicroUsd),
        carryInMicroUsd: num(s.carryInMicroUsd),
        carryOutMicroUsd: num(s.carryOutMicroUsd),
        rankingJson: JSON.stringify(s.ranking),
        payoutCount: s.payouts.length,
        refundCount: s.refunds.length,
        artifactKey: null,
        status: "writing",
        settledBy: options.actor,
        startedAtMs: nowMs,
        completedAtMs: null,
      })
      .onConflictDoNothing(),
  ]);
  const head = (await findSettlement(db, raceId)) as SettlementRow;
  if (head.settlementHash !== s.settlementHash) throw new SettlementMismatchError(raceId, head.settlementHash, s.settlementHash);

  const cloneOf = new Map(entrants.map((e) => [e.id, e.cloneId]));
  const writes = settlementWrites(db, race, input, s, cloneOf, head.startedAtMs);
  const size = options.statementsPerBatch ?? 40;
  for (let i = 0; i < writes.length; i += size) await runBatch(writes.slice(i, i + size));

  // Proof before completing: every row is in and the pool is empty.
  const counts = await db.get<{ payouts: number; refunds: number }>(sql`
    SELECT SUM(kind = 'payout') AS payouts, SUM(kind = 'refund') AS refunds FROM arena_payouts WHERE race_id = ${raceId}`);
  const poolLeft = await bookBalance(db, poolBook(raceId));
  if ((counts?.payouts ?? 0) !== s.payouts.length || (counts?.refunds ?? 0) !== s.refunds.length || poolLeft !== 0) {
    throw new Error(
      `settlement of ${raceId} incomplete after writing: payouts ${counts?.payouts}/${s.payouts.length}, refunds ${counts?.refunds}/${s.refunds.length}, pool ${poolLeft}`,
    );
  }
  const move = moveStatements(db, race, "settle", options.cause, nowMs) ?? [];
  await runBatch([
    rawStatement(
      db,
      sql`UPDATE arena_settlements SET status = 'complete', completed_at_ms = ${nowMs} WHERE race_id = ${raceId} AND status = 'writing'`,
    ),
    ...move,
    rawStatement(
      db,
      sql`INSERT OR IGNORE INTO arena_events (id, subject_kind, subject_id, from_state, to_state, event, actor, reason, details_json, at_ms)
          VALUES (${`aev:settlement:${raceId}`}, 'settlement', ${raceId}, 'writing', 'complete', 'settle', ${options.actor}, NULL,
                  ${JSON.stringify({ settlementHash: s.settlementHash, payouts: s.payouts.length, refunds: s.refunds.length })}, ${nowMs})`,
    ),
  ]);
  // After the D1 settlement (the source of truth): its derived document, keyed by race + settlement hash.
  const artifact = await artifactOf(db, options.artifacts, raceId, nowMs);
  return ok({ settlement: (await findSettlement(db, raceId)) as SettlementRow, written: true, artifact });
}
