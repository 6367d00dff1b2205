/**
 * The candidate policy, pure: which assets of a strategy branch go to the decision engine in a slot.
 * Open positions always come first (never dropped, even beyond the cap); the remaining places, up
 * to the cap, go to the universe by mode:
 *   scored       assets passing the prefilters, ranked by score (desc), ties by symbol
 *   all          every tradable universe asset, ranked by score (the legacy `all`: no blind fan-out)
 *   round_robin  `cap` consecutive assets of the symbol-sorted universe, the window advancing by `cap`
 *                each slot (slot index = floor(slotMs / cadence)), wrapping around
 * Score (doc/domains/context.md): sum of the fired signals' strengths, each >= 1 when it fires
 *   RSI        1 + distance beyond the threshold / 10
 *   Bollinger  1 + distance outside the band / band width
 *   funding    min(3, |rate| / threshold)
 *   momentum   min(3, |1h change %| / threshold)
 * plus log10(24h volume USD) / 100 as a tie-breaker toward liquid assets; rounded to 1e-9.
 */
import type { CandidatePolicySettings, CandidatePrefilters } from "../strategy";

export interface AssetSignals {
  symbol: string;
  volume24hUsd: number | null;
  fundingHourly: number | null;
  rsi14: number | null;
  close: number | null;
  bbUpper: number | null;
  bbLower: number | null;
  closeHourAgo: number | null;
}

export interface CandidateVerdict {
  symbol: string;
  score: number;
  passed: boolean;
  openPosition: boolean;
  selected: boolean;
  /** Why it passed or failed: fired signals, failed filters, `open_position`, `round_robin_window`, `over_cap`. */
  reasons: string[];
  signals: AssetSignals;
}

export interface CandidateScan {
  mode: CandidatePolicySettings["mode"];
  cap: number;
  selected: string[];
  ranked: CandidateVerdict[];
}

const round9 = (x: number) => Math.round(x * 1e9) / 1e9;

/** Score and the signal/filter reasons of one asset. `passed` applies the prefilters (scored mode). */
export function scoreAsset(s: AssetSignals, p: CandidatePrefilters): { score: number; passed: boolean; reasons: string[] } {
  const reasons: string[] = [];
  let score = 0;
  let signals = 0;
  if (s.rsi14 !== null) {
    if (s.rsi14 <= p.rsiLow) {
      score += 1 + (p.rsiLow - s.rsi14) / 10;
      signals++;
      reasons.push(`rsi_low:${round9(s.rsi14)}`);
    } else if (s.rsi14 >= p.rsiHigh) {
      score += 1 + (s.rsi14 - p.rsiHigh) / 10;
      signals++;
      reasons.push(`rsi_high:${round9(s.rsi14)}`);
    }
  }
  if (p.bollingerBreakout && s.close !== null && s.bbUpper !== null && s.bbLower !== null && s.bbUpper > s.bbLower) {
    const width = s.bbUpper - s.bbLower;
    if (s.close > s.bbUpper) {
      score += 1 + (s.close - s.bbUpper) / width;
      signals++;
      reasons.push("bollinger_breakout_up");
    } else if (s.close < s.bbLower) {
      score += 1 + (s.bbLower - s.close) / width;
      signals++;
      reasons.push("bollinger_breakout_down");
    }
  }
  if (s.fundingHourly !== null && p.fundingAbsHourly > 0 && Math.abs(s.fundingHourly) >= p.fundingAbsHourly) {
    score += Math.min(3, Math.abs(s.fundingHourly) / p.fundingAbsHourly);
    signals++;
    reasons.push(`funding_extreme:${s.fundingHourly}`);
  }
  if (s.close !== null && s.closeHourAgo !== null && s.closeHourAgo > 0 && p.momentumAbsPct > 0) {
    const change = ((s.close - s.closeHourAgo) / s.closeHourAgo) * 100;
    if (Math.abs(change) >= p.momentumAbsPct) {
      score += Math.min(3, Math.abs(change) / p.momentumAbsPct);
      signals++;
      reasons.push(`momentum_1h:${round9(change)}%`);
    }
  }
  let passed = true;
  if (s.volume24hUsd === null) {
    passed = p.minVolume24hUsd <= 0;
    if (!passed) reasons.push("no_volume_data");
  } else {
    score += Math.log10(Math.max(1, s.volume24hUsd)) / 100;
    if (s.volume24hUsd < p.minVolume24hUsd) {
      passed = false;
      reasons.push(`volume_below_min:${Math.round(s.volume24hUsd)}`);
    }
  }
  if (p.requireSignal && signals === 0) {
    passed = false;
    reasons.push("no_signal");
  }
  return { score: round9(score), passed, reasons };
}

