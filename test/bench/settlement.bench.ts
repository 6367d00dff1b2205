/**
 * Pure Arena settlement throughput: one race of 100,000 confirmed tickets over 8 entrants (amounts and
 * purchase times spread deterministically, a 3-place split, early bonus, royalties), timed as parse
 * (zod validation of the JSON value), settle (rules 1-8 with the conservation check and the SHA-256
 * settlement hash) and format (the CLI's one JSON line). Target: settle under 1 s (doc/domains/arena.md).
 * Then the same race is persisted (settlement-persist.ts): seeded into the arena tables of a real SQLite
 * database behind the D1 shim and settled by `settleStoredRace` as the job does (D1 batches, proof,
 * artifact), with an idempotent re-run.
 */
import { loadavg } from "node:os";
import { formatSettlementLine, parseRaceInput, settlementHash, settleRace } from "../../src/domains/arena";
import type { Benchmark, BenchRow } from "./registry";
import { persistFigures } from "./settlement-persist";

const TICKETS = 100_000;
const ENTRANTS = 8;

function race(): unknown {
  const opensAtMs = 1_764_417_600_000;
  const closesAtMs = opensAtMs + 3_600_000;
  return {
    raceId: "bench-race",
    config: {
      rakeBps: 500,
      creatorPoolBps: 300,
      placeBps: [5000, 3000, 2000],
      royaltyBps: [5000, 3000, 2000],
      earlyBonusBps: 2500,
      noWinner: "refund",
    },
    accumulation: { opensAtMs, closesAtMs },
    carryInMicroUsd: 1_234_567,
    entrants: Array.from({ length: ENTRANTS }, (_, i) => ({
      entrantId: `entrant-${i}`,
      cloneId: `clone-${i}`,
      creatorUserId: `creator-${i % 5}`,
      seat: i + 1,
      result: { status: "finalized", returnBps: ((i * 37) % 11) * 100 - 300, maxDrawdownBps: (i * 53) % 900, liquidated: false },
    })),
    tickets: Array.from({ length: TICKETS }, (_, i) => ({
      ticketId: `ticket-${String(i).padStart(6, "0")}`,
      userId: `user-${(i * 7919) % 20_000}`,
      entrantId: `entrant-${(i * 31) % ENTRANTS}`,
      amountMicroUsd: 1_000_000 + ((i * 104_729) % 99_000_000),
      purchasedAtMs: opensAtMs + ((i * 7_777) % 3_600_000),
      status: "confirmed",
    })),
  };
}

const ms = (t0: number) => performance.now() - t0;

export const settlementBench: Benchmark = {
  name: "settlement",
  description:
    "Arena settlement of one race with 100,000 tickets: pure (parse, settle + hash, format), then persisted (SQLite D1 shim: batches, proof, artifact)",
  async run(): Promise<BenchRow[]> {
    const json = race();
    // One warm-up run so the figures are not the JIT's first pass.
    const warm = parseRaceInput(json);
    if (!warm.ok) throw new Error(JSON.stringify(warm.error));
    settleRace(warm.value);

    let t0 = performance.now();
    const parsed = parseRaceInput(json);
    const parseMs = ms(t0);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
    t0 = performance.now();
    const settlement = settleRace(parsed.value);
    const settleMs = ms(t0);
    t0 = performance.now();
    const { settlementHash: _, ...body } = settlement;
    settlementHash(parsed.value, body);
    const hashMs = ms(t0);
    t0 = performance.now();
    const line = formatSettlementLine(settlement);
    const formatMs = ms(t0);
    return [
      { metric: "machine load average (1 min; figures scale with it)", value: (loadavg()[0] ?? 0).toFixed(1), unit: "" },
      { metric: "tickets (confirmed) / entrants", value: `${TICKETS} / ${ENTRANTS}`, unit: "" },
      { metric: "payout rows", value: String(settlement.payouts.length), unit: "rows" },
      { metric: "parse (zod validation)", value: parseMs.toFixed(0), unit: "ms" },
      { metric: "settle (rules 1-8, conservation check, SHA-256 hash)", value: settleMs.toFixed(0), unit: "ms" },
      { metric: "  of which the settlement hash (timed again alone)", value: hashMs.toFixed(0), unit: "ms" },
      { metric: "format (one JSON line)", value: formatMs.toFixed(0), unit: "ms" },
      { metric: "output line", value: (line.length / 1e6).toFixed(1), unit: "MB" },
      ...(await persistFigures(parsed.value)),
    ];
  },
};
