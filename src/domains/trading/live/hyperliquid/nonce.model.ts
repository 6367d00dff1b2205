/**
 * Nonces for one signer (agent key). The exchange keeps the 100 highest nonces per signer and accepts
 * a new one only if it is unused, larger than the smallest of those 100, and inside
 * (now − 2 days, now + 1 day) of its clock (exchange docs, "Nonces and API wallets").
 *
 * The serializer issues millisecond nonces that are strictly increasing: `max(now, last + 1)`. That is
 * stricter than the exchange needs and makes "never reused" trivially true. It refuses to issue when
 * `last + 1` has run more than a day ahead of the clock (a burst above 1000/s for a day, or a clock
 * that jumped back): signing such a nonce would be refused by the exchange anyway.
 *
 * `checkNonce` is the exchange's side of the rule, used by the stand-in exchange. Pure: the clock is
 * passed in. The Durable Object that will host one serializer per agent key keeps `last` in storage.
 */

export const NONCE_PAST_WINDOW_MS = 2 * 24 * 60 * 60 * 1000;
export const NONCE_FUTURE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** How many of a signer's highest nonces the exchange remembers. */
export const NONCE_SET_SIZE = 100;

export interface NonceState {
  /** The last nonce issued (0 before the first). */
  last: number;
}

export type NonceIssue = { ok: true; nonce: number; state: NonceState } | { ok: false; reason: string };

/** Issues the next nonce at `nowMs`. */
export function nextNonce(state: NonceState, nowMs: number): NonceIssue {
  if (!Number.isSafeInteger(nowMs) || nowMs <= 0) return { ok: false, reason: `clock ${nowMs} is not a positive integer of ms` };
  const nonce = Math.max(nowMs, state.last + 1);
  if (nonce >= nowMs + NONCE_FUTURE_WINDOW_MS) {
    return { ok: false, reason: `next nonce ${nonce} is a day or more ahead of the clock ${nowMs}: the exchange would refuse it` };
  }
  return { ok: true, nonce, state: { last: nonce } };
}

/** The exchange's memory of one signer: its highest nonces, ascending, at most NONCE_SET_SIZE. */
export type SeenNonces = readonly number[];

export type NonceCheck = { ok: true; seen: number[] } | { ok: false; error: string };

/** The exchange's acceptance rule for `nonce` at `nowMs`; on success, the updated set. */
export function checkNonce(seen: SeenNonces, nonce: number, nowMs: number): NonceCheck {
  if (!Number.isSafeInteger(nonce) || nonce <= nowMs - NONCE_PAST_WINDOW_MS || nonce >= nowMs + NONCE_FUTURE_WINDOW_MS) {
    return { ok: false, error: `Invalid nonce: ${nonce} is outside the window of the current time ${nowMs}` };
  }
  if (seen.includes(nonce)) return { ok: false, error: `Invalid nonce: duplicate nonce ${nonce}` };
  const smallest = seen[0];
  if (seen.length >= NONCE_SET_SIZE && smallest !== undefined && nonce <= smallest) {
    return { ok: false, error: `Invalid nonce: ${nonce} is not larger than the smallest of the last ${NONCE_SET_SIZE} nonces` };
  }
  const next = [...seen, nonce].sort((a, b) => a - b);
  return { ok: true, seen: next.slice(Math.max(0, next.length - NONCE_SET_SIZE)) };
}
