/**
 * Indicator jobs' use case and the read the latest-data endpoint uses.
 *
 * `computeIndicators` continues every indicator-capable symbol's series from its persisted engine
 * state (hyperliquid_indicator_state): one query returns the bars newer than each symbol's last
 * consumed bar (oldest first across symbols, bounded by `maxBars`), the engine steps once per bar,
 * and the indicator rows plus the new states go to D1 in one batch. Persisting the state (rather than
 * recomputing from a warm-up window) keeps EMA/RSI/MACD equal to TA-Lib over the whole stored series:
 * those recurrences never forget their seed, so any bounded window gives different values.
 *
 * Idempotent for the same bars: rows are upserts keyed by (symbol, interval, open time), the engine
 * is deterministic, and a state only moves forward (the upsert ignores an older watermark), so a
 * re-run, an overlapping run or a replayed candle changes nothing. Bars are consumed in order: a
 * symbol stops at a gap until the bar after the gap is `graceMs` old (a late backfill gets the chance
 * to fill it first); a 1h bar is consumed once final, or `graceMs` after its hour ended if it stays
 * partial (missing minutes). A candle revised after it was consumed is not re-applied.
 */
import { and, desc, eq, isNotNull, sql } from "drizzle-orm";
import { HOUR_MS, MINUTE_MS } from "../../../core/clock";
import { runBatch, setFromExcluded, statementChunks } from "../../../db/batch";
import type { Db } from "../../../db/client";
import type { INDICATOR_CHANNELS } from "../channels.model";
import { hyperliquidAssets } from "../hyperliquid/assets.tables";
import {
  type IndicatorState,
  IndicatorStateSchema,
  type IndicatorValues,
  newIndicatorState,
  stepIndicators,
} from "./indicator-engine.model";
import { hyperliquidIndicatorState, hyperliquidIndicators, type IndicatorRow } from "./indicators.tables";

export type IndicatorInterval = IndicatorRow["interval"];
export type IndicatorChannel = (typeof INDICATOR_CHANNELS)[number];

const INTERVALS: Record<IndicatorInterval, { table: string; stepMs: number; graceMs: number }> = {
  "1m": { table: "hyperliquid_candles_1m", stepMs: MINUTE_MS, graceMs: 3 * MINUTE_MS },
  "1h": { table: "hyperliquid_candles_1h", stepMs: HOUR_MS, graceMs: 10 * MINUTE_MS },
};

interface PendingBar {
  symbol: string;
  openTimeMs: number;
  closeTimeMs: number;
  close: string;
  isFinal: number;
}

export interface IndicatorRunSummary {
  barsRead: number;
  barsConsumed: number;
  rowsWritten: number;
  symbols: number;
  /** Symbols stopped at a gap or a partial hour, waiting for it to fill or age. */
  waiting: number;
}

/** Advances every indicator-capable symbol of `interval` by the bars stored since its last run. */
export async function computeIndicators(
  db: Db,
  input: { interval: IndicatorInterval; nowMs: number; maxBars?: number },
): Promise<IndicatorRunSummary> {
  const spec = INTERVALS[input.interval];
  const pending = await db.all<PendingBar>(sql`
    SELECT c.symbol AS symbol, c.open_time_ms AS openTimeMs, c.close_time_ms AS closeTimeMs, c.close AS close,
           ${sql.raw(input.interval === "1h" ? "c.is_final" : "1")} AS isFinal
    FROM ${hyperliquidAssets} a
    LEFT JOIN ${hyperliquidIndicatorState} s ON s.symbol = a.symbol AND s.interval = ${input.interval}
    JOIN ${sql.identifier(spec.table)} c ON c.symbol = a.symbol AND c.open_time_ms > COALESCE(s.last_open_time_ms, -1)
    WHERE a.is_delisted = 0
      AND (a.cap_rsi = 1 OR a.cap_bollinger = 1 OR a.cap_sma = 1 OR a.cap_ema = 1 OR a.cap_macd = 1)
    ORDER BY c.open_time_ms, c.symbol
    LIMIT ${input.maxBars ?? 4000}`);
  const bySymbol = new Map<string, PendingBar[]>();
  for (const bar of pending) {
    const list = bySymbol.get(bar.symbol);
    if (list) list.push(bar);
    else bySymbol.set(bar.symbol, [bar]);
  }
  const states = await loadStates(db, input.interval, [...bySymbol.keys()]);

  const rows: IndicatorRow[] = [];
  const newStates: (typeof hyperliquidIndicatorState.$inferInsert)[] = [];
  let consumed = 0;
  let waiting = 0;
  for (const [symbol, bars] of bySymbol) {
    const stored = states.get(symbol);
    const state = stored?.state ?? newIndicatorState();
    let last = stored?.lastOpenTimeMs ?? null;
    for (const bar of bars) {
      const aged = bar.closeTimeMs + spec.graceMs <= input.nowMs;
      const contiguous = last === null || bar.openTimeMs === last + spec.stepMs;
      if (!(aged || (contiguous && bar.isFinal === 1))) {
        waiting++;
        break;
      }
      const values = stepIndicators(state, Number(bar.close));
      if (hasAnyValue(values)) rows.push(toRow(symbol, input.interval, bar.openTimeMs, values));
      last = bar.openTimeMs;
      consumed++;
    }
    if (last !== null && last !== stored?.lastOpenTimeMs) {
      newStates.push({
        symbol,
        interval: input.interval,
        lastOpenTimeMs: last,
        stateJson: JSON.stringify(state),
        updatedAtMs: input.nowMs,
      });
    }
  }
  await writeRun(db, rows, newStates);
  return { barsRead: pending.length, barsConsumed: consumed, rowsWritten: rows.length, symbols: newStates.length, waiting };
}

