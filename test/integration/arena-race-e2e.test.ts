/**
 * A race end to end inside workerd through the REAL trading engine (issue 19, "Must show"): two clones
 * seated by the lifecycle path, a race created by an admin with short windows, tickets bought from
 * balance, launch through the `arena.races` job opening one `race` PropAccount per entrant under an id
 * derived from race + entrant (a retried open returns the same account), a trade through trading's
 * index on recorded-style quotes, the close finalizing as of the window's end, settlement crediting
 * balances exactly as the pure settlement says, strikes applied, the champion in the Hall of Fame, and
 * the arena ledger summing to zero with the pool emptied.
 * Not covered here: tickets paid by tx (engineer A's purchase route and the JSON-RPC stand-in).
 */
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { poolBook, settleRace, tradingRaceAccounts, userBook } from "../../src/domains/arena";
import { bookBalance } from "../../src/domains/arena/balances/arena-ledger.storage";
import type { RaceRow } from "../../src/domains/arena/races/race.tables";
import { findRace } from "../../src/domains/arena/races/race-moves.storage";
import { raceInputOf } from "../../src/domains/arena/settlement/settlement.service";
import { getAccountResult, submitAction } from "../../src/domains/trading";
import { buyTicket, db, seedBalance } from "../support/arena-races";
import { lifecycleHarness } from "../support/lifecycle";
import { eligibleClone, FakeAuditionAccounts, grantCredits } from "../support/lifecycle-clones";
import { putQuote } from "../support/prop-market";
import { seedRecordedRegistry } from "../support/registry-seed";

const NOW = Date.UTC(2026, 11, 2, 8);
const MIN = 60_000;

beforeAll(async () => {
  await seedRecordedRegistry();
});

