/**
 * Settlement persistence (issue 19): the stored settlement equals the pure one to the micro-USD (rows,
 * ledger credits, balances, pool emptied), a re-run writes nothing, a crash between any two writes
 * followed by a re-run leaves exactly one settlement with no missing or doubled payout, two concurrent
 * settles give one settlement, a changed input under a stored hash is refused, and the settlement route
 * answers the CLI's wire form.
 */
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { manualClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import {
  poolBook,
  type RaceRow,
  SettlementMismatchError,
  settlementToWire,
  settleRace,
  settleStoredRace,
  userBook,
} from "../../src/domains/arena";
import { bookBalance } from "../../src/domains/arena/balances/arena-ledger.storage";
import { findRace } from "../../src/domains/arena/races/race-moves.storage";
import { type BatchRunner, raceInputOf } from "../../src/domains/arena/settlement/settlement.service";
import { r2ArtifactStore } from "../../src/domains/artifacts";
import { db, type FixtureRace, settlingRace } from "../support/arena-races";
import { lifecycleHarness } from "../support/lifecycle";

const deps = { clock: manualClock(10_000_000), ids: sequentialIds() };
const cause = { kind: "admin" as const, ref: "admin:test" };
const opts = { actor: "admin:test", cause, artifacts: r2ArtifactStore(env.ARTIFACTS) };

/** Three entrants, five bettors, tickets on every place (early and late). */
const spec = (tag: string) => ({
  tag,
  users: 5,
  results: [
    { returnBps: 120, maxDrawdownBps: 300 },
    { returnBps: 950, maxDrawdownBps: 800 },
    { returnBps: -400, maxDrawdownBps: 1200, liquidated: true },
  ],
  tickets: [
    [0, 2, 10_000_000, 1],
    [1, 2, 3_333_333, 30],
    [2, 1, 7_000_001, 5],
    [3, 3, 2_500_000, 59],
    [4, 1, 1_234_567, 40],
    [0, 1, 999_999, 50],
    [1, 3, 4_000_000, 0],
  ] as Array<[number, number, number, number]>,
});

async function ledgerCounts() {
  return db().get<{ transfers: number; postings: number }>(
    sql`SELECT (SELECT COUNT(*) FROM arena_ledger_transfers) AS transfers, (SELECT COUNT(*) FROM arena_ledger_postings) AS postings`,
  );
}

/** The stored outcome checked against the pure settlement of the same rows. */
async function expectSettledLikePure(race: FixtureRace, before: Map<string, number>) {
  const row = (await findRace(db(), race.raceId)) as RaceRow;
  expect(row.status).toBe("settled");
  const pure = settleRace(await raceInputOf(db(), row));
  const settlements = await db().all<{ n: number; hash: string; status: string }>(
    sql`SELECT COUNT(*) AS n, MAX(settlement_hash) AS hash, MAX(status) AS status FROM arena_settlements WHERE race_id = ${race.raceId}`,
  );
  expect(settlements[0]).toEqual({ n: 1, hash: pure.settlementHash, status: "complete" });
  const payouts = await db().all<{ ticketId: string; amount: number }>(
    sql`SELECT ticket_id AS ticketId, amount_micro_usd AS amount FROM arena_payouts WHERE race_id = ${race.raceId} AND kind = 'payout' ORDER BY ticket_id`,
  );
  expect(payouts).toEqual(
    pure.payouts
      .map((p) => ({ ticketId: p.ticketId, amount: Number(p.amountMicroUsd) }))
      .sort((a, b) => (a.ticketId < b.ticketId ? -1 : 1)),
  );
  expect(await bookBalance(db(), poolBook(race.raceId))).toBe(0);
  for (const u of race.users) {
    const won = pure.payouts.filter((p) => p.userId === u).reduce((s, p) => s + Number(p.amountMicroUsd), 0);
    const back = pure.refunds.filter((p) => p.userId === u).reduce((s, p) => s + Number(p.amountMicroUsd), 0);
    expect(await bookBalance(db(), userBook(u))).toBe((before.get(u) ?? 0) + won + back);
  }
  for (const r of pure.royalties)
    expect(await bookBalance(db(), userBook(r.creatorUserId))).toBeGreaterThanOrEqual(Number(r.amountMicroUsd));
  return pure;
}

async function balancesOf(race: FixtureRace) {
  return new Map(await Promise.all(race.users.map(async (u) => [u, await bookBalance(db(), userBook(u))] as [string, number])));
}

describe("settlement persistence", () => {
  it("writes the pure settlement: rows, ledger credits, balances; the pool ends at 0; a re-run writes nothing", async () => {
    const race = await settlingRace(spec("plain"));
    const before = await balancesOf(race);
    const first = await settleStoredRace(db(), deps, race.raceId, opts);
    expect(first.ok && first.value.written).toBe(true);
    const pure = await expectSettledLikePure(race, before);
    expect(pure.payouts.length).toBeGreaterThan(0);
    const counts = await ledgerCounts();
    const again = await settleStoredRace(db(), deps, race.raceId, opts);
    expect(again.ok && again.value.written).toBe(false);
    expect(await ledgerCounts()).toEqual(counts);
    // The move is recorded once with its cause.
    const moves = await db().all<{ event: string; causeRef: string }>(
      sql`SELECT event, cause_ref AS causeRef FROM arena_race_moves WHERE race_id = ${race.raceId}`,
    );
    expect(moves).toEqual([{ event: "settle", causeRef: "admin:test" }]);
  });

  it("a crash between any two writes, then a re-run: exactly one settlement, no missing or doubled payout", async () => {
    // Count the batches of one clean run (small batches: many crash points).
    const probe = await settlingRace(spec("probe"));
    let batches = 0;
    const counting: BatchRunner = async (s) => {
      batches++;
      return db().batch(s as never);
    };
    await settleStoredRace(db(), deps, probe.raceId, { ...opts, runBatch: counting, statementsPerBatch: 3 });
    expect(batches).toBeGreaterThan(5);
    for (let crashAt = 0; crashAt < batches; crashAt++) {
      const race = await settlingRace(spec(`crash${crashAt}`));
      const before = await balancesOf(race);
      let done = 0;
      const crashing: BatchRunner = async (s) => {
        if (done++ === crashAt) throw new Error(`injected crash before batch ${crashAt}`);
        return db().batch(s as never);
      };
      await expect(settleStoredRace(db(), deps, race.raceId, { ...opts, runBatch: crashing, statementsPerBatch: 3 })).rejects.toThrow(
        "injected crash",
      );
      expect((await findRace(db(), race.raceId))?.status).toBe("settling");
      const rerun = await settleStoredRace(db(), deps, race.raceId, { ...opts, statementsPerBatch: 3 });
      expect(rerun.ok).toBe(true);
      await expectSettledLikePure(race, before);
    }
  });

  it("two concurrent settles give one settlement and one set of credits", async () => {
    const race = await settlingRace(spec("concurrent"));
    const before = await balancesOf(race);
    const [a, b] = await Promise.all([
      settleStoredRace(db(), deps, race.raceId, { ...opts, statementsPerBatch: 2 }),
      settleStoredRace(db(), deps, race.raceId, { ...opts, statementsPerBatch: 2 }),
    ]);
    expect(a.ok && b.ok).toBe(true);
    await expectSettledLikePure(race, before);
  });

  it("a stored hash that differs from the recomputed one is refused, never overwritten", async () => {
    const race = await settlingRace(spec("tamper"));
    let done = 0;
    const crashing: BatchRunner = async (s) => {
      if (done++ === 2) throw new Error("injected crash");
      return db().batch(s as never);
    };
    await expect(settleStoredRace(db(), deps, race.raceId, { ...opts, runBatch: crashing })).rejects.toThrow();
    const stored = await db().get<{ hash: string }>(
      sql`SELECT settlement_hash AS hash FROM arena_settlements WHERE race_id = ${race.raceId}`,
    );
    await db().run(sql`UPDATE arena_entrants SET return_bps = 5000 WHERE id = ${race.entrantIds[2]}`);
    await expect(settleStoredRace(db(), deps, race.raceId, opts)).rejects.toBeInstanceOf(SettlementMismatchError);
    const after = await db().get<{ hash: string; status: string }>(
      sql`SELECT settlement_hash AS hash, status FROM arena_settlements WHERE race_id = ${race.raceId}`,
    );
    expect(after).toEqual({ hash: stored?.hash, status: "writing" });
  });

  it("no ticket on a paying place with carryover: D carries out to house:carry; refund mode refunds by amount", async () => {
    const carry = await settlingRace({ ...spec("carry"), tickets: [[0, 3, 5_000_000, 1]], config: { placeBps: [7000, 3000] } });
    const carryBefore = await balancesOf(carry);
    await settleStoredRace(db(), deps, carry.raceId, opts);
    const pure = await expectSettledLikePure(carry, carryBefore);
    expect(pure.carryOutMicroUsd).toBeGreaterThan(0n);
    const refund = await settlingRace({
      ...spec("refund"),
      tickets: [[0, 3, 5_000_000, 1]],
      config: { placeBps: [7000, 3000], noWinner: "refund" },
    });
    const refundBefore = await balancesOf(refund);
    await settleStoredRace(db(), deps, refund.raceId, opts);
    const r = await expectSettledLikePure(refund, refundBefore);
    expect(r.refunds.length).toBe(1);
  });

  it("GET /races/{id}/settlement answers the CLI's wire form; 404 before it is complete", async () => {
    const race = await settlingRace(spec("wire"));
    const h = lifecycleHarness(20_000_000);
    expect((await h.call("reader", "GET", `/races/${race.raceId}/settlement`)).status).toBe(404);
    await settleStoredRace(db(), deps, race.raceId, opts);
    const pure = settleRace(await raceInputOf(db(), (await findRace(db(), race.raceId)) as RaceRow));
    const res = await h.call("reader", "GET", `/races/${race.raceId}/settlement`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(settlementToWire(pure));
  });
});