const bySymbol = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Runs the policy over a branch's tradable universe. Deterministic in its inputs. */
export function selectCandidates(input: {
  policy: CandidatePolicySettings;
  universe: readonly AssetSignals[];
  openPositions: readonly string[];
  slotMs: number;
  cadenceMs: number;
}): CandidateScan {
  const { policy } = input;
  const open = new Set(input.openPositions);
  const verdicts = new Map<string, CandidateVerdict>();
  for (const s of [...input.universe].sort((a, b) => bySymbol(a.symbol, b.symbol))) {
    const scored = scoreAsset(s, policy.prefilters);
    const passed = policy.mode === "scored" ? scored.passed : true;
    verdicts.set(s.symbol, {
      symbol: s.symbol,
      score: scored.score,
      passed,
      openPosition: open.has(s.symbol),
      selected: false,
      reasons: scored.reasons,
      signals: s,
    });
  }
  const selected: string[] = [];
  for (const symbol of [...open].sort(bySymbol)) {
    selected.push(symbol);
    const v = verdicts.get(symbol);
    if (v) v.reasons.unshift("open_position");
  }
  const rest = [...verdicts.values()].filter((v) => !open.has(v.symbol));
  const room = Math.max(0, policy.cap - selected.length);
  let pool: CandidateVerdict[];
  if (policy.mode === "round_robin") {
    const n = rest.length;
    const slotIndex = Math.floor(input.slotMs / Math.max(1, input.cadenceMs));
    const start = n === 0 ? 0 : (slotIndex * policy.cap) % n;
    pool = Array.from({ length: Math.min(room, n) }, (_, i) => rest[(start + i) % n] as CandidateVerdict);
    for (const v of pool) v.reasons.push("round_robin_window");
  } else {
    pool = rest
      .filter((v) => v.passed)
      .sort((a, b) => b.score - a.score || bySymbol(a.symbol, b.symbol))
      .slice(0, room);
  }
  for (const v of pool) selected.push(v.symbol);
  const chosen = new Set(selected);
  for (const v of verdicts.values()) {
    v.selected = chosen.has(v.symbol);
    if (!v.selected && v.passed && policy.mode !== "round_robin") v.reasons.push("over_cap");
  }
  const ranked = [
    ...selected.map((s) => verdicts.get(s)).filter((v): v is CandidateVerdict => v !== undefined),
    ...[...verdicts.values()]
      .filter((v) => !v.selected)
      .sort((a, b) => Number(b.passed) - Number(a.passed) || b.score - a.score || bySymbol(a.symbol, b.symbol)),
  ];
  return { mode: policy.mode, cap: policy.cap, selected, ranked };
}

/** Every symbol's signals in the windows ending at one `asOfMs`: three queries, then a lookup. */
export type SignalTable = (symbols: readonly string[]) => AssetSignals[];

/**
 * Per-invocation memo of signal tables by `asOfMs`: the scan's signals are the same for every account
 * of a tick, so a scheduler tick over 1,000 accounts reads them once (three statements), not 1,000 times.
 */
export type SignalsCache = Map<number, Promise<SignalTable>>;

export const createSignalsCache = (): SignalsCache => new Map();
