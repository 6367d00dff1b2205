/**
 * Arena race fixtures: a race written straight into D1 in `settling` (entrants with final results,
 * confirmed tickets paid from seeded balances through the arena ledger, optional carry-in), and the
 * explicit fake of the race-account port (opens counted per account id, results set by the test,
 * finalize calls recorded with their end time). The real trading path is in arena-race-e2e.test.ts.
 */
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { openDb } from "../../src/db/client";
import { rawStatement } from "../../src/db/raw-statement";
import { HOUSE, poolBook, type RaceAccounts, type RaceResult, type RaceStanding, userBook } from "../../src/domains/arena";
import { transferStatements } from "../../src/domains/arena/balances/arena-ledger.storage";
import type { OpenRaceAccount } from "../../src/domains/arena/races/race-accounts.port";

export class FakeRaceAccounts implements RaceAccounts {
  readonly opens = new Map<string, number>();
  readonly opened: OpenRaceAccount[] = [];
  readonly finalizeCalls: Array<{ accountId: string; endMs: number }> = [];
  readonly results = new Map<string, RaceResult>();
  readonly standings = new Map<string, RaceStanding>();

  async open(input: OpenRaceAccount) {
    this.opens.set(input.accountId, (this.opens.get(input.accountId) ?? 0) + 1);
    this.opened.push(input);
    return { accountId: input.accountId };
  }
  async finalize(accountId: string, endMs: number) {
    this.finalizeCalls.push({ accountId, endMs });
    return this.results.get(accountId) ?? null;
  }
  async standing(accountId: string) {
    return this.standings.get(accountId) ?? null;
  }
}

export const db = () => openDb(env.DB);

/** Credits `amount` to a user's arena balance (an admin adjustment). */
export async function seedBalance(userId: string, amount: number, tag: string): Promise<void> {
  const d = db();
  const [a, ...b] = transferStatements(d, {
    transferId: `seed:${tag}`,
    code: "adjustment",
    t: 0,
    refId: tag,
    postings: [
      { book: userBook(userId), amountMicroUsd: amount },
      { book: HOUSE.adjustments, amountMicroUsd: -amount },
    ],
  });
  await d.batch([a as (typeof b)[number], ...b]);
}

/** A confirmed ticket paid from balance (ledger user -> pool in the same batch). */
export async function buyTicket(t: { id: string; raceId: string; entrantId: string; userId: string; amount: number; atMs: number }) {
  const d = db();
  await d.batch([
    rawStatement(
      d,
      sql`INSERT INTO arena_tickets (id, race_id, entrant_id, user_id, amount_micro_usd, status, pay_with, tx_hash, idempotency_key, request_hash, purchased_at_ms, confirmed_at_ms, closed_reason, closed_at_ms, checked_at_ms, created_at_ms, updated_at_ms)
        VALUES (${t.id}, ${t.raceId}, ${t.entrantId}, ${t.userId}, ${t.amount}, 'confirmed', 'balance', NULL, ${t.id}, 'h', ${t.atMs}, ${t.atMs}, NULL, NULL, ${t.atMs}, ${t.atMs}, ${t.atMs})`,
    ),
    ...transferStatements(d, {
      transferId: `ticket:${t.id}`,
      code: "ticket",
      t: t.atMs,
      refId: t.id,
      raceId: t.raceId,
      postings: [
        { book: poolBook(t.raceId), amountMicroUsd: t.amount },
        { book: userBook(t.userId), amountMicroUsd: -t.amount },
      ],
    }),
  ]);
}

let seq = 1000;

export interface FixtureRace {
  raceId: string;
  entrantIds: string[];
  users: string[];
}

/**
 * A race in `settling`: `results[i]` is seat i+1's final result; tickets are (user index, seat, amount,
 * minutes after opening). Users get `seed` micro-USD each first.
 */
export async function settlingRace(spec: {
  tag: string;
  results: Array<{ returnBps: number; maxDrawdownBps: number; liquidated?: boolean }>;
  tickets: Array<[user: number, seat: number, amount: number, minute: number]>;
  users: number;
  seed?: number;
  config?: Record<string, unknown>;
  carryIn?: number;
}): Promise<FixtureRace> {
  const d = db();
  const n = ++seq;
  const raceId = `race_fx_${spec.tag}_${n}`;
  const opens = 1_000_000;
  const config = {
    rakeBps: 500,
    creatorPoolBps: 300,
    placeBps: [6000, 3000, 1000],
    royaltyBps: [6000, 3000, 1000],
    earlyBonusBps: 2000,
    noWinner: "carryover",
    ...spec.config,
  };
  await d.run(sql`INSERT INTO arena_races (id, seq, status, config_json, account_rules_json, starting_balance_micro_usd, min_ticket_micro_usd, max_user_stake_micro_usd,
      opens_at_ms, closes_at_ms, live_starts_at_ms, live_ends_at_ms, carry_in_micro_usd, carry_from_race_id, cancel_reason, created_by, created_at_ms, updated_at_ms)
    VALUES (${raceId}, ${n}, 'settling', ${JSON.stringify(config)}, '{}', 10000000000, 1, 1000000000000, ${opens}, ${opens + 3_600_000}, ${opens + 3_660_000},
      ${opens + 7_200_000}, ${spec.carryIn ?? 0}, NULL, NULL, 'test', ${opens}, ${opens})`);
  const entrantIds: string[] = [];
  for (const [i, r] of spec.results.entries()) {
    const id = `${raceId}_s${i + 1}`;
    entrantIds.push(id);
    await d.run(sql`INSERT INTO arena_entrants (id, race_id, clone_id, creator_user_id, seat, status, scratch_reason, display_name, pipeline_version, model_id,
        account_id, result_status, return_bps, max_drawdown_bps, finalized_at_ms, created_at_ms, updated_at_ms)
      VALUES (${id}, ${raceId}, ${`clone_${spec.tag}_${n}_${i + 1}`}, ${`creator_${spec.tag}_${i + 1}`}, ${i + 1}, 'entered', NULL, ${`Clone ${i + 1}`}, 1, 'gpt-5',
        ${`racc_${id}`}, ${r.liquidated ? "liquidated" : "finalized"}, ${r.returnBps}, ${r.maxDrawdownBps}, ${opens + 7_200_000}, ${opens}, ${opens})`);
  }
  const users = Array.from({ length: spec.users }, (_, i) => `bettor_${spec.tag}_${n}_${i}`);
  for (const u of users) await seedBalance(u, spec.seed ?? 1_000_000_000, `${u}`);
  if (spec.carryIn) {
    await seedBalance("carry-donor", spec.carryIn, `carrydonor:${raceId}`);
    const [a, ...b] = transferStatements(d, {
      transferId: `carry_in:fx:${raceId}`,
      code: "carry_in",
      t: opens,
      refId: raceId,
      raceId,
      postings: [
        { book: poolBook(raceId), amountMicroUsd: spec.carryIn },
        { book: HOUSE.carry, amountMicroUsd: -spec.carryIn },
      ],
    });
    await d.batch([a as (typeof b)[number], ...b]);
  }
  for (const [k, [user, seat, amount, minute]] of spec.tickets.entries()) {
    await buyTicket({
      id: `tk_${raceId}_${String(k).padStart(3, "0")}`,
      raceId,
      entrantId: entrantIds[seat - 1] as string,
      userId: users[user] as string,
      amount,
      atMs: opens + minute * 60_000,
    });
  }
  return { raceId, entrantIds, users };
}
