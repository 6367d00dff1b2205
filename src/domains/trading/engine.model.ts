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
import { type AccountState, newAccountState, type OpenAccountInput, OpenAccountSchema } from "./account.model";
import type { AccountResult } from "./account-result.model";
import type { AdminCommand, FundingRate } from "./admin-command.model";
import type { DecisionAction, IntakeOutcome } from "./decision-action.model";
import { closeAtMark, type Effect, post, valuation, type Work } from "./execution.model";
import { intakeInto } from "./intake.model";
import type { Market } from "./market.model";
import { buildResult } from "./result.model";
import { applyCandle, applyFunding, applyMark, type CandleInput, setStatus } from "./risk.model";

export type EngineEvent =
  | { type: "action"; t: number; action: DecisionAction; market: Market }
  | { type: "candle"; t: number; candle: CandleInput }
  | { type: "funding"; t: number; symbol: string; hourMs: number; hourlyRate: string; oraclePx: string }
  | { type: "mark"; t: number; market: Market }
  | { type: "finalize"; t: number; market: Market }
  | { type: "freeze"; t: number }
  | { type: "unfreeze"; t: number }
  | { type: "force_close"; t: number; symbol: string; market: Market; requestId: string }
  | { type: "adjust"; t: number; amountMicroUsd: number; requestId: string; reason: string };

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

/** Applies one event to a copy of `state`. */
export function applyEvent(state: AccountState, event: EngineEvent): Applied {
  const w: Work = { st: structuredClone(state), effects: [] };
  const done = (extra: Partial<Applied> = {}): Applied => ({ state: w.st, effects: w.effects, ...extra });
  switch (event.type) {
    case "action":
      return done({ outcome: intakeInto(w, event.action, event.t, event.market) });
    case "candle":
      applyCandle(w, event.candle, event.t);
      return done();
    case "funding":
      applyFunding(w, event);
      return done();
    case "mark":
      if (w.st.status === "finalized") return done({ refused: "account is finalized" });
      applyMark(w, event.market, event.t);
      return done();
    case "finalize":
      return finalize(w, event.market, event.t);
    case "freeze":
    case "unfreeze":
      return setStatus(w, event.type, event.t) ? done() : done({ refused: `cannot ${event.type} a ${w.st.status} account` });
    case "force_close": {
      if (w.st.status !== "active" && w.st.status !== "frozen") return done({ refused: `account is ${w.st.status}` });
      if (!w.st.positions[event.symbol]) return done({ refused: `no ${event.symbol} position` });
      closeAtMark(w, event.market, event.t, "admin_close", event.requestId, event.symbol);
      return done();
    }
    case "adjust":
      if (w.st.status === "finalized") return done({ refused: "account is finalized" });
      if (!Number.isSafeInteger(event.amountMicroUsd) || event.amountMicroUsd === 0)
        return done({ refused: "amount must be a non-zero integer" });
      post(w, "admin_adjustment", event.amountMicroUsd, event.t, event.requestId);
      return done();
  }
}

/** Closes positions at mark, writes the hashed result; a finalized account returns its result unchanged. */
function finalize(w: Work, market: Market, t: number): Applied {
  const st = w.st;
  if (st.status === "finalized" && st.result) return { state: st, effects: [], result: st.result };
  const liquidated = st.status === "liquidated";
  if (!liquidated && !setStatus(w, "finalize", t))
    return { state: st, effects: w.effects, refused: `cannot finalize a ${st.status} account` };
  for (const [symbol, q] of Object.entries(market.quotes)) st.marks[symbol] = { markPx: q.markPx, t: q.pxAtMs };
  closeAtMark(w, market, t, "finalize", `finalize:${st.accountId}`);
  for (const o of st.triggers)
    w.effects.push({ type: "order", event: "cancelled", orderId: o.orderId, symbol: o.symbol, kind: o.kind, triggerPx: o.triggerPx, t });
  st.triggers = [];
  const equity = valuation(st, market).equityMicroUsd;
  setStatus(w, "complete", t);
  st.finalizedAtMs = t;
  st.result = buildResult(st, equity, t, liquidated);
  return { state: st, effects: w.effects, result: st.result };
}

/**
 * One minute's mark: the given closed candles in time order (triggers), then mark-to-market. A
 * finalized account is refused and left unchanged.
 */
export function markMinute(state: AccountState, input: { t: number; market: Market; candles?: readonly CandleInput[] }): Applied {
  if (state.status === "finalized") return { state, effects: [], refused: "account is finalized" };
  let current = state;
  const effects: Effect[] = [];
  for (const candle of [...(input.candles ?? [])].sort((a, b) => a.openTimeMs - b.openTimeMs)) {
    const a = applyEvent(current, { type: "candle", t: input.t, candle });
    current = a.state;
    effects.push(...a.effects);
  }
  const marked = applyEvent(current, { type: "mark", t: input.t, market: input.market });
  return { ...marked, effects: [...effects, ...marked.effects] };
}

/**
 * Settles one hour of funding for every open position among `rates` (a rate for a symbol without a
 * position is skipped). Only active and frozen accounts pay funding: others are refused unchanged.
 */
export function settleHour(state: AccountState, input: { t: number; hourMs: number; rates: readonly FundingRate[] }): Applied {
  if (state.status !== "active" && state.status !== "frozen") return { state, effects: [], refused: `account is ${state.status}` };
  let current = state;
  const effects: Effect[] = [];
  for (const rate of input.rates) {
    if (!current.positions[rate.symbol]) continue;
    const a = applyEvent(current, {
      type: "funding",
      t: input.t,
      symbol: rate.symbol,
      hourMs: input.hourMs,
      hourlyRate: rate.hourlyRate,
      oraclePx: rate.oraclePx,
    });
    current = a.state;
    effects.push(...a.effects);
  }
  return { state: current, effects };
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