async function loadStates(
  db: Db,
  interval: IndicatorInterval,
  symbols: string[],
): Promise<Map<string, { lastOpenTimeMs: number; state: IndicatorState }>> {
  const out = new Map<string, { lastOpenTimeMs: number; state: IndicatorState }>();
  const t = hyperliquidIndicatorState;
  for (let i = 0; i < symbols.length; i += 90) {
    const chunk = symbols.slice(i, i + 90);
    const rows = await db
      .select()
      .from(t)
      .where(and(eq(t.interval, interval), sql`${t.symbol} IN ${chunk}`));
    for (const row of rows) {
      out.set(row.symbol, { lastOpenTimeMs: row.lastOpenTimeMs, state: IndicatorStateSchema.parse(JSON.parse(row.stateJson)) });
    }
  }
  return out;
}

async function writeRun(db: Db, rows: IndicatorRow[], states: (typeof hyperliquidIndicatorState.$inferInsert)[]): Promise<void> {
  const t = hyperliquidIndicators;
  const s = hyperliquidIndicatorState;
  await runBatch(db, [
    ...statementChunks(t, rows).map((chunk) =>
      db
        .insert(t)
        .values(chunk)
        .onConflictDoUpdate({
          target: [t.symbol, t.interval, t.openTimeMs],
          set: setFromExcluded(t, ["rsi14", "sma20", "bbUpper", "bbLower", "ema20", "macd", "macdSignal"]),
        }),
    ),
    ...statementChunks(s, states).map((chunk) =>
      db
        .insert(s)
        .values(chunk)
        .onConflictDoUpdate({
          target: [s.symbol, s.interval],
          set: setFromExcluded(s, ["lastOpenTimeMs", "stateJson", "updatedAtMs"]),
          // A slower overlapping run must not move a state backwards.
          setWhere: sql`excluded.last_open_time_ms > ${s.lastOpenTimeMs}`,
        }),
    ),
  ]);
}

function hasAnyValue(v: IndicatorValues): boolean {
  return Object.values(v).some((x) => x !== null);
}

function toRow(symbol: string, interval: IndicatorInterval, openTimeMs: number, v: IndicatorValues): IndicatorRow {
  return {
    symbol,
    interval,
    openTimeMs,
    rsi14: v.rsi14,
    sma20: v.sma20,
    bbUpper: v.bbUpper,
    bbLower: v.bbLower,
    ema20: v.ema20,
    macd: v.macd,
    macdSignal: v.macdSignal,
  };
}

/** The full value set of a stored row (Bollinger middle = SMA 20, histogram = line − signal). */
export function valuesOfRow(
  row: Pick<IndicatorRow, "rsi14" | "sma20" | "bbUpper" | "bbLower" | "ema20" | "macd" | "macdSignal">,
): IndicatorValues {
  return {
    rsi14: row.rsi14,
    bbUpper: row.bbUpper,
    bbMiddle: row.bbUpper === null ? null : row.sma20,
    bbLower: row.bbLower,
    sma20: row.sma20,
    ema20: row.ema20,
    macd: row.macd,
    macdSignal: row.macdSignal,
    macdHist: row.macd === null || row.macdSignal === null ? null : row.macd - row.macdSignal,
  };
}

/** Fields of each indicator channel in a latest-data row (the same names `npm run indicators` prints). */
export const CHANNEL_FIELDS = {
  rsi: ["rsi14"],
  bollinger: ["bbUpper", "bbMiddle", "bbLower"],
  sma: ["sma20"],
  ema: ["ema20"],
  macd: ["macd", "macdSignal", "macdHist"],
} as const satisfies Record<IndicatorChannel, readonly (keyof IndicatorValues)[]>;

/** The column that is null exactly while a channel warms up. */
const CHANNEL_COLUMN = {
  rsi: hyperliquidIndicators.rsi14,
  bollinger: hyperliquidIndicators.bbUpper,
  sma: hyperliquidIndicators.sma20,
  ema: hyperliquidIndicators.ema20,
  macd: hyperliquidIndicators.macdSignal,
} as const;

export type LatestIndicatorRow = { t: number } & Partial<Record<keyof IndicatorValues, number>>;

/**
 * The newest `limit` bars of one indicator channel for `symbol` and `interval`, newest first, warm-up
 * bars left out. Values are JavaScript numbers (IEEE doubles, as computed); `t` is the bar open time (ms).
 */
export async function readLatestIndicators(
  db: Db,
  query: { symbol: string; channel: IndicatorChannel; interval: IndicatorInterval; limit: number },
): Promise<LatestIndicatorRow[]> {
  const t = hyperliquidIndicators;
  const rows = await db
    .select()
    .from(t)
    .where(and(eq(t.symbol, query.symbol), eq(t.interval, query.interval), isNotNull(CHANNEL_COLUMN[query.channel])))
    .orderBy(desc(t.openTimeMs))
    .limit(query.limit);
  return rows.map((row) => {
    const values = valuesOfRow(row);
    const out: LatestIndicatorRow = { t: row.openTimeMs };
    for (const field of CHANNEL_FIELDS[query.channel]) out[field] = values[field] as number;
    return out;
  });
}
