/**
 * The replay exchange's candle source: real recorded 1-minute series (test/fixtures/ohlcv_1m) served
 * under Hyperliquid coin names, shifted to the current clock and replayed in accelerated time.
 *
 * Long real Hyperliquid 1m history is not public (candleSnapshot keeps only the newest 5000), so
 * Binance BTCUSDT plays `BTC` and ETHUSDT plays `ETH`. Candle i of a series opens at
 * `anchorMinuteMs + (i - historyMinutes) * 60_000`: the first `historyMinutes` candles are history
 * (closed before the server started), the rest are revealed as the virtual clock advances.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MINUTE_MS } from "../../core/clock";

/** One candle as the exchange sends it (`t,T,s,i,o,c,h,l,v,n`). */
export interface WireCandle {
  t: number;
  T: number;
  s: string;
  i: "1m";
  o: string;
  c: string;
  h: string;
  l: string;
  v: string;
  n: number;
}

interface SourceRow {
  t: number;
  o: string;
  h: string;
  l: string;
  c: string;
  v: string;
  n: number | null;
}

const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/", import.meta.url));

/**
 * A recorded series: a fixture file, optionally with its zero-volume minutes omitted (what the
 * exchange does for minutes without trades: no push, no snapshot row) and looped (a short series
 * repeats, so the coin never runs dry).
 */
export type SeriesSpec = string | { file: string; omitZeroVolume?: boolean; loop?: boolean };

/** The illiquid coin: Kraken's XBT/USDT (696 of 721 minutes without a trade) as the thin perp `NOT`. */
export const ILLIQUID_COIN = "NOT";

/** Which recorded series plays which Hyperliquid coin. */
export const DEFAULT_SERIES: Record<string, SeriesSpec> = {
  BTC: "ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl",
  ETH: "ohlcv_1m/binance_spot_ETHUSDT_1m.jsonl",
  [ILLIQUID_COIN]: { file: "ohlcv_1m/kraken_spot_XBTUSDT_1m.jsonl", omitZeroVolume: true, loop: true },
};

interface Series {
  /** Sparse when zero-volume minutes are omitted (holes are minutes without a candle). */
  rows: Array<SourceRow | undefined>;
  loop: boolean;
}

function loadSeries(spec: SeriesSpec): Series {
  const { file, omitZeroVolume, loop } = typeof spec === "string" ? { file: spec, omitZeroVolume: false, loop: false } : spec;
  const rows = readFileSync(FIXTURES + file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SourceRow)
    .map((row) => (omitZeroVolume && Number(row.v) === 0 ? undefined : row));
  return { rows, loop: loop === true };
}

export interface CandleSourceOptions {
  /** Virtual minutes per real minute (1 = real time). */
  speed: number;
  /** Candles already closed when the server starts (served by candleSnapshot). */
  historyMinutes: number;
  series?: Record<string, SeriesSpec>;
  /** Any other coin asked for replays this series (the cold-start test: hundreds of coins). */
  fallbackSeries?: string;
  /** Real start time; defaults to now. */
  startRealMs?: number;
}

/** A shifted, accelerated view of the recorded series. */
export class CandleSource {
  readonly speed: number;
  readonly historyMinutes: number;
  private _startRealMs: number;
  private _anchorMinuteMs: number;
  private readonly series = new Map<string, Series>();
  private readonly fallback: Series | undefined;

  constructor(options: CandleSourceOptions) {
    this.speed = options.speed;
    this.historyMinutes = options.historyMinutes;
    this._startRealMs = options.startRealMs ?? Date.now();
    this._anchorMinuteMs = Math.floor(this._startRealMs / MINUTE_MS) * MINUTE_MS;
    for (const [coin, spec] of Object.entries(options.series ?? DEFAULT_SERIES)) this.series.set(coin, loadSeries(spec));
    this.fallback = options.fallbackSeries ? loadSeries(options.fallbackSeries) : undefined;
  }

  private seriesOf(coin: string): Series | undefined {
    return this.series.get(coin) ?? this.fallback;
  }

  get startRealMs(): number {
    return this._startRealMs;
  }

  get anchorMinuteMs(): number {
    return this._anchorMinuteMs;
  }

