/** Issue 23 item 13: the per-provider token bucket (pure model). */
import { describe, expect, it } from "vitest";
import { ProviderRatesSchema, takeToken } from "../../src/domains/decision/provider-rate.model";

const rate = { perMinute: 60, burst: 3 };

describe("provider token bucket", () => {
  it("grants the burst, then denies with the wait until the next token, and refills over time", () => {
    let state = undefined as Parameters<typeof takeToken>[0];
    for (let i = 0; i < 3; i++) {
      const r = takeToken(state, 1_000, rate);
      expect(r.granted).toBe(true);
      state = r.state;
    }
    const denied = takeToken(state, 1_000, rate);
    expect(denied).toMatchObject({ granted: false, retryAfterMs: 1_000 });
    expect(denied.state.tokens).toBe(0);
    // Half a token later: still denied, 500 ms to go.
    expect(takeToken(denied.state, 1_500, rate)).toMatchObject({ granted: false, retryAfterMs: 500 });
    // One second later one token is there; never more than the burst after a long pause.
    expect(takeToken(denied.state, 2_000, rate).granted).toBe(true);
    expect(takeToken(denied.state, 3_600_000, rate).state.tokens).toBe(2);
  });

  it("refills nothing when time goes backwards", () => {
    const empty = { tokens: 0, updatedAtMs: 10_000 };
    const r = takeToken(empty, 5_000, rate);
    expect(r.granted).toBe(false);
    expect(r.state).toEqual(empty);
  });

  it("parses per-provider settings and refuses nonsense", () => {
    expect(ProviderRatesSchema.parse({ openai: { perMinute: 500, burst: 50 } })).toEqual({ openai: { perMinute: 500, burst: 50 } });
    expect(ProviderRatesSchema.safeParse({ openai: { perMinute: 0, burst: 1 } }).success).toBe(false);
    expect(ProviderRatesSchema.safeParse({ openai: { perMinute: 10 } }).success).toBe(false);
  });
});
