/**
 * Polymarket use cases: discovery of live and upcoming events and markets through Gamma keyset
 * pagination, price history of watched markets from the CLOB, and context reads (a target, its
 * immediate and later markets). Each poll goes through `runPoll`: all pages are fetched and validated
 * first, then rows and run records commit in one D1 batch. Callers: polymarket.jobs.ts, the latest
 * readers and the context route.
 */
import { and, desc, eq, inArray, or } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { fetchJson, type HttpPolicy } from "../ingestion/http-client";
import type { PollOutcome, PollPlan } from "../ingestion/ingestion.model";
import { type PollContext, runPoll } from "../ingestion/ingestion.service";
import { upsertRows } from "../ingestion/json-upsert";
import {
  type EventRowInput,
  EventsPageSchema,
  immediateAndLater,
  type MarketRowInput,
  MarketsPageSchema,
  matchesAsset,
  type Outcome,
  PriceHistorySchema,
  type Target,
  toEventRow,
  toMarketRow,
} from "./polymarket.model";
import { type PolymarketEventRow, type PolymarketMarketRow, polymarketEvents, polymarketMarkets } from "./polymarket.tables";

export interface PolymarketUrls {
  gammaUrl: string;
  clobUrl: string;
}

export interface DiscoverOptions {
  /** Gamma's caps: events <= 500, markets <= 100 per page. */
  eventsPageSize: number;
  marketsPageSize: number;
  /** Bound on pages per list so a cursor loop cannot run away. */
  maxPages: number;
}

const COMMON_COLUMNS = {
  id: "id",
  slug: "slug",
  start_ms: "startMs",
  end_ms: "endMs",
  active: "active",
  closed: "closed",
  archived: "archived",
  volume_micro_usd: "volumeMicroUsd",
  liquidity_micro_usd: "liquidityMicroUsd",
  tags_json: "tagsJson",
  source_updated_at_ms: "sourceUpdatedAtMs",
  ingested_at_ms: "ingestedAtMs",
};
const EVENT_COLUMNS = { ...COMMON_COLUMNS, title: "title" };
const MARKET_COLUMNS = {
  ...COMMON_COLUMNS,
  event_id: "eventId",
  question: "question",
  condition_id: "conditionId",
  outcomes_json: "outcomesJson",
};

/** Walks a keyset list until `next_cursor` is absent (or `maxPages`). Gamma ignores `cursor`: use `after_cursor`. */
async function walkKeyset<T>(
  first: URL,
  maxPages: number,
  fetchPage: (url: string) => Promise<{ items: T[]; next: string | null | undefined; raw: string }>,
  raw: PollPlan["raw"],
  name: string,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null | undefined;
  for (let page = 0; page < maxPages; page++) {
    const url = new URL(first);
    if (cursor) url.searchParams.set("after_cursor", cursor);
    const got = await fetchPage(url.toString());
    items.push(...got.items);
    raw.push({ name: `${name}-${page}`, body: got.raw });
    cursor = got.next;
    if (!cursor) return items;
  }
  throw new Error(`${name}: more than ${maxPages} pages; raise maxPages`);
}

