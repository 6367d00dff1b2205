/**
 * Properties of the pure settlement over random races (fast-check, fixed seed): random field sizes with
 * scratches and close finishes, random pools (micro amounts up to 10^20), purchase times around the
 * window, ticket statuses, place/royalty splits, rake settings, carry-ins and both no-winner modes.
 *   - conservation (rule 8) and no negative amount;
 *   - payouts only to confirmed tickets on a paying place (bps > 0, within the field), at that place;
 *   - on one entrant, a heavier ticket never gets less;
 *   - deterministic: the same race settles to the same output and hash, also with its arrays shuffled
 *     and its amounts given as strings; re-settling the same input changes nothing.
 * The run must cover payouts, unclaimed places, refund and carryover modes, scratches and big amounts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkConservation, parseRaceInput, type RaceInput, SettlementSchema, settleRace } from "../../src/domains/arena";

/** Up to `maxParts` bps values (zeros included) summing to at most `total`. */
const bpsSplit = (maxParts: number, total = 10_000) =>
  fc.array(fc.oneof(fc.constant(0), fc.nat({ max: 10_000 })), { minLength: 0, maxLength: maxParts }).map((raw) => {
    let left = total;
    return raw.map((x) => {
      const v = Math.min(x, left);
      left -= v;
      return v;
    });
  });
/** placeBps: place 1 always paid (1..10000), the rest from what is left. */
const placeBpsArb = fc.integer({ min: 1, max: 10_000 }).chain((first) => bpsSplit(3, 10_000 - first).map((rest) => [first, ...rest]));

const amountArb = fc.oneof(
  { weight: 5, arbitrary: fc.bigInt({ min: 1n, max: 10_000_000n }) },
  { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 20n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 20n }) },
);

const raceArb = fc
  .record({
    entrants: fc.array(
      fc.record({
        scratch: fc.integer({ min: 0, max: 9 }),
        returnBps: fc.integer({ min: -3, max: 3 }).map((x) => x * 100),
        maxDrawdownBps: fc.integer({ min: 0, max: 3 }).map((x) => x * 100),
      }),
      { minLength: 0, maxLength: 6 },
    ),
    seats: fc.shuffledSubarray([...Array(20).keys()], { minLength: 20, maxLength: 20 }),
    tickets: fc.array(
      fc.record({
        entrant: fc.nat(),
        user: fc.integer({ min: 0, max: 4 }),
        amount: amountArb,
        offset: fc.integer({ min: -100, max: 1_100 }),
        status: fc.constantFrom("confirmed", "confirmed", "confirmed", "confirmed", "pending", "expired", "refunded"),
        id: fc.stringMatching(/^[a-z0-9-]{1,6}$/),
      }),
      { maxLength: 30 },
    ),
    placeBps: placeBpsArb,
    royaltyBps: bpsSplit(4),
    rakeBps: fc.integer({ min: 0, max: 3_000 }),
    creatorPoolBps: fc.integer({ min: 0, max: 7_000 }),
    earlyBonusBps: fc.integer({ min: 0, max: 10_000 }),
    noWinner: fc.constantFrom("refund" as const, "carryover" as const),
    carryIn: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 10n ** 12n })),
    opensAtMs: fc.integer({ min: 1_000, max: 10 ** 12 }),
    lengthMs: fc.integer({ min: 1, max: 1_000 }),
  })
  .map((r) => {
    const entrants = r.entrants.map((e, i) => ({
      entrantId: `e${i}`,
      cloneId: `c${i}`,
      creatorUserId: `cr${i % 3}`,
      seat: r.seats[i] as number,
      result:
        e.scratch === 0
          ? { status: "scratched" }
          : { status: "finalized", returnBps: e.returnBps, maxDrawdownBps: e.maxDrawdownBps, liquidated: false },
    }));
    const tickets =
      entrants.length === 0
        ? []
        : r.tickets.map((t, i) => ({
            ticketId: `${t.id}#${i}`,
            userId: `u${t.user}`,
            entrantId: `e${t.entrant % entrants.length}`,
            amountMicroUsd: t.amount.toString(),
            purchasedAtMs: r.opensAtMs + Math.floor((t.offset * r.lengthMs) / 1_000),
            status: t.status,
          }));
    return {
      raceId: "race-prop",
      config: {
        rakeBps: r.rakeBps,
        creatorPoolBps: Math.min(r.creatorPoolBps, 10_000 - r.rakeBps),
        placeBps: r.placeBps,
        royaltyBps: r.royaltyBps,
        earlyBonusBps: r.earlyBonusBps,
        noWinner: r.noWinner,
      },
      accumulation: { opensAtMs: r.opensAtMs, closesAtMs: r.opensAtMs + r.lengthMs },
      carryInMicroUsd: r.carryIn.toString(),
      entrants,
      tickets,
    };
  });

