/**
 * The rollup's pure parts: exact decimal volume sums (no float drift), refusal of anything that is
 * not a non-negative decimal, duplicate minutes counted once, trade counts null when any is unknown,
 * and `isFinal` only for a complete hour that has ended.
 */
import { describe, expect, it } from "vitest";
import { addDecimals, type MinuteBar, rollupHour, rollupHours } from "../../src/domains/market-data/indicators/rollup.model";

const H = Date.UTC(2026, 0, 2, 5);
const minute = (i: number, over: Partial<MinuteBar> = {}): MinuteBar => ({
  openTimeMs: H + i * 60_000,
  open: "10",
  high: "11",
  low: "9",
  close: "10.5",
  volume: "0.1",
  trades: 3,
  ...over,
});

describe("addDecimals", () => {
  it("adds exactly where floats drift", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(addDecimals("0.1", "0.2")).toBe("0.3");
    expect(addDecimals("7.50148", "4.83642")).toBe("12.3379");
    expect(addDecimals("0", "0")).toBe("0");
    expect(addDecimals("99999999999999999999.99999999", "0.00000001")).toBe("100000000000000000000");
    expect(addDecimals("12", "0.000")).toBe("12");
  });

  it("refuses what is not a non-negative decimal", () => {
    for (const bad of ["-1", "1e3", "", ".5", "1.", "NaN", " 1"]) expect(() => addDecimals("1", bad), bad).toThrow(RangeError);
  });
});

describe("rollupHour", () => {
  it("aggregates 60 minutes into a final bar once the hour is over", () => {
    const minutes = Array.from({ length: 60 }, (_, i) => minute(i, { high: String(11 + (i === 42 ? 5 : 0)), low: i === 7 ? "8.25" : "9" }));
    minutes[0] = minute(0, { open: "9.75" });
    minutes[59] = minute(59, { close: "12.5" });
    const bar = rollupHour(minutes, H, H + 3_600_000);
    expect(bar).toEqual({
      openTimeMs: H,
      closeTimeMs: H + 3_600_000 - 1,
      open: "9.75",
      high: "16",
      low: "8.25",
      close: "12.5",
      volume: "6",
      trades: 180,
      sourceMinutes: 60,
      isFinal: true,
    });
    // The last millisecond of the hour: not over yet.
    expect(rollupHour(minutes, H, H + 3_600_000 - 1)?.isFinal).toBe(false);
  });

  it("marks a missing minute or a running hour partial, counts duplicates once, ignores other hours", () => {
    const minutes = [minute(0), minute(1, { trades: null }), minute(1, { close: "11" }), minute(60), minute(-1)];
    expect(rollupHour(minutes, H, H + 10 * 3_600_000)).toMatchObject({
      sourceMinutes: 2,
      isFinal: false,
      close: "11",
      trades: 6,
      volume: "0.2",
    });
    expect(rollupHour([minute(0), minute(1, { trades: null })], H, H)).toMatchObject({ trades: null, sourceMinutes: 2 });
    expect(rollupHour([], H, H)).toBeNull();
    expect(rollupHours(minutes, H + 10 * 3_600_000).map((b) => [b.openTimeMs - H, b.sourceMinutes])).toEqual([
      [-3_600_000, 1],
      [0, 2],
      [3_600_000, 1],
    ]);
  });
});
