/**
 * Polymarket compact rows: Gamma events and markets (upserted by id on every discovery poll) and CLOB
 * price-history points of watched markets (keyed by outcome token and time, so re-polls upsert).
 * Volume and liquidity are market statistics in integer micro-USD; prices are probabilities (0..1).
 */
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const polymarketEvents = sqliteTable(
  "polymarket_events",
  {
    id: text("id").primaryKey(),
    slug: text("slug").notNull(),
    title: text("title").notNull(),
    startMs: integer("start_ms"),
    endMs: integer("end_ms"),
    active: integer("active", { mode: "boolean" }).notNull(),
    closed: integer("closed", { mode: "boolean" }).notNull(),
    archived: integer("archived", { mode: "boolean" }).notNull(),
    volumeMicroUsd: integer("volume_micro_usd"),
    liquidityMicroUsd: integer("liquidity_micro_usd"),
    /** JSON array of tag slugs. */
    tagsJson: text("tags_json").notNull(),
    sourceUpdatedAtMs: integer("source_updated_at_ms"),
    ingestedAtMs: integer("ingested_at_ms").notNull(),
  },
  (t) => [index("polymarket_events_slug_idx").on(t.slug)],
);

export const polymarketMarkets = sqliteTable(
  "polymarket_markets",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id"),
    slug: text("slug").notNull(),
    question: text("question").notNull(),
    conditionId: text("condition_id"),
    /** JSON array `[{ name, price, tokenId }]`, index-aligned as Gamma sends them (binary: 0 = Yes). */
    outcomesJson: text("outcomes_json").notNull(),
    startMs: integer("start_ms"),
    endMs: integer("end_ms"),
    active: integer("active", { mode: "boolean" }).notNull(),
    closed: integer("closed", { mode: "boolean" }).notNull(),
    archived: integer("archived", { mode: "boolean" }).notNull(),
    volumeMicroUsd: integer("volume_micro_usd"),
    liquidityMicroUsd: integer("liquidity_micro_usd"),
    tagsJson: text("tags_json").notNull(),
    sourceUpdatedAtMs: integer("source_updated_at_ms"),
    ingestedAtMs: integer("ingested_at_ms").notNull(),
  },
  (t) => [index("polymarket_markets_slug_idx").on(t.slug), index("polymarket_markets_event_end_idx").on(t.eventId, t.endMs)],
);

export const polymarketPrices = sqliteTable(
  "polymarket_prices",
  {
    tokenId: text("token_id").notNull(),
    tMs: integer("t_ms").notNull(),
    marketId: text("market_id").notNull(),
    outcome: text("outcome").notNull(),
    price: real("price").notNull(),
    ingestedAtMs: integer("ingested_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.tMs] }), index("polymarket_prices_market_idx").on(t.marketId, t.tMs)],
);

export type PolymarketEventRow = typeof polymarketEvents.$inferSelect;
export type PolymarketMarketRow = typeof polymarketMarkets.$inferSelect;
export type PolymarketPriceRow = typeof polymarketPrices.$inferSelect;
