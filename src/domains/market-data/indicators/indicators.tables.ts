/**
 * D1 tables of the derived market memory:
 *   hyperliquid_indicators        one row per (symbol, interval, bar open time) once any indicator is
 *                                  defined; REAL columns, nulls during warm-up. Bollinger middle is
 *                                  `sma20` and the MACD histogram is `macd - macd_signal` (computed on
 *                                  read with the same floating-point operation, so nothing is stored twice).
 *   hyperliquid_indicator_state   the incremental engine's state after the last consumed bar per
 *                                  (symbol, interval): where the next run continues.
 *   hyperliquid_candle_archives   the index of candle archives in R2 (one object per table, symbol, UTC day).
 */
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const hyperliquidIndicators = sqliteTable(
  "hyperliquid_indicators",
  {
    symbol: text("symbol").notNull(),
    interval: text("interval", { enum: ["1m", "1h"] }).notNull(),
    openTimeMs: integer("open_time_ms").notNull(),
    rsi14: real("rsi14"),
    sma20: real("sma20"),
    bbUpper: real("bb_upper"),
    bbLower: real("bb_lower"),
    ema20: real("ema20"),
    macd: real("macd"),
    macdSignal: real("macd_signal"),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.interval, t.openTimeMs] }), index("hyperliquid_indicators_by_open_time").on(t.openTimeMs)],
);

export const hyperliquidIndicatorState = sqliteTable(
  "hyperliquid_indicator_state",
  {
    symbol: text("symbol").notNull(),
    interval: text("interval", { enum: ["1m", "1h"] }).notNull(),
    /** Open time of the last bar the state has consumed. */
    lastOpenTimeMs: integer("last_open_time_ms").notNull(),
    /** `IndicatorState` as JSON (numbers round-trip exactly). */
    stateJson: text("state_json").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.interval] })],
);

export const hyperliquidCandleArchives = sqliteTable(
  "hyperliquid_candle_archives",
  {
    /** `hyperliquid_candles_1m` or `hyperliquid_candles_1h`. */
    sourceTable: text("source_table").notNull(),
    symbol: text("symbol").notNull(),
    /** UTC day of the rows' open times, `YYYY-MM-DD`. */
    day: text("day").notNull(),
    r2Key: text("r2_key").notNull(),
    rowCount: integer("row_count").notNull(),
    /** Hex SHA-256 of the stored (gzip-compressed) object. */
    sha256: text("sha256").notNull(),
    bytes: integer("bytes").notNull(),
    firstOpenTimeMs: integer("first_open_time_ms").notNull(),
    lastOpenTimeMs: integer("last_open_time_ms").notNull(),
    archivedAtMs: integer("archived_at_ms").notNull(),
    /** Position of the indexed object in the day's chain of conditional R2 writes (migration 0025). */
    generation: integer("generation").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.sourceTable, t.symbol, t.day] })],
);

export type IndicatorRow = typeof hyperliquidIndicators.$inferSelect;
export type IndicatorStateRow = typeof hyperliquidIndicatorState.$inferSelect;
export type CandleArchiveRow = typeof hyperliquidCandleArchives.$inferSelect;
