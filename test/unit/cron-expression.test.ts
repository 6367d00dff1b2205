import { describe, expect, it } from "vitest";
import { cadenceMs, cronMatches, nextFire, parseCron } from "../../src/cron/cron-expression";

const at = (iso: string) => Date.parse(iso);

describe("cron expressions", () => {
  it("matches and steps", () => {
    expect(cronMatches(parseCron("*/5 * * * *"), at("2026-01-01T00:10:00Z"))).toBe(true);
    expect(cronMatches(parseCron("*/5 * * * *"), at("2026-01-01T00:11:00Z"))).toBe(false);
    expect(nextFire(parseCron("0 * * * *"), at("2026-01-01T00:00:00Z"))).toBe(at("2026-01-01T01:00:00Z"));
    expect(nextFire(parseCron("30 2 * * 1"), at("2026-01-01T00:00:00Z"))).toBe(at("2026-01-05T02:30:00Z"));
    expect(nextFire(parseCron("0 0 1,15 * *"), at("2026-01-02T00:00:00Z"))).toBe(at("2026-01-15T00:00:00Z"));
  });

  it("derives cadences", () => {
    expect(cadenceMs(parseCron("* * * * *"))).toBe(60_000);
    expect(cadenceMs(parseCron("*/5 * * * *"))).toBe(300_000);
    expect(cadenceMs(parseCron("0 * * * *"))).toBe(3_600_000);
    expect(cadenceMs(parseCron("0 3 * * *"))).toBe(86_400_000);
  });

  it.each(["* * * *", "61 * * * *", "*/0 * * * *", "a * * * *", "5-1 * * * *"])("refuses %s", (expr) => {
    expect(() => parseCron(expr)).toThrow(RangeError);
  });
});
