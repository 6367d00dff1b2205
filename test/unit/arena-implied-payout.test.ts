/**
 * The live implied payout (reads/implied-payout.model.ts), hand-computed: place 1 takes its part plus
 * every remainder and the parts of places beyond the field; payout per USD scales with the buyer's
 * multiplier over the entrant's weight; no weight -> null.
 */
import { describe, expect, it } from "vitest";
import { impliedPayoutPerUsd, placeOnePart } from "../../src/domains/arena/reads/implied-payout.model";

const base = { rakeBps: 500, creatorPoolBps: 200, placeBps: [6000, 3000, 1000], carryInMicroUsd: 0n };

describe("implied payout", () => {
  it("place 1's part: D minus the other places' floors (doc example: 40 USDC -> 22.32 USDC)", () => {
    expect(placeOnePart({ ...base, poolMicroUsd: 40_000_000n, fieldSize: 3 })).toBe(22_320_000n);
    // Two entrants: place 3 does not exist, its part stays with place 1: 37.2 - 11.16 = 26.04.
    expect(placeOnePart({ ...base, poolMicroUsd: 40_000_000n, fieldSize: 2 })).toBe(26_040_000n);
    // Remainders go to place 1: Pt = 1_000_001 -> R = 50_000, C = 20_000, D = 930_001; D*30% = 279_000.3 -> 279_000, D*10% = 93_000.1 -> 93_000.
    expect(placeOnePart({ ...base, poolMicroUsd: 1_000_001n, fieldSize: 3 })).toBe(930_001n - 279_000n - 93_000n);
    // Carry-in joins D whole.
    expect(placeOnePart({ ...base, poolMicroUsd: 0n, carryInMicroUsd: 5_000_000n, fieldSize: 1 })).toBe(5_000_000n);
  });

  it("per USD: P1 x (1 USD x m) / entrant weight; null without weight", () => {
    expect(impliedPayoutPerUsd(22_320_000n, 10_000_000n * 11_967n, 11_967n)).toBe(2_232_000n);
    expect(impliedPayoutPerUsd(22_320_000n, 30_000_000n * 11_967n, 11_967n)).toBe(744_000n);
    // Bought later (smaller m) against early weight: less per USD.
    expect(impliedPayoutPerUsd(22_320_000n, 10_000_000n * 12_000n, 10_000n)).toBe(1_860_000n);
    expect(impliedPayoutPerUsd(22_320_000n, 0n, 10_000n)).toBeNull();
  });
});
