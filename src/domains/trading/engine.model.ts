/**
 * The paper engine's one step API: `openAccount` then `applyEvent(state, event)` for every change (an
 * action, a closed candle, an hour of funding, a mark, finalization, admin controls), and the folds
 * the object's timed work is made of: `markMinute` (a minute's closed candles, then the mark),
 * `settleHour` (one hour of funding over the open positions) and `adminEvent` (an admin command as an
 * engine event). Pure and deterministic: the same events give the same state, effects and result hash.
 * The PropAccount object (src/domains/trading/prop-account/) runs them inside one storage transaction
 * per step, the replay CLI over an event file, the property tests and the fuzzer over random
 * sequences, and the decision runtime's dry-run over a clone-scoped in-memory state
 * (`createPaperEngine`). A new rule belongs in one of the folds below, so every caller gets it.
 */

import { HOUR_MS } from "../../core/clock";
import {
  type AccountState,
  MAX_BALANCE_MICRO_USD,
  MAX_MARKED_NOTIONAL_MICRO_USD,
  newAccountState,
  type OpenAccountInput,
  OpenAccountSchema,
} from "./account.model";
import type { AccountResult } from "./account-result.model";
import type { AdminCommand, FundingRate } from "./admin-command.model";
import { absDec, ONE, parseDec } from "./decimal.model";
import type { DecisionAction, IntakeOutcome } from "./decision-action.model";
import { closeAtMark, type Effect, keepSpecs, post, reverseTransfer, valuation, type Work } from "./execution.model";
import { intakeInto } from "./intake.model";
import type { PropTransfer } from "./ledger-books.model";
import { EMPTY_MARKET, type Market } from "./market.model";
import { buildResult } from "./result.model";
import {
  absorbNegativeCash,
  applyCandle,
  applyMark,
  type CandleInput,
  checkMaintenance,
  rollHours,
  setStatus,
  settleFunding,
  takeMarks,
} from "./risk.model";

export type EngineEvent =
  | { type: "action"; t: number; action: DecisionAction; market: Market }
  | { type: "candle"; t: number; candle: CandleInput }
  | { type: "funding"; t: number; symbol: string; hourMs: number; hourlyRate: string; oraclePx: string }
  | { type: "mark"; t: number; market: Market }
  /**
   * `maxMarkAgeMs` (the Worker passes PROP_MAX_MARK_AGE_MS): a held symbol whose closing mark was observed
   * more than this before the window's end refuses the finalization (`stale_mark`): the caller retries.
   */
  | { type: "finalize"; t: number; market: Market; maxMarkAgeMs?: number }
  | { type: "freeze"; t: number }
  | { type: "unfreeze"; t: number }
  | { type: "force_close"; t: number; symbol: string; market: Market; requestId: string }
  | { type: "adjust"; t: number; amountMicroUsd: number; requestId: string; reason: string }
  /** A correction: the reversal of one of the account's transfers (the caller reads it from the ledger). */
  | { type: "reverse"; t: number; transfer: PropTransfer; requestId: string };

export interface Applied {
  state: AccountState;
  effects: Effect[];
  /** The intake outcome (actions only). */
  outcome?: IntakeOutcome;
  /** Set by `finalize` (also when it was already finalized). */
  result?: AccountResult;
  /** Why a control event changed nothing (e.g. an invalid transition). */
  refused?: string;
}

/** Opens an account: the state plus the deposit transfer of the starting balance. */
export function openAccount(input: OpenAccountInput, t: number): { state: AccountState; effects: Effect[] } {
  const parsed = OpenAccountSchema.parse(input);
  const w: Work = { st: newAccountState(parsed, t), effects: [] };
  post(w, "deposit", parsed.startingBalanceMicroUsd, t, `open:${parsed.accountId}`);
  return { state: w.st, effects: w.effects };
}

/**
 * One engine step on a copy of `state`: the hour boundaries passed are recorded first (funding is paid
 * on the position held at each), then `body`, then the end-of-step backstop (cash never negative), and
 * the held symbols' asset rules from `market` are kept in the state (rule 4: reads use real tiers).
 * A refused step returns the state unchanged.
 */
function step(state: AccountState, t: number, body: (w: Work) => Partial<Applied> | undefined, market: Market = EMPTY_MARKET): Applied {
  const w: Work = { st: structuredClone(state), effects: [] };
  upgrade(w.st);
  rollHours(w, t);
  const extra = body(w) ?? {};
  if (extra.refused !== undefined) return { state, effects: [], ...extra };
  absorbNegativeCash(w, t);
  keepSpecs(w.st, market);
  return { state: w.st, effects: w.effects, ...extra };
}