function parse(json: unknown): RaceInput {
  const out = parseRaceInput(json);
  if (!out.ok) throw new Error(JSON.stringify(out.error));
  return out.value;
}

describe("settlement properties over random races", () => {
  it("conserve, pay only paying places, favour heavier tickets, and are deterministic (1,000 races)", () => {
    const seen = { payouts: 0, unclaimed: 0, refundMode: 0, carryover: 0, scratched: 0, noTickets: 0, bigAmounts: 0 };
    fc.assert(
      fc.property(raceArb, fc.integer(), (json, shuffleSeed) => {
        const input = parse(json);
        const s = settleRace(input);
        expect(SettlementSchema.safeParse(s).success).toBe(true);

        // Rule 8 and no negative amount (checkConservation is the same check settleRace runs; assert the sum here too).
        expect(checkConservation(input, s)).toEqual([]);
        const sum = (rows: { amountMicroUsd: bigint }[]) => rows.reduce((a, r) => a + r.amountMicroUsd, 0n);
        const scratched = new Set(
          input.entrants.filter((e) => e.result === null || e.result.status === "scratched").map((e) => e.entrantId),
        );
        const scratchedTotal = input.tickets
          .filter((t) => t.status === "confirmed" && scratched.has(t.entrantId))
          .reduce((a, t) => a + t.amountMicroUsd, 0n);
        expect(s.rakeMicroUsd + sum(s.royalties) + sum(s.payouts) + sum(s.refunds) + s.carryOutMicroUsd).toBe(
          s.poolMicroUsd + s.carryInMicroUsd + scratchedTotal,
        );
        for (const row of [...s.payouts, ...s.royalties, ...s.refunds]) expect(row.amountMicroUsd >= 0n).toBe(true);

        // Payouts only to confirmed tickets on paying places, at their entrant's place.
        const placeOf = new Map(s.ranking.map((r) => [r.entrantId, r.place]));
        const paying = Math.min(input.config.placeBps.length, s.ranking.length);
        const tickets = new Map(input.tickets.map((t) => [t.ticketId, t]));
        for (const p of s.payouts) {
          expect(tickets.get(p.ticketId)?.status).toBe("confirmed");
          expect(placeOf.get(p.entrantId)).toBe(p.place);
          expect(p.place).toBeLessThanOrEqual(paying);
          expect(input.config.placeBps[p.place - 1]).toBeGreaterThan(0);
        }
        // A heavier ticket on the same entrant never gets less.
        for (const a of s.payouts)
          for (const b of s.payouts)
            if (a.entrantId === b.entrantId && a.weight > b.weight) expect(a.amountMicroUsd >= b.amountMicroUsd).toBe(true);

        // Deterministic and order-free: shuffled arrays, amounts as numbers where safe, same output and hash.
        const shuffled = structuredClone(json);
        const rnd = fc.sample(fc.integer(), { numRuns: shuffled.tickets.length + shuffled.entrants.length + 2, seed: shuffleSeed });
        shuffled.tickets.sort((x, y) => (rnd[shuffled.tickets.indexOf(x)] ?? 0) - (rnd[shuffled.tickets.indexOf(y)] ?? 0));
        shuffled.entrants.reverse();
        for (const t of shuffled.tickets) {
          const n = Number(t.amountMicroUsd);
          if (Number.isSafeInteger(n)) (t as { amountMicroUsd: unknown }).amountMicroUsd = n;
        }
        expect(settleRace(parse(shuffled))).toEqual(s);
        // Re-settling the same input changes nothing.
        expect(settleRace(input)).toEqual(s);

        if (s.payouts.length > 0) seen.payouts++;
        const claimed = new Set(s.payouts.map((p) => p.place));
        if (s.payouts.length > 0 && Array.from({ length: paying }, (_, i) => i + 1).some((k) => !claimed.has(k))) seen.unclaimed++;
        if (s.refunds.length > 0 && input.config.noWinner === "refund" && s.payouts.length === 0 && s.poolMicroUsd > 0n) seen.refundMode++;
        if (s.carryOutMicroUsd > 0n && s.poolMicroUsd > 0n) seen.carryover++;
        if (scratchedTotal > 0n) seen.scratched++;
        if (s.poolMicroUsd === 0n) seen.noTickets++;
        if (s.poolMicroUsd > BigInt(Number.MAX_SAFE_INTEGER)) seen.bigAmounts++;
      }),
      { numRuns: 1_000, seed: 20261202 },
    );
    for (const [what, n] of Object.entries(seen)) expect({ what, covered: n > 10 }).toEqual({ what, covered: true });
  });
});
