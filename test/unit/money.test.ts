import { describe, expect, it } from "vitest";
import { formatMicroUsd, parseUsdToMicro } from "../../src/core/money";

describe("micro-USD", () => {
  it("parses decimal strings exactly", () => {
    expect(parseUsdToMicro("93512.5")).toBe(93_512_500_000n);
    expect(parseUsdToMicro("0.0000125")).toBe(13n); // half rounds away from zero
    expect(parseUsdToMicro("-1.0000004")).toBe(-1_000_000n);
    expect(parseUsdToMicro("12")).toBe(12_000_000n);
  });

  it("round-trips through formatting", () => {
    for (const v of [0n, 1n, -1n, 123_456_789n, -987_654_321_000n]) expect(parseUsdToMicro(formatMicroUsd(v))).toBe(v);
  });

  it.each(["", "1e5", "1.2.3", "abc", "--1"])("refuses %j", (s) => {
    expect(() => parseUsdToMicro(s)).toThrow(RangeError);
  });
});
