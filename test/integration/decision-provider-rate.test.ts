/**
 * Issue 23 item 13: one ProviderRateLimit object per provider holds the bucket every consumer shares;
 * a denied model request never leaves the Worker and answers 429 with Retry-After, like the provider.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readDecisionSettings, throttledFetch } from "../../src/domains/decision";

describe("provider rate limit", () => {
  it("shares one bucket per provider across callers: the burst, then a denial with the wait", async () => {
    const rate = { perMinute: 60, burst: 2 };
    const stub = () => env.PROVIDER_RATE_LIMIT.get(env.PROVIDER_RATE_LIMIT.idFromName("test-openai"));
    const t = Date.UTC(2026, 11, 1, 12);
    expect(await stub().take(t, rate)).toEqual({ granted: true, retryAfterMs: 0 });
    expect(await stub().take(t, rate)).toEqual({ granted: true, retryAfterMs: 0 });
    expect(await stub().take(t, rate)).toEqual({ granted: false, retryAfterMs: 1_000 });
    expect((await stub().take(t + 1_000, rate)).granted).toBe(true);
    // Another provider has its own bucket.
    const other = env.PROVIDER_RATE_LIMIT.get(env.PROVIDER_RATE_LIMIT.idFromName("test-anthropic"));
    expect((await other.take(t, rate)).granted).toBe(true);
  });

  it("a denied request answers 429 with Retry-After and never reaches the provider", async () => {
    let reached = 0;
    const inner = (async () => {
      reached += 1;
      return new Response("{}", { status: 200 });
    }) as unknown as typeof fetch;
    let grant = true;
    const f = throttledFetch(
      "openai",
      { take: async () => (grant ? { granted: true, retryAfterMs: 0 } : { granted: false, retryAfterMs: 2_500 }) },
      inner,
    );
    expect((await f("http://127.0.0.1:1/v1/chat/completions")).status).toBe(200);
    grant = false;
    const denied = await f("http://127.0.0.1:1/v1/chat/completions");
    expect(denied.status).toBe(429);
    expect(denied.headers.get("retry-after")).toBe("3");
    expect(reached).toBe(1);
  });

  it("reads DECISION_PROVIDER_RATES and refuses a malformed one", () => {
    const ok = readDecisionSettings({ DECISION_PROVIDER_RATES: '{"openai":{"perMinute":500,"burst":50}}' } as unknown as Env);
    expect(ok.DECISION_PROVIDER_RATES).toEqual({ openai: { perMinute: 500, burst: 50 } });
    expect(() => readDecisionSettings({ DECISION_PROVIDER_RATES: "{oops" } as unknown as Env)).toThrow(/DECISION_PROVIDER_RATES|not JSON/);
  });
});
