/**
 * The race lifecycle through the `arena.races` job and the admin routes on a manual clock, with clones
 * seated the way production seats them (credit, audition, approved profile, arena-entry worker) and the
 * explicit fake of the race-account port (the real trading path: arena-race-e2e.test.ts): a race is
 * created with its field fixed and deterministic ids, a clone leaving its slot is scratched and its
 * tickets refunded, launch opens one account per entrant, the close finalizes as of the window's end,
 * settlement credits balances, strikes retire the last clone through lifecycle, the Hall of Fame keeps
 * its records, and a race with fewer than 2 entrants at launch is cancelled with every ticket refunded.
 */
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { type ArenaDeps, poolBook, settleRace, userBook } from "../../src/domains/arena";
import { bookBalance } from "../../src/domains/arena/balances/arena-ledger.storage";
import type { RaceRow } from "../../src/domains/arena/races/race.tables";
import { findRace } from "../../src/domains/arena/races/race-moves.storage";
import { raceInputOf } from "../../src/domains/arena/settlement/settlement.service";
import { buyTicket, db, FakeRaceAccounts, seedBalance } from "../support/arena-races";
import { lifecycleHarness } from "../support/lifecycle";
import { eligibleClone, FakeAuditionAccounts, grantCredits } from "../support/lifecycle-clones";
import { seedRecordedRegistry } from "../support/registry-seed";

const NOW = Date.UTC(2026, 11, 1, 12);
const MIN = 60_000;
let tag = 0;

function harness() {
  const auditions = new FakeAuditionAccounts();
  const races = new FakeRaceAccounts();
  const h = lifecycleHarness(
    NOW,
    {
      ARENA_SLOTS: "3",
      AUDITION_DURATION_HOURS: "1",
      ARENA_ACCUMULATION_MINUTES: "10",
      ARENA_START_DELAY_MINUTES: "1",
      ARENA_LIVE_MINUTES: "30",
      ARENA_STRIKE_BOTTOM_N: "1",
      ARENA_STRIKES_TO_RETIRE: "1",
    },
    auditions,
  );
  (h.deps as ArenaDeps).raceAccounts = races;
  return { ...h, auditions, races };
}
type H = ReturnType<typeof harness>;

/** A clone of `user` seated in an Arena slot with an approved profile named `name`. */
async function seatedClone(h: H, user: string, name: string): Promise<string> {
  const cloneId = await eligibleClone(h, user, "gpt-5-mini", `Clone ${++tag}`);
  await grantCredits(user, 1, `race${tag}`);
  const audition = (await h.call(user, "POST", `/clones/${cloneId}/auditions`)).body;
  h.clock.set(Math.max(h.clock.nowMs(), audition.endsAtMs));
  h.auditions.results.set(audition.accountId, { status: "finalized", fills: 10, returnBps: 900 - tag, maxDrawdownBps: 100 });
  await h.runJob("lifecycle.auditions-worker");
  const version = await h.call(user, "PUT", `/clones/${cloneId}/profile`, { displayName: name, bio: "bio", strategySummary: "trend" });
  expect((await h.call("mod", "POST", `/admin/lifecycle/moderation/${version.body.id}/approve`, {}, "admin")).status).toBe(200);
  await h.runJob("lifecycle.arena-entry-worker");
  return cloneId;
}

const raceOf = async (id: string) => (await findRace(db(), id)) as RaceRow;

beforeAll(async () => {
  await seedRecordedRegistry();
});