/** Builds the discovery plan: open events (markets embedded) and open markets, merged by id. */
export async function fetchDiscoveryPlan(
  d1: D1Database,
  urls: PolymarketUrls,
  policy: HttpPolicy,
  options: DiscoverOptions,
  nowMs: number,
): Promise<PollPlan> {
  const raw: PollPlan["raw"] = [];
  const eventsUrl = new URL(`${urls.gammaUrl}/events/keyset`);
  eventsUrl.searchParams.set("closed", "false");
  eventsUrl.searchParams.set("limit", String(options.eventsPageSize));
  const events = await walkKeyset(
    eventsUrl,
    options.maxPages,
    async (url) => {
      const { data, raw: body } = await fetchJson(url, EventsPageSchema, policy);
      return { items: data.events, next: data.next_cursor, raw: body };
    },
    raw,
    "events",
  );
  const marketsUrl = new URL(`${urls.gammaUrl}/markets/keyset`);
  marketsUrl.searchParams.set("closed", "false");
  marketsUrl.searchParams.set("limit", String(options.marketsPageSize));
  const markets = await walkKeyset(
    marketsUrl,
    options.maxPages,
    async (url) => {
      const { data, raw: body } = await fetchJson(url, MarketsPageSchema, policy);
      return { items: data.markets, next: data.next_cursor, raw: body };
    },
    raw,
    "markets",
  );

  const eventRows = new Map<string, EventRowInput>();
  const marketRows = new Map<string, MarketRowInput>();
  for (const e of events) {
    const row = toEventRow(e, nowMs);
    eventRows.set(e.id, row);
    const tags = JSON.parse(row.tagsJson) as string[];
    for (const m of e.markets ?? []) marketRows.set(m.id, toMarketRow(m, { eventId: e.id, tags }, nowMs));
  }
  for (const m of markets) {
    const embedded = marketRows.get(m.id);
    const row = toMarketRow(
      m,
      { eventId: embedded?.eventId ?? null, tags: embedded ? (JSON.parse(embedded.tagsJson) as string[]) : [] },
      nowMs,
    );
    marketRows.set(m.id, row);
  }
  const statements = [
    ...upsertRows(d1, { table: "polymarket_events", columns: EVENT_COLUMNS, conflict: ["id"] }, [...eventRows.values()]),
    ...upsertRows(
      d1,
      // A market listed alone must not erase the event link learnt from its event.
      {
        table: "polymarket_markets",
        columns: MARKET_COLUMNS,
        conflict: ["id"],
        update: { event_id: "COALESCE(excluded.event_id, polymarket_markets.event_id)" },
      },
      [...marketRows.values()],
    ),
  ];
  const newest = (rows: Array<{ sourceUpdatedAtMs: number | null }>) =>
    rows.reduce<number | null>(
      (max, r) => (r.sourceUpdatedAtMs !== null && (max === null || r.sourceUpdatedAtMs > max) ? r.sourceUpdatedAtMs : max),
      null,
    );
  return {
    statements,
    channels: [
      { channel: "events", rowsWritten: eventRows.size, newestDataMs: newest([...eventRows.values()]) },
      { channel: "markets", rowsWritten: marketRows.size, newestDataMs: newest([...marketRows.values()]) },
    ],
    raw,
  };
}

/** Polls discovery (channels `events` and `markets`) and records the run. */
export function discover(ctx: PollContext, urls: PolymarketUrls, policy: HttpPolicy, options: DiscoverOptions): Promise<PollOutcome> {
  return runPoll(ctx, "polymarket", ["events", "markets"], () => fetchDiscoveryPlan(ctx.d1, urls, policy, options, ctx.deps.clock.nowMs()));
}

/** The watched markets: explicit targets (their market, or an event's immediate and later markets) plus legacy asset matches. */
export async function watchedMarkets(db: Db, targets: string[], assets: string[], nowMs: number): Promise<PolymarketMarketRow[]> {
  const out = new Map<string, PolymarketMarketRow>();
  for (const raw of targets) {
    const resolved = await resolveTarget(db, { kind: "any", ref: raw });
    const picks =
      resolved?.kind === "market"
        ? [resolved.market]
        : resolved
          ? Object.values(immediateAndLater(resolved.markets.map(asContext), nowMs)).map((m) => m?.row)
          : [];
    for (const m of picks) if (m) out.set(m.id, m);
  }
  if (assets.length > 0) {
    const open = await db.select().from(polymarketMarkets).where(eq(polymarketMarkets.closed, false));
    for (const asset of assets) {
      const matched = open.filter((m) =>
        matchesAsset({ question: m.question, slug: m.slug, tags: JSON.parse(m.tagsJson) as string[] }, asset),
      );
      const { immediate, later } = immediateAndLater(matched.map(asContext), nowMs);
      for (const pick of [immediate, later]) if (pick) out.set(pick.row.id, pick.row);
    }
  }
  return [...out.values()];
}

/** Builds the price-history plan for `markets` (every outcome token). */
export async function fetchPricesPlan(
  d1: D1Database,
  urls: PolymarketUrls,
  policy: HttpPolicy,
  markets: PolymarketMarketRow[],
  nowMs: number,
): Promise<PollPlan> {
  const raw: PollPlan["raw"] = [];
  const rows: Array<Record<string, unknown>> = [];
  for (const market of markets) {
    for (const outcome of JSON.parse(market.outcomesJson) as Outcome[]) {
      if (!outcome.tokenId) continue;
      const url = new URL(`${urls.clobUrl}/prices-history`);
      url.searchParams.set("market", outcome.tokenId);
      url.searchParams.set("interval", "1d");
      url.searchParams.set("fidelity", "60");
      const { data, raw: body } = await fetchJson(url.toString(), PriceHistorySchema, policy);
      raw.push({ name: `prices-${market.id}-${outcome.tokenId.slice(0, 12)}`, body });
      for (const point of data.history) {
        rows.push({
          tokenId: outcome.tokenId,
          tMs: point.t * 1000,
          marketId: market.id,
          outcome: outcome.name,
          price: point.p,
          ingestedAtMs: nowMs,
        });
      }
    }
  }
  const statements = upsertRows(
    d1,
    {
      table: "polymarket_prices",
      columns: {
        token_id: "tokenId",
        t_ms: "tMs",
        market_id: "marketId",
        outcome: "outcome",
        price: "price",
        ingested_at_ms: "ingestedAtMs",
      },
      conflict: ["token_id", "t_ms"],
    },
    rows,
  );
  const newestDataMs = rows.reduce<number | null>((max, r) => Math.max(max ?? 0, r.tMs as number), null);
  return { statements, channels: [{ channel: "prices", rowsWritten: rows.length, newestDataMs }], raw };
}