/** Fills the fields a state stored before they existed lacks (objects opened by an older engine). */
function upgrade(st: AccountState): void {
  const old = st as Partial<AccountState> & { fundedHourMs?: Record<string, number> };
  st.outcomes ??= {};
  st.reversed ??= [];
  st.specs ??= {};
  st.heldAtHour ??= [];
  st.rolledHourMs ??= Math.floor(st.createdAtMs / HOUR_MS) * HOUR_MS;
  if (!old.fundedHours) {
    st.fundedHours = Object.fromEntries(Object.entries(old.fundedHourMs ?? {}).map(([s, h]) => [s, [h]]));
    delete old.fundedHourMs;
  }
}

/** Applies one event to a copy of `state`. */
export function applyEvent(state: AccountState, event: EngineEvent): Applied {
  switch (event.type) {
    case "action": {
      // Rule 12: a repeated action id returns its first outcome and changes nothing.
      const first = state.outcomes?.[event.action.actionId];
      if (first) return { state, effects: [], outcome: first };
      return step(
        state,
        event.t,
        (w) => {
          const outcome = intakeInto(w, event.action, event.t, event.market);
          w.st.outcomes[event.action.actionId] = outcome;
          return { outcome };
        },
        event.market,
      );
    }
    case "candle":
      return step(state, event.t, (w) => {
        applyCandle(w, event.candle, event.t);
        return undefined;
      });
    case "funding":
      return settleHour(state, {
        t: event.t,
        hourMs: event.hourMs,
        rates: [{ symbol: event.symbol, hourlyRate: event.hourlyRate, oraclePx: event.oraclePx }],
      });
    case "mark":
      return markMinute(state, { t: event.t, market: event.market });
    case "finalize":
      return step(state, event.t, (w) => finalize(w, event.market, event.t, event.maxMarkAgeMs), event.market);
    case "freeze":
    case "unfreeze":
      return step(state, event.t, (w) =>
        setStatus(w, event.type, event.t) ? undefined : { refused: `cannot ${event.type} a ${w.st.status} account` },
      );
    case "force_close":
      return step(
        state,
        event.t,
        (w) => {
          if (w.st.status !== "active" && w.st.status !== "frozen") return { refused: `account is ${w.st.status}` };
          if (!w.st.positions[event.symbol]) return { refused: `no ${event.symbol} position` };
          closeAtMark(w, event.market, event.t, "admin_close", event.requestId, event.symbol);
          return undefined;
        },
        event.market,
      );
    case "adjust":
      return step(state, event.t, (w) => {
        if (w.st.status === "finalized") return { refused: "account is finalized" };
        if (!Number.isSafeInteger(event.amountMicroUsd) || event.amountMicroUsd === 0)
          return { refused: "amount must be a non-zero integer" };
        // Rule 10: an adjustment never lifts cash above the balance bound.
        if (event.amountMicroUsd > 0 && w.st.cashMicroUsd + event.amountMicroUsd > MAX_BALANCE_MICRO_USD)
          return { refused: "cash would exceed 10,000,000 USD" };
        post(w, "admin_adjustment", event.amountMicroUsd, event.t, event.requestId);
        return undefined;
      });
    case "reverse":
      return step(state, event.t, (w) => {
        if (w.st.status === "finalized") return { refused: "account is finalized" };
        const refused = reverseTransfer(w, event.transfer, event.t, event.requestId);
        return refused === null ? undefined : { refused };
      });
  }
}

/** The market as of the window's end: quotes priced after `endMs` are left out (stored marks stand in). */
function asOfEnd(market: Market, endMs: number): Market {
  return { assets: market.assets, quotes: Object.fromEntries(Object.entries(market.quotes).filter(([, q]) => q.pxAtMs <= endMs)) };
}

/**
 * Rule 9 at a stale window end: the held symbols whose closing mark (the quote as of the end, else the
 * stored mark) is missing or was observed more than `maxAgeMs` before the end (`endMs`, or `t` when an
 * account is finalized early). Closing there would settle on a price nobody could trade at the end.
 */
function staleAtEnd(st: AccountState, atEnd: Market, t: number, maxAgeMs: number): string[] {
  const endAt = Math.min(t, st.endMs);
  return Object.keys(st.positions).flatMap((symbol) => {
    const observedAt = atEnd.quotes[symbol]?.pxAtMs ?? st.marks[symbol]?.t;
    return observedAt === undefined || endAt - observedAt > maxAgeMs
      ? [`${symbol} (${observedAt === undefined ? "no mark" : `mark ${endAt - observedAt} ms old`} at ${endAt})`]
      : [];
  });
}