describe("a race end to end on the real trading engine", () => {
  it("create, buy, launch (accounts opened once), trade, finalize at the window's end, settle, credit, strike, Hall of Fame", async () => {
    const auditions = new FakeAuditionAccounts();
    const h = lifecycleHarness(NOW, { ARENA_SLOTS: "2", AUDITION_DURATION_HOURS: "1" }, auditions);
    const clones: string[] = [];
    for (const [i, user] of ["eve", "fay"].entries()) {
      const cloneId = await eligibleClone(h, user, "gpt-5-mini", `E2E ${i}`);
      await grantCredits(user, 1, `e2e${i}`);
      const audition = (await h.call(user, "POST", `/clones/${cloneId}/auditions`)).body;
      h.clock.set(Math.max(h.clock.nowMs(), audition.endsAtMs));
      auditions.results.set(audition.accountId, { status: "finalized", fills: 10, returnBps: 800 - i, maxDrawdownBps: 100 });
      await h.runJob("lifecycle.auditions-worker");
      const version = await h.call(user, "PUT", `/clones/${cloneId}/profile`, { displayName: `Racer ${i}` });
      await h.call("mod", "POST", `/admin/lifecycle/moderation/${version.body.id}/approve`, {}, "admin");
      await h.runJob("lifecycle.arena-entry-worker");
      clones.push(cloneId);
    }

    const made = await h.call("op", "POST", "/admin/races", { accumulationMinutes: 2, startDelayMinutes: 1, liveMinutes: 10 }, "admin");
    expect(made.status).toBe(200);
    const raceId = made.body.race.raceId as string;
    expect(made.body.race.entrants.map((e: { cloneId: string }) => e.cloneId)).toEqual(clones);
    const race = (await findRace(db(), raceId)) as RaceRow;

    for (const u of ["gus", "hal"]) await seedBalance(u, 50_000_000, `e2e-${u}`);
    await buyTicket({ id: "tk_e2e_1", raceId, entrantId: `${raceId}_s1`, userId: "gus", amount: 10_000_000, atMs: h.clock.nowMs() });
    await buyTicket({
      id: "tk_e2e_2",
      raceId,
      entrantId: `${raceId}_s2`,
      userId: "hal",
      amount: 6_000_000,
      atMs: h.clock.nowMs() + 30_000,
    });
    await buyTicket({
      id: "tk_e2e_3",
      raceId,
      entrantId: `${raceId}_s1`,
      userId: "hal",
      amount: 2_000_000,
      atMs: h.clock.nowMs() + 60_000,
    });

    // Launch: one race account per entrant, id derived from race + entrant; a retried open is the same account.
    h.clock.set(race.closesAtMs);
    expect((await h.runJob("arena.races")).summary.launched).toBe(1);
    const accounts = await db().all<{ id: string; kind: string; startMs: number; endMs: number; pins: string }>(
      sql`SELECT id, kind, start_ms AS startMs, end_ms AS endMs, pins_json AS pins FROM prop_accounts WHERE clone_id IN (${clones[0]}, ${clones[1]}) AND kind = 'race' ORDER BY id`,
    );
    expect(accounts.map((a) => a.id)).toEqual([`racc_${raceId}_s1`, `racc_${raceId}_s2`]);
    expect(accounts[0]).toMatchObject({ startMs: race.liveStartsAtMs, endMs: race.liveEndsAtMs });
    expect(JSON.parse(accounts[0]?.pins as string)).toMatchObject({ raceId, entrantId: `${raceId}_s1`, modelId: "gpt-5-mini" });
    await tradingRaceAccounts(env, h.deps).open({
      accountId: `racc_${raceId}_s1`,
      cloneId: clones[0] as string,
      ownerId: "eve",
      startingBalanceMicroUsd: race.startingBalanceMicroUsd,
      startMs: race.liveStartsAtMs,
      endMs: race.liveEndsAtMs,
      rules: {},
      allowedSymbols: ["BTC"],
      pins: { pipelineVersion: 1, modelId: "gpt-5-mini", raceId, entrantId: `${raceId}_s1` },
      nowMs: h.clock.nowMs(),
    });
    const count = await db().get<{ n: number }>(
      sql`SELECT COUNT(*) AS n FROM prop_accounts WHERE kind = 'race' AND id LIKE ${`racc_${raceId}_%`}`,
    );
    expect(count?.n).toBe(2);

    h.clock.set(race.liveStartsAtMs);
    expect((await h.runJob("arena.races")).summary.started).toBe(1);

    // Entrant 1 goes long BTC; the price is up 5% at the window's end; entrant 2 does nothing.
    const tradeAt = race.liveStartsAtMs + 2 * MIN;
    await putQuote("BTC", tradeAt, { mark: "66000", mid: "66000", oracle: "66000" });
    const intake = await submitAction(
      { env, ids: h.deps.ids },
      `racc_${raceId}_s1`,
      {
        actionId: "e2e-long",
        symbol: "BTC",
        action: "open_long",
        sizeUsd: "2000",
        leverage: 2,
        confidence: 0.8,
        reason: "e2e",
        decidedAtMs: tradeAt,
      },
      tradeAt,
    );
    expect(intake.status).toBe("filled");
    await putQuote("BTC", race.liveEndsAtMs - 30_000, { mark: "69300", mid: "69300", oracle: "69300" });

    // The job runs late; the accounts are finalized as of the window's end.
    h.clock.set(race.liveEndsAtMs + 4 * MIN);
    await h.runJob("arena.races");
    if ((await findRace(db(), raceId))?.status === "settling") await h.runJob("arena.races");
    const settled = (await findRace(db(), raceId)) as RaceRow;
    expect(settled.status).toBe("settled");
    const result = await getAccountResult({ env, ids: h.deps.ids }, `racc_${raceId}_s1`);
    expect(result?.finalizedAtMs).toBe(race.liveEndsAtMs);
    expect(result?.returnPct).toBeGreaterThan(0);

    const pure = settleRace(await raceInputOf(db(), settled));
    expect(pure.ranking.map((r) => r.entrantId)).toEqual([`${raceId}_s1`, `${raceId}_s2`]);
    const paid = (u: string) => pure.payouts.filter((p) => p.userId === u).reduce((s, p) => s + Number(p.amountMicroUsd), 0);
    expect(await bookBalance(db(), userBook("gus"))).toBe(40_000_000 + paid("gus"));
    expect(await bookBalance(db(), userBook("hal"))).toBe(42_000_000 + paid("hal"));
    expect(paid("gus") + paid("hal")).toBe(Number(pure.distributionPoolMicroUsd));
    expect(await bookBalance(db(), poolBook(raceId))).toBe(0);
    const ledger = await db().get<{ total: number; unbalanced: number }>(sql`
      SELECT (SELECT COALESCE(SUM(amount_micro_usd), 0) FROM arena_ledger_postings) AS total,
             (SELECT COUNT(*) FROM (SELECT transfer_id FROM arena_ledger_postings GROUP BY transfer_id HAVING SUM(amount_micro_usd) != 0)) AS unbalanced`);
    expect(ledger).toEqual({ total: 0, unbalanced: 0 });

    // Strikes: the last of two is the bottom 1 (a strike); the winner is in the top half (cleared).
    const strikes = await db().all<{ cloneId: string; kind: string }>(
      sql`SELECT clone_id AS cloneId, kind FROM arena_strikes WHERE race_id = ${raceId} ORDER BY kind`,
    );
    expect(strikes).toEqual([
      { cloneId: clones[0], kind: "clear" },
      { cloneId: clones[1], kind: "strike" },
    ]);
    const hall = (await h.call("anyone", "GET", `/hall-of-fame/${clones[0]}`)).body;
    expect(hall).toMatchObject({ honours: ["champion"], totals: { races: 1, wins: 1 } });
    const settlement = (await h.call("anyone", "GET", `/races/${raceId}/settlement`)).body;
    expect(settlement.settlementHash).toBe(pure.settlementHash);
  });
});
