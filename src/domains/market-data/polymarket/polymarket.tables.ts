/**
 * Polymarket compact rows: Gamma events and markets (staged per discovery run, then upserted by id
 * when the run is promoted) and CLOB price-history points of watched markets (keyed by outcome token
 * and time, so re-polls upsert).
 * Volume and liquidity are market statistics in integer micro-USD; prices are probabilities (0..1).
 */
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Event columns shared by the table and its staging twin (fresh builders per table). */
const eventColumns = () => ({
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
});

/** Market columns shared by the table and its staging twin. */
const marketColumns = () => ({
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
  /** Last discovery that listed the market (health freshness); rewritten by every discovery. */
  ingestedAtMs: integer("ingested_at_ms").notNull(),
  /**
   * First discovery that listed the market: set on insert, never updated by the upsert (migration 0170),
   * so a packet at a past `asOf` keeps every market that existed then (context reads filter on it).
   */
  firstSeenAtMs: integer("first_seen_at_ms").notNull(),
});

export const polymarketEvents = sqliteTable("polymarket_events", { id: text("id").primaryKey(), ...eventColumns() }, (t) => [
  index("polymarket_events_slug_idx").on(t.slug),
]);

export const polymarketMarkets = sqliteTable("polymarket_markets", { id: text("id").primaryKey(), ...marketColumns() }, (t) => [
  index("polymarket_markets_slug_idx").on(t.slug),
  index("polymarket_markets_event_end_idx").on(t.eventId, t.endMs),
]);

/**
 * Staging rows of one discovery run (never read by readers): pages land here in bounded batches and
 * are promoted into the tables above in one final batch only when every page succeeded.
 */
const stagingKey = () => ({ runId: text("run_id").notNull(), stagedAtMs: integer("staged_at_ms").notNull(), id: text("id").notNull() });

export const polymarketEventsStaging = sqliteTable("polymarket_events_staging", { ...stagingKey(), ...eventColumns() }, (t) => [
  primaryKey({ columns: [t.runId, t.id] }),
  index("polymarket_events_staging_staged_idx").on(t.stagedAtMs),
]);

export const polymarketMarketsStaging = sqliteTable("polymarket_markets_staging", { ...stagingKey(), ...marketColumns() }, (t) => [
  primaryKey({ columns: [t.runId, t.id] }),
  index("polymarket_markets_staging_staged_idx").on(t.stagedAtMs),
]);

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

/**
 * One row per discovery run, the state a run resumes from on the next cron tick (polymarket.discovery-run.ts):
 * the list being walked and its next keyset cursor, pages done, the cursors seen in the current list
 * (a repeat means the server loops) and the malformed items skipped. At most one row is `running`.
 */
export const polymarketDiscoveryRuns = sqliteTable(
  "polymarket_discovery_runs",
  {
    id: text("id").primaryKey(),
    /** running | ok | error | abandoned (stalled past the staging TTL). */
    status: text("status").notNull(),
    startedAtMs: integer("started_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
    /** events | markets: the list the next page comes from. */
    list: text("list").notNull(),
    cursor: text("cursor"),
    eventsPages: integer("events_pages").notNull(),
    marketsPages: integer("markets_pages").notNull(),
    ticks: integer("ticks").notNull(),
    /** JSON `{ cursors: [...] }`: the cursors seen in the current list. */
    seenCursorsJson: text("seen_cursors_json").notNull(),
    skipped: integer("skipped").notNull(),
    /** JSON `{ items: [...] }`: the last 20 skipped items, `list page N item I: reason`. */
    skippedJson: text("skipped_json").notNull(),
    error: text("error"),
  },
  (t) => [index("polymarket_discovery_runs_status_idx").on(t.status, t.startedAtMs)],
);
export type PolymarketDiscoveryRunRow = typeof polymarketDiscoveryRuns.$inferSelect;
