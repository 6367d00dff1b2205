/**
 * DefiLlama compact rows: one per (channel, scope, target, UTC day). DefiLlama's series are daily with
 * a partial current day, so a later poll of the same day overwrites that day's row. Values are macro
 * statistics in USD (REAL: global TVL in micro-USD would exceed 2^53); they never enter ledger math.
 */
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const defillamaMetrics = sqliteTable(
  "defillama_metrics",
  {
    channel: text("channel").notNull(),
    scope: text("scope", { enum: ["global", "chain", "protocol", "stablecoin"] }).notNull(),
    /** `all` for global, else the chain name, protocol slug or stablecoin symbol. */
    target: text("target").notNull(),
    dayMs: integer("day_ms").notNull(),
    /** The datapoint's own time (the partial day's point carries its update time). */
    tMs: integer("t_ms").notNull(),
    valueUsd: real("value_usd").notNull(),
    delta1dUsd: real("delta_1d_usd"),
    delta7dUsd: real("delta_7d_usd"),
    ingestedAtMs: integer("ingested_at_ms").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.channel, t.scope, t.target, t.dayMs] }),
    index("defillama_metrics_ingested_idx").on(t.channel, t.ingestedAtMs),
  ],
);

export type DefillamaMetricRow = typeof defillamaMetrics.$inferSelect;
