/**
 * Issue 24 item 6 (trading side): the mark-age setting `PROP_MAX_MARK_AGE_MS` follows the house rule for
 * settings: empty means unset (90 s applies), a bad value fails the start-up check naming the setting.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/config";
import { readTradingConfig } from "../../src/domains/trading/trading.config";

const withSettings = (extra: Record<string, unknown>): Env => ({ ...env, ...extra }) as Env;

describe("PROP_MAX_MARK_AGE_MS: empty means unset, validated at start", () => {
  it("defaults to 90 s when absent or blank, and takes a base-10 value", () => {
    expect(readTradingConfig(withSettings({})).PROP_MAX_MARK_AGE_MS).toBe(90_000);
    expect(readTradingConfig(withSettings({ PROP_MAX_MARK_AGE_MS: " " })).PROP_MAX_MARK_AGE_MS).toBe(90_000);
    expect(readConfig(withSettings({ PROP_MAX_MARK_AGE_MS: "120000" })).PROP_MAX_MARK_AGE_MS).toBe(120_000);
  });

  it.each(["0", "-1", "0x10", "1.5", "9e4", "abc", "86400001"])("%j fails the start-up check naming the setting", (value) => {
    expect(() => readConfig(withSettings({ PROP_MAX_MARK_AGE_MS: value }))).toThrow(/PROP_MAX_MARK_AGE_MS/);
    expect(() => readTradingConfig(withSettings({ PROP_MAX_MARK_AGE_MS: value }))).toThrow(/invalid trading settings/);
  });
});
