/**
 * Closed candles of the global market memory. Prices and volumes stay the exchange's decimal strings
 * (exact, as received); `(symbol, open_time_ms)` is the key, so a replayed or duplicated push upserts
 * the same row instead of adding one. 1h bars are rolled up locally from 1m candles.
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** The candle columns both intervals share (fresh builders per table). */
const ohlcvColumns = () => ({
  symbol: text("symbol").notNull(),
  openTimeMs: integer("open_time_ms").notNull(),
  closeTimeMs: integer("close_time_ms").notNull(),
  open: text("open").notNull(),
  high: text("high").notNull(),
  low: text("low").notNull(),
  close: text("close").notNull(),
  volume: text("volume").notNull(),
  trades: integer("trades"),
});

export const hyperliquidCandles1m = sqliteTable(
  "hyperliquid_candles_1m",
  {
    ...ohlcvColumns(),
    ingestedAtMs: integer("ingested_at_ms").notNull(),
  },
  // The open-time index (migration 0020) serves the rollup's and the retention job's range scans.
  (t) => [primaryKey({ columns: [t.symbol, t.openTimeMs] }), index("hyperliquid_candles_1m_by_open_time").on(t.openTimeMs)],
);

export const hyperliquidCandles1h = sqliteTable(
  "hyperliquid_candles_1h",
  {
    ...ohlcvColumns(),
    /** How many 1m source candles went into the bar (60 when complete). */
    sourceMinutes: integer("source_minutes").notNull(),
    /** 1 once the hour is over and complete; a partial hour is 0. */
    isFinal: integer("is_final", { mode: "boolean" }).notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.openTimeMs] }), index("hyperliquid_candles_1h_by_open_time").on(t.openTimeMs)],
);

export type Candle1mRow = typeof hyperliquidCandles1m.$inferSelect;
export type Candle1hRow = typeof hyperliquidCandles1h.$inferSelect;