describe("the race lifecycle", () => {
  it("creates, scratches, launches, starts, closes at the window's end, settles, strikes and retires", async () => {
    const h = harness();
    const a = await seatedClone(h, "ann", "Alpha");
    const b = await seatedClone(h, "bob", "Bravo");
    const c = await seatedClone(h, "cat", "Charlie");

    const created = await h.runJob("arena.races");
    expect(created.summary.created).toBe(1);
    const race = (await db().get<RaceRow>(sql`SELECT id FROM arena_races WHERE status = 'accumulating'`)) as { id: string };
    const entrants = (await h.call("op", "POST", "/admin/races", {}, "admin")).body;
    expect(entrants.created).toBe(false);
    expect(entrants.race.raceId).toBe(race.id);
    expect(
      entrants.race.entrants.map((e: { entrantId: string; cloneId: string; displayName: string }) => [
        e.entrantId,
        e.cloneId,
        e.displayName,
      ]),
    ).toEqual([
      [`${race.id}_s1`, a, "Alpha"],
      [`${race.id}_s2`, b, "Bravo"],
      [`${race.id}_s3`, c, "Charlie"],
    ]);
    const pinned = await db().all<{ v: number; m: string }>(
      sql`SELECT pipeline_version AS v, model_id AS m FROM arena_entrants WHERE race_id = ${race.id}`,
    );
    expect(pinned.every((p) => p.v >= 1 && p.m === "gpt-5-mini")).toBe(true);
    // A second run creates nothing: one race accumulates at a time.
    expect((await h.runJob("arena.races")).summary.created).toBe(0);

    const opened = await raceOf(race.id);
    for (const u of ["p1", "p2", "p3"]) await seedBalance(`${u}-${race.id}`, 100_000_000, `${u}-${race.id}`);
    const buy = (n: number, user: string, seat: number, amount: number) =>
      buyTicket({
        id: `tk_${race.id}_${n}`,
        raceId: race.id,
        entrantId: `${race.id}_s${seat}`,
        userId: `${user}-${race.id}`,
        amount,
        atMs: h.clock.nowMs(),
      });
    await buy(1, "p1", 1, 20_000_000);
    await buy(2, "p2", 2, 10_000_000);
    await buy(3, "p3", 3, 5_000_000);
    await buy(4, "p2", 1, 4_000_000);
    expect(await bookBalance(db(), userBook(`p3-${race.id}`))).toBe(95_000_000);

    // Charlie leaves its slot before launch: scratched, its ticket refunded in full.
    expect((await h.call("op", "POST", `/admin/lifecycle/slots/${c}/remove`, { reason: "test" }, "admin")).status).toBe(200);
    expect((await h.runJob("arena.races")).summary.scratched).toBe(1);
    expect(await bookBalance(db(), userBook(`p3-${race.id}`))).toBe(100_000_000);
    expect(await bookBalance(db(), poolBook(race.id))).toBe(34_000_000);

    // Launch at the close of accumulation: two accounts, ids derived from race + entrant; a re-run opens none.
    h.clock.set(opened.closesAtMs);
    expect((await h.runJob("arena.races")).summary.launched).toBe(1);
    expect([...h.races.opens.entries()]).toEqual([
      [`racc_${race.id}_s1`, 1],
      [`racc_${race.id}_s2`, 1],
    ]);
    expect(h.races.opened[0]).toMatchObject({
      startMs: opened.liveStartsAtMs,
      endMs: opened.liveEndsAtMs,
      startingBalanceMicroUsd: 10_000_000_000,
    });
    expect(h.races.opened[0]?.allowedSymbols.length).toBeGreaterThan(0);
    await h.runJob("arena.races");
    expect([...h.races.opens.values()]).toEqual([1, 1]);

    h.clock.set(opened.liveStartsAtMs);
    expect((await h.runJob("arena.races")).summary.started).toBe(1);
    h.races.results.set(`racc_${race.id}_s1`, { status: "finalized", returnBps: -150, maxDrawdownBps: 900 });
    h.races.results.set(`racc_${race.id}_s2`, { status: "finalized", returnBps: 420, maxDrawdownBps: 300 });
    h.clock.set(opened.liveEndsAtMs + 7 * MIN);
    const closed = await h.runJob("arena.races");
    expect(closed.summary.closed).toBe(1);
    // Finalized as of the window's end, not the job's time.
    expect(new Set(h.races.finalizeCalls.map((f) => f.endMs))).toEqual(new Set([opened.liveEndsAtMs]));
    if ((await raceOf(race.id)).status === "settling") await h.runJob("arena.races");
    const settled = await raceOf(race.id);
    expect(settled.status).toBe("settled");

    const pure = settleRace(await raceInputOf(db(), settled));
    expect(pure.ranking.map((r) => r.entrantId)).toEqual([`${race.id}_s2`, `${race.id}_s1`]);
    expect(await bookBalance(db(), poolBook(race.id))).toBe(0);
    const won = (u: string) => pure.payouts.filter((p) => p.userId === u).reduce((s, p) => s + Number(p.amountMicroUsd), 0);
    expect(await bookBalance(db(), userBook(`p2-${race.id}`))).toBe(86_000_000 + won(`p2-${race.id}`));
    expect(await bookBalance(db(), userBook(`p1-${race.id}`))).toBe(80_000_000 + won(`p1-${race.id}`));
    expect(won(`p1-${race.id}`)).toBeGreaterThan(0);
    const royalty = pure.royalties.find((r) => r.place === 1);
    expect(await bookBalance(db(), userBook("bob"))).toBe(Number(royalty?.amountMicroUsd));

    // Standing: place 2 of 2 is the bottom 1 -> a strike -> retired (1 strike retires here).
    const strikes = await db().all<{ cloneId: string; kind: string; after: number }>(
      sql`SELECT clone_id AS cloneId, kind, strikes_after AS after FROM arena_strikes WHERE race_id = ${race.id} ORDER BY clone_id`,
    );
    expect(strikes.sort((x, y) => (x.cloneId < y.cloneId ? -1 : 1))).toEqual(
      [
        { cloneId: a, kind: "strike", after: 1 },
        { cloneId: b, kind: "clear", after: 0 },
      ].sort((x, y) => (x.cloneId < y.cloneId ? -1 : 1)),
    );
    const retirement = await h.call("anyone", "GET", `/clones/${a}/retirement`);
    expect(retirement.body).toMatchObject({ cloneId: a, strikes: 1, raceIds: [race.id] });
    expect((await h.call("anyone", "GET", `/clones/${b}/retirement`)).status).toBe(404);
    const slots = (await h.call("anyone", "GET", "/arena/slots")).body.slots.map((s: { cloneId: string | null }) => s.cloneId);
    expect(slots).not.toContain(a);
    // A retired clone can never re-enter: another audition is refused.
    await grantCredits("ann", 1, "again");
    expect((await h.call("ann", "POST", `/clones/${a}/auditions`)).status).toBe(409);

    const hall = (await h.call("anyone", "GET", "/hall-of-fame")).body.entries;
    expect(new Map(hall.map((e: { cloneId: string; honours: string[] }) => [e.cloneId, e.honours]))).toEqual(
      new Map([
        [a, ["retired"]],
        [b, ["champion"]],
      ]),
    );
    // The snapshot does not follow later profile edits.
    const edit = await h.call("bob", "PUT", `/clones/${b}/profile`, { displayName: "Renamed", bio: "new" });
    await h.call("mod", "POST", `/admin/lifecycle/moderation/${edit.body.id}/approve`, {}, "admin");
    const record = (await h.call("anyone", "GET", `/hall-of-fame/${b}`)).body;
    expect(record.snapshot.displayName).toBe("Bravo");
    expect(record.totals).toMatchObject({ races: 1, wins: 1, royaltiesEarnedMicroUsd: Number(royalty?.amountMicroUsd) });
    expect(record.races).toEqual([
      expect.objectContaining({ raceId: race.id, place: 1, fieldSize: 2, returnBps: 420, maxDrawdownBps: 300 }),
    ]);

    // Every move recorded once with its cause.
    const moves = await db().all<{ event: string; kind: string }>(
      sql`SELECT event, cause_kind AS kind FROM arena_race_moves WHERE race_id = ${race.id} ORDER BY at_ms, event`,
    );
    expect(moves.map((m) => m.event)).toEqual(["launch", "start", "close", "settle"]);
    expect(moves.every((m) => m.kind === "job")).toBe(true);

    // Standings after: final results and places.
    const standings = (await h.call("anyone", "GET", `/races/${race.id}/standings`)).body;
    expect(standings.entrants.map((e: { place: number | null; source: string }) => [e.place, e.source])).toEqual([
      [2, "final"],
      [1, "final"],
      [null, "none"],
    ]);
  });

  it("fewer than 2 entrants at launch: cancelled, every confirmed ticket refunded in full; admin cancel refunds too", async () => {
    const h = harness();
    // Whatever is seated from other tests: force a race, then scratch down to one entrant by unseating.
    const made = (await h.call("op", "POST", "/admin/races", { accumulationMinutes: 5 }, "admin")).body;
    const raceId = made.race.raceId as string;
    const seated = made.race.entrants as Array<{ entrantId: string; cloneId: string }>;
    for (const e of seated.slice(1)) await h.call("op", "POST", `/admin/lifecycle/slots/${e.cloneId}/remove`, { reason: "test" }, "admin");
    await seedBalance(`solo-${raceId}`, 50_000_000, `solo-${raceId}`);
    if (seated[0])
      await buyTicket({
        id: `tk_solo_${raceId}`,
        raceId,
        entrantId: seated[0].entrantId,
        userId: `solo-${raceId}`,
        amount: 7_000_000,
        atMs: h.clock.nowMs(),
      });
    const advanced = await h.call("op", "POST", `/admin/races/${raceId}/advance`, undefined, "admin");
    expect(advanced.status).toBe(200);
    expect(advanced.body).toMatchObject({ status: "cancelled", cancelReason: "fewer_than_2_entrants" });
    expect(await bookBalance(db(), userBook(`solo-${raceId}`))).toBe(50_000_000);
    expect(await bookBalance(db(), poolBook(raceId))).toBe(0);
    // Cancelled is final.
    expect((await h.call("op", "POST", `/admin/races/${raceId}/advance`, undefined, "admin")).status).toBe(409);
    expect((await h.call("op", "POST", `/admin/races/${raceId}/cancel`, { reason: "again" }, "admin")).status).toBe(409);
    expect((await h.call("op", "POST", "/admin/races/nope/cancel", { reason: "x" }, "admin")).status).toBe(404);
    expect((await h.call("op", "POST", "/admin/races", { config: { rakeBps: 9000, creatorPoolBps: 2000 } }, "admin")).status).toBe(400);
  });
});