/** Polls price history of the watched markets (channel `prices`). */
export async function pollPrices(ctx: PollContext, urls: PolymarketUrls, policy: HttpPolicy): Promise<PollOutcome> {
  return runPoll(ctx, "polymarket", ["prices"], async () => {
    const nowMs = ctx.deps.clock.nowMs();
    const markets = await watchedMarkets(ctx.db, ctx.settings.POLYMARKET_WATCHED_MARKETS, ctx.settings.POLYMARKET_WATCHED_ASSETS, nowMs);
    return fetchPricesPlan(ctx.d1, urls, policy, markets, nowMs);
  });
}

const asContext = (row: PolymarketMarketRow) => ({ id: row.id, endMs: row.endMs, closed: row.closed, active: row.active, row });

export type ResolvedTarget =
  | { kind: "market"; market: PolymarketMarketRow; markets: PolymarketMarketRow[] }
  | { kind: "event"; event: PolymarketEventRow; markets: PolymarketMarketRow[] }
  | { kind: "asset"; asset: string; markets: PolymarketMarketRow[] };

/**
 * Resolves a target to its market set: a market (with its event's sibling markets), an event (its
 * markets) or an asset (legacy keyword matches among stored markets). Undefined when unknown.
 */
export async function resolveTarget(db: Db, target: Target): Promise<ResolvedTarget | undefined> {
  if (target.kind === "asset") {
    const all = await db.select().from(polymarketMarkets);
    const markets = all.filter((m) =>
      matchesAsset({ question: m.question, slug: m.slug, tags: JSON.parse(m.tagsJson) as string[] }, target.ref),
    );
    return markets.length > 0 ? { kind: "asset", asset: target.ref.toUpperCase(), markets } : undefined;
  }
  if (target.kind !== "event") {
    const [market] = await db
      .select()
      .from(polymarketMarkets)
      .where(or(eq(polymarketMarkets.id, target.ref), eq(polymarketMarkets.slug, target.ref)))
      .limit(1);
    if (market) {
      const siblings = market.eventId
        ? await db.select().from(polymarketMarkets).where(eq(polymarketMarkets.eventId, market.eventId))
        : [market];
      return { kind: "market", market, markets: siblings };
    }
    if (target.kind === "market") return undefined;
  }
  const [event] = await db
    .select()
    .from(polymarketEvents)
    .where(or(eq(polymarketEvents.id, target.ref), eq(polymarketEvents.slug, target.ref)))
    .limit(1);
  if (!event) return undefined;
  const markets = await db.select().from(polymarketMarkets).where(eq(polymarketMarkets.eventId, event.id));
  return { kind: "event", event, markets };
}

/** The context read: the resolved target with its immediate and later markets at `nowMs`. */
export async function contextFor(db: Db, target: Target, nowMs: number) {
  const resolved = await resolveTarget(db, target);
  if (!resolved) return undefined;
  const { immediate, later } = immediateAndLater(resolved.markets.map(asContext), nowMs);
  return { resolved, immediate: immediate?.row ?? null, later: later?.row ?? null };
}

/** Newest-updated markets (optionally of one target), for the latest-data endpoint. */
export async function latestMarkets(db: Db, ids: string[] | undefined, limit: number): Promise<PolymarketMarketRow[]> {
  const q = db.select().from(polymarketMarkets);
  const filtered = ids ? q.where(inArray(polymarketMarkets.id, ids.length > 0 ? ids : ["-"])) : q;
  return filtered.orderBy(desc(polymarketMarkets.sourceUpdatedAtMs), polymarketMarkets.id).limit(limit);
}

/** Newest-updated events (optionally one). */
export async function latestEvents(db: Db, id: string | undefined, limit: number): Promise<PolymarketEventRow[]> {
  const q = db.select().from(polymarketEvents);
  const filtered = id ? q.where(and(eq(polymarketEvents.id, id))) : q;
  return filtered.orderBy(desc(polymarketEvents.sourceUpdatedAtMs), polymarketEvents.id).limit(limit);
}
