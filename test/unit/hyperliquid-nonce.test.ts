/**
 * The nonce serializer (strictly increasing ms nonces inside the exchange's window) and the exchange's
 * acceptance rule the stand-in applies (unused, above the smallest of the last 100, inside
 * (now − 2 days, now + 1 day)).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkNonce,
  NONCE_FUTURE_WINDOW_MS,
  NONCE_PAST_WINDOW_MS,
  NONCE_SET_SIZE,
  nextNonce,
} from "../../src/domains/trading/live/hyperliquid/nonce.model";

const T0 = 1_764_000_000_000;

describe("nonce serializer", () => {
  it("issues the clock when it is ahead, else last + 1", () => {
    const a = nextNonce({ last: 0 }, T0);
    expect(a).toEqual({ ok: true, nonce: T0, state: { last: T0 } });
    const b = a.ok ? nextNonce(a.state, T0) : a; // same millisecond
    expect(b.ok && b.nonce).toBe(T0 + 1);
    const c = b.ok ? nextNonce(b.state, T0 - 5_000) : b; // clock stepped back
    expect(c.ok && c.nonce).toBe(T0 + 2);
  });

  it("is strictly increasing and accepted by the exchange rule for any clock sequence", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -2_000, max: 5_000 }), { minLength: 1, maxLength: 300 }), (steps) => {
        let state = { last: 0 };
        let now = T0;
        let seen: number[] = [];
        for (const step of steps) {
          now += step;
          const issued = nextNonce(state, now);
          if (!issued.ok) return false;
          if (issued.nonce <= state.last) return false;
          const accepted = checkNonce(seen, issued.nonce, now);
          if (!accepted.ok) return false;
          seen = accepted.seen;
          state = issued.state;
        }
        return true;
      }),
    );
  });

  it("refuses to issue a nonce a day ahead of the clock, and a bad clock", () => {
    expect(nextNonce({ last: T0 + NONCE_FUTURE_WINDOW_MS }, T0).ok).toBe(false);
    expect(nextNonce({ last: 0 }, Number.NaN).ok).toBe(false);
  });
});

describe("the exchange's nonce rule", () => {
  it("refuses a reused nonce and nonces outside the window", () => {
    const first = checkNonce([], T0, T0);
    expect(first.ok).toBe(true);
    const seen = first.ok ? first.seen : [];
    expect(checkNonce(seen, T0, T0)).toMatchObject({ ok: false, error: expect.stringMatching(/duplicate nonce/) });
    expect(checkNonce(seen, T0 - NONCE_PAST_WINDOW_MS, T0).ok).toBe(false);
    expect(checkNonce(seen, T0 - NONCE_PAST_WINDOW_MS + 1, T0).ok).toBe(true);
    expect(checkNonce(seen, T0 + NONCE_FUTURE_WINDOW_MS, T0).ok).toBe(false);
    expect(checkNonce(seen, T0 + NONCE_FUTURE_WINDOW_MS - 1, T0).ok).toBe(true);
  });

  it("keeps the highest 100 and refuses anything not above the smallest of them", () => {
    let seen: number[] = [];
    for (let i = 0; i < NONCE_SET_SIZE + 20; i++) {
      const r = checkNonce(seen, T0 + i * 10, T0);
      expect(r.ok).toBe(true);
      if (r.ok) seen = r.seen;
    }
    expect(seen.length).toBe(NONCE_SET_SIZE);
    expect(seen[0]).toBe(T0 + 200);
    expect(checkNonce(seen, T0 + 195, T0).ok).toBe(false); // below the smallest kept
    expect(checkNonce(seen, T0 + 205, T0).ok).toBe(true); // an unused gap above it
  });
});
