/**
 * Pure race rules: the strike decision (bottom N or liquidated -> strike, top half clears, else none) and
 * the race settings (defaults; empty means unset; invalid combinations refused at start).
 */
import { describe, expect, it } from "vitest";
import { withoutBlankSettings } from "../../src/core/config-values";
import { RaceConfigSchema, refineRaceSettings, strikeDecision } from "../../src/domains/arena";

const parse = (vars: Record<string, string>) => RaceConfigSchema.superRefine(refineRaceSettings).safeParse(withoutBlankSettings(vars));

describe("strike decision", () => {
  it("strikes the bottom N and liquidations, clears the top half, leaves the middle", () => {
    expect([1, 2, 3, 4, 5].map((p) => strikeDecision(p, 5, false, 1).kind)).toEqual(["clear", "clear", "none", "none", "strike"]);
    expect([1, 2, 3, 4, 5].map((p) => strikeDecision(p, 5, false, 2).kind)).toEqual(["clear", "clear", "none", "strike", "strike"]);
    expect(strikeDecision(1, 5, true, 1)).toEqual({ kind: "strike", reason: "liquidated" });
    expect([1, 2].map((p) => strikeDecision(p, 2, false, 1).kind)).toEqual(["clear", "strike"]);
    // A bottom finish wins over the top half when the two overlap (field of 3, bottom 2).
    expect(strikeDecision(1, 3, false, 2)).toEqual({ kind: "clear", reason: "top_half" });
    expect(strikeDecision(2, 3, false, 2)).toEqual({ kind: "strike", reason: "bottom_n" });
  });
});

describe("race settings", () => {
  it("defaults apply when a setting is empty", () => {
    const parsed = parse({ ARENA_PLACE_BPS: "", ARENA_LIVE_MINUTES: " " });
    expect(parsed.success && parsed.data.ARENA_PLACE_BPS).toEqual([6000, 3000, 1000]);
    expect(parsed.success && parsed.data.ARENA_LIVE_MINUTES).toBe(1440);
  });
  it("refuses bad values naming the setting", () => {
    const cases: Array<Record<string, string>> = [
      { ARENA_PLACE_BPS: "6000,x" },
      { ARENA_PLACE_BPS: "0,5000" },
      { ARENA_PLACE_BPS: "6000,6000" },
      { ARENA_RAKE_BPS: "9000", ARENA_CREATOR_POOL_BPS: "2000" },
      { ARENA_NO_WINNER: "keep" },
      { ARENA_ACCUMULATION_MINUTES: "0x10" },
      { ARENA_RACE_RULES_JSON: "[1]" },
    ];
    for (const vars of cases) {
      const parsed = parse(vars);
      expect(parsed.success).toBe(false);
      if (!parsed.success) expect(JSON.stringify(parsed.error.issues)).toContain(Object.keys(vars).at(-1) as string);
    }
  });
});
