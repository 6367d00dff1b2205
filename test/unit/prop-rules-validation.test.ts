/**
 * Issue 24 item 20, "bad account rules answer 500": every malformed fee rate is a validation issue of
 * the engine's own rules schema (which the open-account route uses), never a thrown RangeError.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RulesSchema } from "../../src/domains/trading/account.model";

const BAD_RATES = ["\u0024{rate}", "💸", "0.1".repeat(3000), "0.0000000000000000001", "1e-5", "-0.1", "0.5", "", " 0.1"];

describe("bad account rules are refused by the engine's schema, never thrown", () => {
  it.each(BAD_RATES)("takerFeeRate and makerFeeRate %#", (rate) => {
    for (const field of ["takerFeeRate", "makerFeeRate"] as const) {
      const parsed = RulesSchema.partial().safeParse({ [field]: rate });
      expect(parsed.success).toBe(false);
    }
  });

  it("accepts the base tier and any rate below 10% with at most 18 decimals", () => {
    expect(RulesSchema.parse({}).takerFeeRate).toBe("0.00045");
    expect(RulesSchema.partial().safeParse({ takerFeeRate: "0.099999999999999999" }).success).toBe(true);
  });

  it("property: any string either parses or is refused, no exception", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 64 }), fc.string({ maxLength: 64 }), (taker, maker) => {
        expect(() => RulesSchema.partial().safeParse({ takerFeeRate: taker, makerFeeRate: maker })).not.toThrow();
      }),
      { numRuns: 2000, seed: 24 },
    );
  });
});