/**
 * Closes positions at the mark as of the window's end, writes the hashed result; a finalized account
 * returns its result unchanged. A negative remainder after the close goes to the backstop first. With
 * `maxMarkAgeMs`, a held symbol without a mark fresh at the end refuses (`stale_mark: ...`, nothing
 * changes): the finalizer retries until a mark observed at or before the end within the age arrives.
 */
function finalize(w: Work, market: Market, t: number, maxMarkAgeMs?: number): Partial<Applied> {
  const st = w.st;
  if (st.status === "finalized" && st.result) return { result: st.result };
  const liquidated = st.status === "liquidated";
  const atEnd = boundedQuotes(st, asOfEnd(market, st.endMs)).market;
  if (maxMarkAgeMs !== undefined && !liquidated) {
    const stale = staleAtEnd(st, atEnd, t, maxMarkAgeMs);
    if (stale.length > 0) return { refused: `stale_mark: ${stale.join(", ")}` };
  }
  if (!liquidated && !setStatus(w, "finalize", t)) return { refused: `cannot finalize a ${st.status} account` };
  takeMarks(st, atEnd);
  closeAtMark(w, atEnd, t, "finalize", `finalize:${st.accountId}`);
  if (st.cashMicroUsd < 0) post(w, "liquidation", -st.cashMicroUsd, t, `backstop:${st.accountId}`);
  for (const o of st.triggers)
    w.effects.push({ type: "order", event: "cancelled", orderId: o.orderId, symbol: o.symbol, kind: o.kind, triggerPx: o.triggerPx, t });
  st.triggers = [];
  const equity = valuation(st, atEnd).equityMicroUsd;
  setStatus(w, "complete", t);
  st.finalizedAtMs = t;
  st.result = buildResult(st, equity, t, liquidated);
  return { result: st.result };
}

/** A held symbol the minute's mark skipped: no quote at all, or one older than the allowed age. */
export interface StaleMark {
  symbol: string;
  /** `out_of_bounds`: not a positive decimal, or it would value the held notional beyond the size bound. */
  reason: "missing" | "stale" | "out_of_bounds";
  /** When the quote's mark was observed (null when missing) and its age at the mark's time. */
  observedAtMs: number | null;
  ageMs: number | null;
}

/**
 * Rule 10: the market without quotes the engine must not value at: a mark that is not a positive
 * decimal, or one at which the held notional would exceed `MAX_MARKED_NOTIONAL_MICRO_USD` (amounts
 * derived from it could leave the exact integer range). Pure and total: it never throws.
 */
function boundedQuotes(st: AccountState, market: Market): { market: Market; refused: StaleMark[] } {
  const refused: StaleMark[] = [];
  const quotes: Market["quotes"] = {};
  const bound = BigInt(MAX_MARKED_NOTIONAL_MICRO_USD) * 10n ** 12n; // Dec (10^-18 USD) from µUSD
  for (const [symbol, q] of Object.entries(market.quotes)) {
    let px: bigint;
    try {
      px = parseDec(q.markPx);
    } catch {
      px = 0n;
    }
    const pos = st.positions[symbol];
    const notional = pos ? (absDec(parseDec(pos.szi)) * px) / ONE : 0n;
    if (px <= 0n || notional > bound) refused.push({ symbol, reason: "out_of_bounds", observedAtMs: q.pxAtMs, ageMs: null });
    else quotes[symbol] = q;
  }
  return { market: { assets: market.assets, quotes }, refused };
}

/** The market without quotes older than `maxAgeMs` at `t` (a quote observed after `t` counts as age 0). */
function freshQuotes(market: Market, t: number, maxAgeMs: number): Market {
  return { assets: market.assets, quotes: Object.fromEntries(Object.entries(market.quotes).filter(([, q]) => t - q.pxAtMs <= maxAgeMs)) };
}

/** The held symbols whose mark in `market` is missing or older than `maxAgeMs` at `t`. */
function staleHeld(st: AccountState, market: Market, t: number, maxAgeMs: number | undefined): StaleMark[] {
  if (maxAgeMs === undefined) return [];
  const out: StaleMark[] = [];
  for (const symbol of Object.keys(st.positions).sort()) {
    const q = market.quotes[symbol];
    if (!q) out.push({ symbol, reason: "missing", observedAtMs: null, ageMs: null });
    else if (t - q.pxAtMs > maxAgeMs) out.push({ symbol, reason: "stale", observedAtMs: q.pxAtMs, ageMs: t - q.pxAtMs });
  }
  return out;
}

