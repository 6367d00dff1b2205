/**
 * Reference indicators written straight from TA-Lib's definitions, recomputing every window from the
 * whole array (no running sums, no shared code with the engine). The indicator tests compare the
 * incremental engine to these; the bench times them as the "full-window recompute" baseline.
 */
type Series = Array<number | null>;

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function refSma(closes: number[], n: number): Series {
  return closes.map((_, i) => (i < n - 1 ? null : mean(closes.slice(i - n + 1, i + 1))));
}

/** Middle = SMA n, bands = middle ± k population standard deviations of the same window. */
export function refBollinger(closes: number[], n: number, k: number): Array<{ upper: number; middle: number; lower: number } | null> {
  return closes.map((_, i) => {
    if (i < n - 1) return null;
    const window = closes.slice(i - n + 1, i + 1);
    const m = mean(window);
    const sd = Math.sqrt(window.reduce((a, x) => a + (x - m) ** 2, 0) / n);
    return { upper: m + k * sd, middle: m, lower: m - k * sd };
  });
}

/** TA-Lib EMA: the first value (at `start + n − 1`) is the SMA of the first n inputs. */
export function refEma(xs: number[], n: number, start = 0): Series {
  const out: Series = xs.map(() => null);
  const k = 2 / (n + 1);
  let prev = mean(xs.slice(start, start + n));
  out[start + n - 1] = prev;
  for (let i = start + n; i < xs.length; i++) {
    prev = ((xs[i] as number) - prev) * k + prev;
    out[i] = prev;
  }
  return out;
}

/** Wilder RSI: first averages are the means of the first n changes, then (avg·(n−1) + x)/n. */
export function refRsi(closes: number[], n: number): Series {
  const out: Series = closes.map(() => null);
  const gains = closes.map((c, i) => (i === 0 ? 0 : Math.max(c - (closes[i - 1] as number), 0)));
  const losses = closes.map((c, i) => (i === 0 ? 0 : Math.max((closes[i - 1] as number) - c, 0)));
  let g = mean(gains.slice(1, n + 1));
  let l = mean(losses.slice(1, n + 1));
  for (let i = n; i < closes.length; i++) {
    if (i > n) {
      g = (g * (n - 1) + (gains[i] as number)) / n;
      l = (l * (n - 1) + (losses[i] as number)) / n;
    }
    out[i] = g + l === 0 ? 0 : (100 * g) / (g + l);
  }
  return out;
}

/**
 * TA_MACD: both EMAs begin at bar slow−1 (the fast one seeded from the `fast` closes ending there),
 * the signal is the EMA of the MACD line from that bar, and all three outputs start at slow+signal−2.
 */
export function refMacd(
  closes: number[],
  fast: number,
  slow: number,
  signal: number,
): Array<{ macd: number; signal: number; hist: number } | null> {
  const slowEma = refEma(closes, slow);
  const fastEma = refEma(closes, fast, slow - fast);
  const line = closes.map((_, i) => (i < slow - 1 ? 0 : (fastEma[i] as number) - (slowEma[i] as number)));
  const sig = refEma(line, signal, slow - 1);
  return closes.map((_, i) => {
    if (i < slow + signal - 2) return null;
    const m = line[i] as number;
    const s = sig[i] as number;
    return { macd: m, signal: s, hist: m - s };
  });
}

/** Every output of the engine's field set, per bar, from the references above. */
export function referenceSeries(closes: number[]) {
  const rsi = refRsi(closes, 14);
  const sma = refSma(closes, 20);
  const bb = refBollinger(closes, 20, 2);
  const ema = refEma(closes, 20);
  const macd = refMacd(closes, 12, 26, 9);
  return closes.map((_, i) => ({
    rsi14: rsi[i] ?? null,
    bbUpper: bb[i]?.upper ?? null,
    bbMiddle: bb[i]?.middle ?? null,
    bbLower: bb[i]?.lower ?? null,
    sma20: sma[i] ?? null,
    ema20: ema[i] ?? null,
    macd: macd[i]?.macd ?? null,
    macdSignal: macd[i]?.signal ?? null,
    macdHist: macd[i]?.hist ?? null,
  }));
}

/** |a − b| ≤ 1e-6 · |b| (exact equality when b is 0). */
export function withinRelative(a: number, b: number, rel = 1e-6): boolean {
  return Math.abs(a - b) <= rel * Math.abs(b);
}