  /** Restarts the replay clock at `realNowMs` (the bench starts it on the first subscription). */
  restart(realNowMs = Date.now()): void {
    this._startRealMs = realNowMs;
    this._anchorMinuteMs = Math.floor(realNowMs / MINUTE_MS) * MINUTE_MS;
  }

  get coins(): string[] {
    return [...this.series.keys()];
  }

  /** Virtual "now" of the replay. */
  virtualNowMs(realNowMs = Date.now()): number {
    return this.startRealMs + (realNowMs - this.startRealMs) * this.speed;
  }

  /** Index of the candle forming at virtual time `vMs` (may be past the end of the series). */
  indexAt(vMs: number): number {
    return this.historyMinutes + Math.floor((vMs - this.anchorMinuteMs) / MINUTE_MS);
  }

  /** Open time of candle `i` (the shift applied to every series). */
  openTimeOf(i: number): number {
    return this.anchorMinuteMs + (i - this.historyMinutes) * MINUTE_MS;
  }

  /** Added to a recorded `t` to get the replayed `t` (per coin, since series start at different times). */
  shiftMs(coin: string): number | undefined {
    const first = this.seriesOf(coin)?.rows.find((r) => r !== undefined);
    return first === undefined ? undefined : this.openTimeOf(0) - first.t;
  }

  /** Whether `coin` is replayed (it has a series, or the fallback series plays every coin). */
  replays(coin: string): boolean {
    return this.seriesOf(coin) !== undefined;
  }

  /**
   * The price of `coin` at virtual `vNowMs`: the close of the newest candle that has closed by then
   * (the one the backend stores last), else the open of the forming candle (a replay with no history,
   * in its first minute). Omitted no-trade minutes are skipped back over, at most one pass of the
   * series. Undefined before the series begins.
   */
  priceAt(coin: string, vNowMs: number): { px: string; candle: WireCandle; closed: boolean } | undefined {
    const series = this.seriesOf(coin);
    if (!series) return undefined;
    const forming = this.indexAt(vNowMs);
    const newestClosed = Math.min(forming - 1, this.length(coin) - 1);
    const oldest = Math.max(0, newestClosed - series.rows.length);
    for (let i = newestClosed; i >= oldest; i--) {
      const candle = this.candle(coin, i);
      if (candle) return { px: candle.c, candle, closed: true };
    }
    const open = forming < this.length(coin) ? this.candle(coin, forming) : undefined;
    return open ? { px: open.o, candle: open, closed: false } : undefined;
  }

  /** Minutes in the series of `coin` (a looped series never ends). */
  length(coin: string): number {
    const series = this.seriesOf(coin);
    if (!series) return 0;
    return series.loop ? Number.MAX_SAFE_INTEGER : series.rows.length;
  }

  /** Candle `i` of `coin` in wire shape, or undefined outside the series or for an omitted (no-trade) minute. */
  candle(coin: string, i: number): WireCandle | undefined {
    const series = this.seriesOf(coin);
    if (!series || i < 0) return undefined;
    const row = series.loop ? series.rows[i % series.rows.length] : series.rows[i];
    if (!row) return undefined;
    const t = this.openTimeOf(i);
    // `n` is always a number on the exchange; a recording without trade counts says 0.
    return { t, T: t + MINUTE_MS - 1, s: coin, i: "1m", o: row.o, c: row.c, h: row.h, l: row.l, v: row.v, n: row.n ?? 0 };
  }

  /**
   * candleSnapshot: candles with `startTime <= t <= endTime` that exist at virtual `vNowMs`
   * (including the forming one, as the exchange does), only the newest `limit`, oldest first.
   */
  snapshot(coin: string, startTime: number, endTime: number | undefined, vNowMs: number, limit = 5000): WireCandle[] {
    const n = this.length(coin);
    if (n === 0) return [];
    const newest = Math.min(this.indexAt(vNowMs), n - 1);
    const oldestAvailable = Math.max(0, newest - limit + 1);
    const from = Math.max(oldestAvailable, Math.ceil((startTime - this.openTimeOf(0)) / MINUTE_MS));
    const to = endTime === undefined ? newest : Math.min(newest, Math.floor((endTime - this.openTimeOf(0)) / MINUTE_MS));
    const out: WireCandle[] = [];
    for (let i = from; i <= to; i++) {
      const c = this.candle(coin, i);
      if (c) out.push(c);
    }
    return out;
  }
}
