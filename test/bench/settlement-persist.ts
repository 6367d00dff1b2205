/**
 * The persisting half of `npm run bench -- settlement`: the same 100,000-ticket race written into the arena
 * tables of a real SQLite database (node:sqlite behind the D1 shim, every migration applied: the same
 * drizzle code and SQL the Worker runs), then settled by `settleStoredRace` as the job does: read the rows,
 * settle, write payout rows and ledger credits in chunked D1 batches, prove, complete, and store the
 * settlement artifact. Times the whole call, the part spent inside D1 batches, the artifact step alone
 * (rebuild from D1, gzip, put) and an idempotent re-run. The D1 network hop is not in these figures: a
 * real D1 adds its per-batch round trip times the batch count printed here.
 */
import { manualClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { ensureSettlementArtifact, type RaceInput, type RaceRow, settleRace, settleStoredRace } from "../../src/domains/arena";
import { findRace } from "../../src/domains/arena/races/race-moves.storage";
import { raceInputOf, settlementWrites } from "../../src/domains/arena/settlement/settlement.service";
import { memoryArtifactStore } from "../../src/domains/artifacts";
import { applyMigrations, sqliteD1 } from "../support/node/sqlite-d1";
import type { BenchRow } from "./registry";

const ms = (t0: number) => performance.now() - t0;

/** Seeds `input` as a race in `settling`: entrants with results, confirmed tickets, the pool on the ledger. */
function seed(input: RaceInput) {
  const store = sqliteD1();
  const { sqlite } = store;
  applyMigrations(sqlite);
  const { opensAtMs, closesAtMs } = input.accumulation;
  sqlite.exec("BEGIN");
  sqlite
    .prepare(
      `INSERT INTO arena_races (id, seq, status, config_json, account_rules_json, starting_balance_micro_usd, min_ticket_micro_usd,
         max_user_stake_micro_usd, opens_at_ms, closes_at_ms, live_starts_at_ms, live_ends_at_ms, carry_in_micro_usd, carry_from_race_id,
         cancel_reason, created_by, created_at_ms, updated_at_ms)
       VALUES (?, 1, 'settling', ?, '{}', 10000000000, 1, 1000000000000, ?, ?, ?, ?, ?, NULL, NULL, 'bench', ?, ?)`,
    )
    .run(
      input.raceId,
      JSON.stringify(input.config),
      opensAtMs,
      closesAtMs,
      closesAtMs,
      closesAtMs + 3_600_000,
      Number(input.carryInMicroUsd),
      opensAtMs,
      opensAtMs,
    );
  const entrant = sqlite.prepare(
    `INSERT INTO arena_entrants (id, race_id, clone_id, creator_user_id, seat, status, scratch_reason, display_name, pipeline_version,
       model_id, account_id, result_status, return_bps, max_drawdown_bps, finalized_at_ms, created_at_ms, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, 'entered', NULL, ?, 1, 'bench', ?, 'finalized', ?, ?, ?, ?, ?)`,
  );
  for (const e of input.entrants)
    entrant.run(
      e.entrantId,
      input.raceId,
      e.cloneId,
      e.creatorUserId,
      e.seat,
      e.entrantId,
      `racc_${e.entrantId}`,
      e.result?.returnBps ?? 0,
      e.result?.maxDrawdownBps ?? 0,
      closesAtMs,
      opensAtMs,
      opensAtMs,
    );
  const ticket = sqlite.prepare(
    `INSERT INTO arena_tickets (id, race_id, entrant_id, user_id, amount_micro_usd, status, pay_with, tx_hash, idempotency_key, request_hash,
       purchased_at_ms, confirmed_at_ms, closed_reason, closed_at_ms, checked_at_ms, created_at_ms, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, 'confirmed', 'balance', NULL, ?, 'h', ?, ?, NULL, NULL, ?, ?, ?)`,
  );
  let pool = input.carryInMicroUsd;
  for (const t of input.tickets) {
    const at = t.purchasedAtMs;
    ticket.run(t.ticketId, input.raceId, t.entrantId, t.userId, Number(t.amountMicroUsd), t.ticketId, at, at, at, at, at);
    pool += t.amountMicroUsd;
  }
  // The pool's money on the ledger as one transfer (the settlement proof needs the pool book to empty to 0).
  sqlite
    .prepare(
      `INSERT INTO arena_ledger_transfers (transfer_id, code, t_ms, ref_id, race_id, reverses, memo) VALUES (?, 'adjustment', ?, ?, ?, NULL, 'bench')`,
    )
    .run("bench:pool", opensAtMs, input.raceId, input.raceId);
  const posting = sqlite.prepare(
    `INSERT INTO arena_ledger_postings (transfer_id, book, amount_micro_usd, t_ms) VALUES ('bench:pool', ?, ?, ?)`,
  );
  posting.run(`race:${input.raceId}:pool`, Number(pool), opensAtMs);
  posting.run("house:adjustments", -Number(pool), opensAtMs);
  sqlite.exec("COMMIT");
  return store;
}

/** Seeds, persists and re-runs; the figures as bench rows. */
export async function persistFigures(input: RaceInput): Promise<BenchRow[]> {
  let t0 = performance.now();
  const store = seed(input);
  const seedMs = ms(t0);
  const db = openDb(store.d1);
  const deps = { clock: manualClock(input.accumulation.closesAtMs + 7_200_000), ids: sequentialIds() };
  const cause = { kind: "job" as const, ref: "bench" };
  const artifacts = memoryArtifactStore();
  let batches = 0;
  let statements = 0;
  let batchMs = 0;
  const runBatch = async (s: unknown[]) => {
    batches++;
    statements += s.length;
    const b0 = performance.now();
    const out = await db.batch(s as never);
    batchMs += ms(b0);
    return out;
  };

  t0 = performance.now();
  const done = await settleStoredRace(db, deps, input.raceId, { actor: "bench", cause, artifacts, runBatch });
  const persistMs = ms(t0);
  if (!done.ok || !done.value.written || done.value.artifact.kind !== "written")
    throw new Error(`bench settlement did not persist: ${JSON.stringify(done)}`);
  const head = done.value.artifact.head;

  // The artifact step alone, as a repair does it (key cleared, fresh store): rebuild from D1, gzip, put.
  store.sqlite.prepare("UPDATE arena_settlements SET artifact_key = NULL WHERE race_id = ?").run(input.raceId);
  t0 = performance.now();
  const repaired = await ensureSettlementArtifact(db, memoryArtifactStore(), input.raceId, deps.clock.nowMs());
  const artifactMs = ms(t0);
  if (repaired.kind !== "written" || repaired.head.key !== head.key) throw new Error("bench artifact rebuild differs");

  t0 = performance.now();
  const again = await settleStoredRace(db, deps, input.raceId, { actor: "bench", cause, artifacts, runBatch });
  const rerunMs = ms(t0);
  if (!again.ok || again.value.written) throw new Error("bench re-run wrote again");

  // Where the rest of the call goes: the same steps again, each alone (reads, pure settle, statement building).
  const race = (await findRace(db, input.raceId)) as RaceRow;
  t0 = performance.now();
  const stored = await raceInputOf(db, race);
  const readMs = ms(t0);
  t0 = performance.now();
  const s = settleRace(stored);
  const pureMs = ms(t0);
  t0 = performance.now();
  settlementWrites(db, race, stored, s, new Map(), 0);
  const buildMs = ms(t0);

  const count = (sql: string) => Number((store.sqlite.prepare(sql).get() as { n: number }).n);
  return [
    { metric: "persist: seed the race (100k ticket rows, SQLite)", value: seedMs.toFixed(0), unit: "ms" },
    { metric: "persist: settleStoredRace (read, settle, write, prove, artifact)", value: persistMs.toFixed(0), unit: "ms" },
    { metric: "  of which inside D1 batches", value: batchMs.toFixed(0), unit: "ms" },
    { metric: "  of which reading the race's rows (raceInputOf, timed alone)", value: readMs.toFixed(0), unit: "ms" },
    { metric: "  of which the pure settlement (timed alone)", value: pureMs.toFixed(0), unit: "ms" },
    { metric: "  of which building the statements (timed alone)", value: buildMs.toFixed(0), unit: "ms" },
    { metric: "  D1 batches / statements", value: `${batches} / ${statements}`, unit: "" },
    {
      metric: "  rows written: payouts / ledger transfers",
      value: `${count("SELECT COUNT(*) AS n FROM arena_payouts")} / ${count("SELECT COUNT(*) AS n FROM arena_ledger_transfers") - 1}`,
      unit: "",
    },
    { metric: "persist: settlement artifact alone (rebuild, gzip, put)", value: artifactMs.toFixed(0), unit: "ms" },
    {
      metric: "  artifact size (JSON / gzip)",
      value: `${(head.bytes / 1e6).toFixed(1)} / ${(head.storedBytes / 1e6).toFixed(1)}`,
      unit: "MB",
    },
    { metric: "persist: idempotent re-run (nothing written)", value: rerunMs.toFixed(0), unit: "ms" },
  ];
}