/** Held symbols whose quote was refused as out of bounds (already reported in `known`). */
function missingHeld(st: AccountState, market: Market, known: Map<string, StaleMark>): StaleMark[] {
  return Object.keys(st.positions).flatMap((s) =>
    !market.quotes[s] && known.get(s)?.reason === "out_of_bounds" ? [known.get(s) as StaleMark] : [],
  );
}

/**
 * One minute's mark: the maintenance check at the new marks first, then the given closed candles in
 * time order (triggers), then mark-to-market. A finalized account, or a mark at or after the window's
 * end, is refused and left unchanged.
 *
 * Fresh marks only (issue 24 rule 6): with `maxMarkAgeMs` given, a quote older than that is not taken,
 * and while any held symbol lacks a fresh mark the maintenance check (liquidation) and the snapshot
 * are skipped for this minute: an account is valued on current prices or not at all. The skipped
 * symbols come back in `staleMarks` (the caller records and reports them). Triggers still run: they
 * fire on the minute's candles, not on the mark. Without `maxMarkAgeMs` (replay, fuzzer) every quote
 * counts.
 */
export function markMinute(
  state: AccountState,
  input: { t: number; market: Market; candles?: readonly CandleInput[]; maxMarkAgeMs?: number },
): Applied & { staleMarks: StaleMark[] } {
  if (state.status === "finalized") return { state, effects: [], refused: "account is finalized", staleMarks: [] };
  if (input.t >= state.endMs) return { state, effects: [], refused: "the window has ended", staleMarks: [] };
  const maxAge = input.maxMarkAgeMs;
  const bounded = boundedQuotes(state, input.market);
  const market = maxAge === undefined ? bounded.market : freshQuotes(bounded.market, input.t, maxAge);
  const stale = new Map<string, StaleMark>();
  for (const r of bounded.refused) if (state.positions[r.symbol]) stale.set(r.symbol, r);
  const applied = step(
    state,
    input.t,
    (w) => {
      takeMarks(w.st, market);
      const before = [...staleHeld(w.st, input.market, input.t, maxAge), ...missingHeld(w.st, market, stale)];
      if (before.length === 0) checkMaintenance(w, market, input.t);
      for (const candle of [...(input.candles ?? [])].sort((a, b) => a.openTimeMs - b.openTimeMs)) applyCandle(w, candle, input.t);
      const after = [...staleHeld(w.st, input.market, input.t, maxAge), ...missingHeld(w.st, market, stale)];
      if (after.length === 0) applyMark(w, market, input.t);
      for (const s of [...before, ...after]) stale.set(s.symbol, s);
      return undefined;
    },
    input.market,
  );
  return { ...applied, staleMarks: [...stale.values()] };
}

/**
 * Settles funding for the hour boundary `hourMs` on the positions held at it (the one funding path:
 * object, replay, fuzzer and `applyEvent`'s `funding` event). `missing` lists the symbols held at the
 * boundary whose rate was not given: the hour is not done for them (the caller retries). Only active
 * and frozen accounts pay funding: others are refused unchanged.
 */
export function settleHour(
  state: AccountState,
  input: { t: number; hourMs: number; rates: readonly FundingRate[] },
): Applied & { missing: string[] } {
  if (state.status !== "active" && state.status !== "frozen")
    return { state, effects: [], refused: `account is ${state.status}`, missing: [] };
  let missing: string[] = [];
  const applied = step(state, input.t, (w) => {
    missing = settleFunding(w, input).missing;
    return undefined;
  });
  return { ...applied, missing };
}

/** The engine event of an admin command other than `action` (which goes through the intake). */
export function adminEvent(
  op: Exclude<AdminCommand["op"], { kind: "action" }>,
  requestId: string,
  reason: string,
  t: number,
  market: Market,
): EngineEvent {
  switch (op.kind) {
    case "force_close":
      return { type: "force_close", t, symbol: op.symbol, market, requestId };
    case "adjust":
      return { type: "adjust", t, amountMicroUsd: op.amountMicroUsd, requestId, reason };
    case "finalize":
      return { type: "finalize", t, market };
    default:
      return { type: op.kind, t };
  }
}

/** An in-memory engine over one account (dry-runs, replays, fuzzing). */
export function createPaperEngine(input: OpenAccountInput, t: number) {
  let { state } = openAccount(input, t);
  return {
    get state(): AccountState {
      return state;
    },
    apply(event: EngineEvent): Applied {
      const applied = applyEvent(state, event);
      state = applied.state;
      return applied;
    },
  };
}
export type PaperEngine = ReturnType<typeof createPaperEngine>;
