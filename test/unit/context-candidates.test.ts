/**
 * The candidate policy over 300 enabled assets: at most the cap, open positions always first (even
 * beyond the cap), a stable ranking (input order does not matter), prefilter reasons, the legacy
 * `all` / `round_robin` values mapped, and round_robin rotating through the universe across slots.
 */
import { describe, expect, it } from "vitest";
import { type AssetSignals, selectCandidates } from "../../src/domains/context";
import { CANDIDATE_CAP_MAX, type CandidatePolicySettings, candidatePolicySettings } from "../../src/domains/strategy";
import { CandidatePolicySchema } from "../../src/domains/strategy/pipeline/configs.model";

/** A deterministic pseudo-random universe (LCG), so failures reproduce. */
function universe(n: number): AssetSignals[] {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: n }, (_, i) => {
    const close = 10 + rand() * 100;
    const mid = close * (0.97 + rand() * 0.06);
    return {
      symbol: `A${String(i).padStart(3, "0")}`,
      volume24hUsd: rand() < 0.1 ? null : rand() * 5e7,
      fundingHourly: (rand() - 0.5) * 0.0004,
      rsi14: rand() * 100,
      close,
      bbUpper: mid * 1.02,
      bbLower: mid * 0.98,
      closeHourAgo: close * (0.96 + rand() * 0.08),
    };
  });
}

const settings = (p: Partial<CandidatePolicySettings> = {}) => ({
  ...candidatePolicySettings({ mode: "scored", cap: 10, prefilters: candidatePolicySettings("all").prefilters }),
  ...p,
});
const ASSETS = universe(300);

describe("candidate policy", () => {
  it("chooses at most the cap from 300 assets, every chosen one passing, best scores first", () => {
    const scan = selectCandidates({ policy: settings(), universe: ASSETS, openPositions: [], slotMs: 0, cadenceMs: 300_000 });
    expect(scan.selected).toHaveLength(10);
    expect(scan.ranked).toHaveLength(300);
    const chosen = scan.ranked.slice(0, 10);
    expect(chosen.every((v) => v.selected && v.passed)).toBe(true);
    const bestRejected = Math.max(...scan.ranked.filter((v) => v.passed && !v.selected).map((v) => v.score));
    expect(Math.min(...chosen.map((v) => v.score))).toBeGreaterThanOrEqual(bestRejected);
    expect(scan.ranked.filter((v) => !v.passed).length).toBeGreaterThan(0);
    expect(scan.ranked.find((v) => v.signals.volume24hUsd === null)?.reasons).toContain("no_volume_data");
    expect(scan.ranked.find((v) => v.passed && !v.selected)?.reasons).toContain("over_cap");
  });

  it("always includes open positions first, even failing ones and beyond the cap", () => {
    const failing = selectCandidates({ policy: settings(), universe: ASSETS, openPositions: [], slotMs: 0, cadenceMs: 1 }).ranked.filter(
      (v) => !v.passed,
    );
    const open = failing.slice(0, 3).map((v) => v.symbol);
    const scan = selectCandidates({ policy: settings(), universe: ASSETS, openPositions: open, slotMs: 0, cadenceMs: 1 });
    expect(scan.selected.slice(0, 3)).toEqual([...open].sort());
    expect(scan.selected).toHaveLength(10);
    expect(scan.ranked.slice(0, 3).every((v) => v.openPosition && v.reasons[0] === "open_position")).toBe(true);
    const many = ASSETS.slice(0, 12).map((a) => a.symbol);
    const full = selectCandidates({ policy: settings(), universe: ASSETS, openPositions: many, slotMs: 0, cadenceMs: 1 });
    expect(full.selected).toEqual(many);
  });

  it("ranks stably: the same answer whatever the input order", () => {
    const a = selectCandidates({ policy: settings(), universe: ASSETS, openPositions: ["A007"], slotMs: 0, cadenceMs: 1 });
    const b = selectCandidates({ policy: settings(), universe: [...ASSETS].reverse(), openPositions: ["A007"], slotMs: 0, cadenceMs: 1 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it("maps the legacy values: all ranks every asset by score under the cap; round_robin rotates by slot", () => {
    expect(candidatePolicySettings("all")).toMatchObject({ mode: "all", cap: 10 });
    expect(candidatePolicySettings("round_robin")).toMatchObject({ mode: "round_robin", cap: 10 });
    expect(CandidatePolicySchema.parse("all")).toBe("all");
    expect(CandidatePolicySchema.safeParse({ cap: CANDIDATE_CAP_MAX + 1 }).success).toBe(false);
    expect(CandidatePolicySchema.parse({})).toMatchObject({ mode: "scored", cap: 10, prefilters: { minVolume24hUsd: 1_000_000 } });

    const all = selectCandidates({ policy: candidatePolicySettings("all"), universe: ASSETS, openPositions: [], slotMs: 0, cadenceMs: 1 });
    expect(all.selected).toHaveLength(10);
    expect(all.ranked.every((v) => v.passed)).toBe(true);

    const rr = (slot: number) =>
      selectCandidates({
        policy: candidatePolicySettings("round_robin"),
        universe: ASSETS,
        openPositions: [],
        slotMs: slot * 300_000,
        cadenceMs: 300_000,
      }).selected;
    expect(rr(0)).toEqual(ASSETS.slice(0, 10).map((a) => a.symbol));
    expect(rr(1)).toEqual(ASSETS.slice(10, 20).map((a) => a.symbol));
    expect(rr(30)).toEqual(rr(0)); // 300 assets / 10 per slot: a full turn
    const seen = new Set(Array.from({ length: 30 }, (_, s) => rr(s)).flat());
    expect(seen.size).toBe(300);
  });
});
