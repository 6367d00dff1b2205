/**
 * Issue 24 item 13: an empty setting means unset (its default applies) and every value is validated at
 * start-up; the audition fee is a positive base-10 integer. Calls the composed start-up check
 * (src/config.ts) and the domain readers directly on copies of the test env.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/config";
import { readDecisionSettings } from "../../src/domains/decision/decision.config";
import { readLifecycleConfig } from "../../src/domains/lifecycle/lifecycle.config";

const withSettings = (extra: Record<string, unknown>): Env => ({ ...env, ...extra }) as Env;

describe("empty setting means unset; bad values fail at start", () => {
  it("a blank AUDITION_FEE_AMOUNT keeps the default fee, never 0", () => {
    expect(readLifecycleConfig(withSettings({ AUDITION_FEE_AMOUNT: "" })).AUDITION_FEE_AMOUNT).toBe(25_000_000n);
    expect(readConfig(withSettings({ AUDITION_FEE_AMOUNT: "  " })).AUDITION_FEE_AMOUNT).toBe(25_000_000n);
    expect(readConfig(withSettings({ AUDITION_FEE_AMOUNT: "1500000" })).AUDITION_FEE_AMOUNT).toBe(1_500_000n);
  });

  it.each(["-5", "0", "0x10", "1.5", "1e6", "abc"])("AUDITION_FEE_AMOUNT %j fails the start-up check naming the setting", (value) => {
    expect(() => readConfig(withSettings({ AUDITION_FEE_AMOUNT: value }))).toThrow(/AUDITION_FEE_AMOUNT/);
    expect(() => readLifecycleConfig(withSettings({ AUDITION_FEE_AMOUNT: value }))).toThrow(/invalid lifecycle settings/);
  });

  it("blank integer settings of every domain fall back to their defaults", () => {
    const config = readConfig(
      withSettings({ ARENA_SLOTS: "", AUDITION_FEE_CONFIRMATIONS: "", DECISION_MODEL_TIMEOUT_MS: "", RATE_LIMIT_IP_PER_MIN: "" }),
    );
    expect(config.ARENA_SLOTS).toBe(8);
    expect(config.AUDITION_FEE_CONFIRMATIONS).toBe(12);
    expect(config.DECISION_MODEL_TIMEOUT_MS).toBe(30_000);
    expect(config.RATE_LIMIT_IP_PER_MIN).toBe(600);
    expect(readDecisionSettings(withSettings({ DECISION_MODEL_TIMEOUT_MS: "" })).DECISION_MODEL_TIMEOUT_MS).toBe(30_000);
  });

  it("hex and malformed lifecycle integers and decision settings fail with a clear message", () => {
    expect(() => readConfig(withSettings({ ARENA_SLOTS: "0x8" }))).toThrow(/ARENA_SLOTS/);
    expect(() => readConfig(withSettings({ DECISION_MODEL_MAX_RETRIES: "99" }))).toThrow(/DECISION_MODEL_MAX_RETRIES/);
    expect(() => readDecisionSettings(withSettings({ DECISION_MODEL_MAX_RETRIES: "-1" }))).toThrow(/invalid decision settings/);
  });
});
