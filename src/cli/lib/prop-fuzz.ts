/**
 * Random event sequences for the paper engine (fast-check): actions of every kind (sizes in USD or base
 * units, leverage up to 30, stops and take-profits on either side), price moves, closed candles,
 * funding at any rate (late hours too), marks, corrections (reversals of earlier transfers) and a final
 * finalize. Shared by the property tests and
 * `npm run fuzz:ledger`, which fold each sequence through the engine and `checkStep`.
 */
import fc from "fast-check";
import type { Transfer } from "../../domains/ledger";
import {
  type Applied,
  applyEvent,
  checkStep,
  type EngineEvent,
  type Market,
  markMinute,
  openAccount,
  settleHour,
} from "../../domains/trading";

const T0 = 1_764_417_600_000;
const SYMBOLS = ["BTC", "ETH", "SOL"] as const;
const BASE = { BTC: 60_000, ETH: 3_000, SOL: 150 } as const;
const SZ = { BTC: 5, ETH: 4, SOL: 2 } as const;

const ACTIONS = ["hold", "open_long", "open_long", "open_short", "open_short", "increase", "increase", "reduce", "close", "close"] as const;
const ACTION_COUNT = ACTIONS.length;

type Step =
  | { kind: "action"; symbol: number; action: number; usd: number; size: number; leverage: number; sl: number; tp: number; slot: number }
  | { kind: "price"; symbol: number; movePct: number }
  | { kind: "candle"; symbol: number; o: number; h: number; l: number; c: number }
  | { kind: "funding"; symbol: number; rate: number; late: boolean }
  | { kind: "mark" }
  | { kind: "reverse"; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("action" as const),
      symbol: fc.nat(2),
      action: fc.nat(ACTION_COUNT - 1),
      usd: fc.integer({ min: 0, max: 6_000 }),
      size: fc.integer({ min: 0, max: 20_000 }),
      leverage: fc.integer({ min: 1, max: 12 }),
      sl: fc.integer({ min: -20, max: 20 }),
      tp: fc.integer({ min: -20, max: 20 }),
      slot: fc.nat(3),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("price" as const), symbol: fc.nat(2), movePct: fc.integer({ min: -300, max: 300 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("candle" as const),
      symbol: fc.nat(2),
      o: fc.integer({ min: -200, max: 200 }),
      h: fc.nat(300),
      l: fc.nat(300),
      c: fc.integer({ min: -200, max: 200 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("funding" as const),
      symbol: fc.nat(2),
      rate: fc.integer({ min: -4000, max: 4000 }),
      late: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("mark" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reverse" as const), pick: fc.nat(1000) }) },
);

export const sequenceArb = fc.record({
  balanceUsd: fc.integer({ min: 500, max: 100_000 }),
  maxLeverage: fc.integer({ min: 3, max: 40 }),
  maxDrawdownPct: fc.integer({ min: 0, max: 60 }),
  slippageBps: fc.integer({ min: 0, max: 50 }),
  steps: fc.array(step, { minLength: 1, maxLength: 40 }),
});
export type Sequence = typeof sequenceArb extends fc.Arbitrary<infer S> ? S : never;

/** A price with at most 5 significant figures from a base and a move in basis points. */
const px = (base: number, bps: number) => String(Number((base * (1 + bps / 10_000)).toPrecision(5)));

export interface FoldOutcome {
  events: number;
  fills: number;
  violations: string[];
  /** Intake outcomes by status or denial code (the fuzzer's coverage). */
  outcomes: Record<string, number>;
}

/** Folds one sequence through the engine, checking every step. */
export function foldSequence(seq: Sequence): FoldOutcome {
  const market: Market = {
    assets: Object.fromEntries(
      SYMBOLS.map((s) => [
        s,
        {
          symbol: s,
          kind: "perp" as const,
          szDecimals: SZ[s],
          maxLeverage: s === "SOL" ? 20 : 40,
          marginTiers: [
            { lowerBound: "0", maxLeverage: s === "SOL" ? 20 : 40 },
            { lowerBound: "200000", maxLeverage: 10 },
          ],
          isDelisted: false,
        },
      ]),
    ),
    quotes: {},
  };
  const prices: Record<string, number> = { ...BASE };
  let t = T0;
  const quote = (s: string) => {
    market.quotes[s] = {
      symbol: s,
      markPx: px(prices[s] as number, 0),
      midPx: px(prices[s] as number, 1),
      oraclePx: px(prices[s] as number, -1),
      pxAtMs: t,
    };
  };
  for (const s of SYMBOLS) quote(s);
  const opened = openAccount(
    {
      accountId: "fuzz",
      cloneId: "c",
      ownerId: "o",
      kind: "sandbox",
      startingBalanceMicroUsd: seq.balanceUsd * 1_000_000,
      startMs: T0,
      endMs: T0 + 12 * 3_600_000,
      rules: { maxLeverage: seq.maxLeverage, maxDrawdownPct: seq.maxDrawdownPct, slippageBps: seq.slippageBps },
      allowedSymbols: ["BTC", "ETH"],
    },
    T0,
  );
  let state = opened.state;
  const journal: Transfer[] = opened.effects.flatMap((e) => (e.type === "ledger" ? [e.transfer] : []));
  const out: FoldOutcome = { events: 0, fills: 0, violations: [], outcomes: {} };
  // Every step goes through the engine's own folds: `applyEvent`, `markMinute` (marks) and
  // `settleHour` (funding), the ones the object, the replay and the dry-run use.
  const run = (event: EngineEvent) => {
    const m = structuredClone(market);
    const e = "market" in event ? { ...event, market: m } : event;
    let applied: Applied;
    if (e.type === "mark") applied = markMinute(state, { t: e.t, market: m });
    else if (e.type === "funding")
      applied = settleHour(state, {
        t: e.t,
        hourMs: e.hourMs,
        rates: [{ symbol: e.symbol, hourlyRate: e.hourlyRate, oraclePx: e.oraclePx }],
      });
    else applied = applyEvent(state, e);
    for (const x of applied.effects) if (x.type === "ledger") journal.push(x.transfer);
    out.violations.push(...checkStep(state, e, applied, journal, m));
    if (e.type === "action" && applied.outcome) {
      // Rule 12: the same action id again returns the first outcome and changes nothing.
      const again = applyEvent(applied.state, e);
      if (again.effects.length > 0 || JSON.stringify(again.outcome) !== JSON.stringify(applied.outcome))
        out.violations.push(`repeated action ${e.action.actionId} changed the account`);
    }
    out.fills += applied.effects.filter((x) => x.type === "fill").length;
    if (applied.outcome) {
      const key = applied.outcome.status === "denied" ? applied.outcome.code : applied.outcome.status;
      out.outcomes[key] = (out.outcomes[key] ?? 0) + 1;
    }
    out.events += 1;
    state = applied.state;
  };
  let candleOpenMs = T0 - 60_000;
  for (const st of seq.steps) {
    t += 20_000;
    // Quotes are re-polled every step (a fresh reference), except on every 7th step (a stale one).
    if (out.events % 7 !== 6) for (const s of SYMBOLS) quote(s);
    const symbol = SYMBOLS[("symbol" in st ? st.symbol : 0) % 3] as string;
    const p = prices[symbol] as number;
    if (st.kind === "price") {
      prices[symbol] = Number((p * (1 + st.movePct / 1000)).toPrecision(5));
      quote(symbol);
    } else if (st.kind === "candle") {
      // The minute just closed, or the next one after the previous candle (watermarks only move forward).
      candleOpenMs = Math.max(candleOpenMs + 60_000, Math.floor(t / 60_000) * 60_000 - 60_000);
      const o = p * (1 + st.o / 10_000);
      const c = p * (1 + st.c / 10_000);
      const h = Math.max(o, c) * (1 + st.h / 10_000);
      const l = Math.min(o, c) * (1 - st.l / 10_000);
      run({ type: "candle", t, candle: { symbol, openTimeMs: candleOpenMs, o: px(o, 0), h: px(h, 0), l: px(l, 0), c: px(c, 0) } });
    } else if (st.kind === "funding") {
      // Funding crosses into the next hour and settles its boundary (or, `late`, the previous one again).
      t = Math.floor(t / 3_600_000) * 3_600_000 + 3_600_000 + 5_000;
      for (const s of SYMBOLS) quote(s);
      const hourMs = Math.floor(t / 3_600_000) * 3_600_000 - (st.late ? 3_600_000 : 0);
      run({
        type: "funding",
        t,
        symbol,
        hourMs,
        hourlyRate: String(st.rate / 10_000_000),
        oraclePx: market.quotes[symbol]?.oraclePx ?? "1",
      });
    } else if (st.kind === "reverse") {
      // A correction of any earlier transfer (reversing a reversal or one twice is refused).
      const original = journal[st.pick % journal.length];
      if (original)
        run({
          type: "reverse",
          t,
          transfer: original as Extract<EngineEvent, { type: "reverse" }>["transfer"],
          requestId: `fix${out.events}`,
        });
    } else if (st.kind === "mark") {
      run({ type: "mark", t, market });
    } else {
      const action = ACTIONS[st.action % ACTIONS.length] as (typeof ACTIONS)[number];
      const useUsd = st.size % 2 === 0;
      run({
        type: "action",
        t,
        market,
        action: {
          actionId: `a${out.events}`,
          symbol,
          action,
          ...(useUsd ? { sizeUsd: String(st.usd) } : { size: (st.size / 10 ** SZ[symbol as "BTC"]).toFixed(SZ[symbol as "BTC"]) }),
          leverage: st.leverage,
          ...(st.sl >= 0 ? { stopLossPx: px(p, (st.sl - 10) * 50) } : {}),
          ...(st.tp >= 0 ? { takeProfitPx: px(p, (st.tp - 10) * 50) } : {}),
          confidence: 0.5,
          reason: "fuzz",
          decidedAtMs: t,
          ...(st.slot > 0 ? { slotMs: T0 + st.slot * 60_000 } : {}),
        },
      });
    }
  }
  run({ type: "finalize", t: t + 1, market });
  return out;
}
