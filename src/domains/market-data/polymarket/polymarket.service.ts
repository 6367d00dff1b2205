/**
 * Polymarket use cases: price history of watched markets from the CLOB (fetched and validated first,
 * then rows and run records commit in one `runPoll` batch) and context reads (a target, its immediate
 * and later markets). Discovery (staged, page by page) is in polymarket.discovery.ts.
 * Callers: polymarket.jobs.ts, the latest readers and the context route.
 */
import { and, desc, eq, or } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { inJsonList, upsertRows, upsertSpec } from "../../../db/json-upsert";
import type { PollOutcome, PollPlan } from "../ingestion/ingestion.model";
import { type PollContext, runPoll } from "../ingestion/ingestion.service";
import { fetchJson, type HttpPolicy } from "../ingestion/ingestion-http.client";
import type { PolymarketUrls } from "./polymarket.discovery";
import { immediateAndLater, matchesAsset, type Outcome, PriceHistorySchema, type Target } from "./polymarket.model";
import {
  type PolymarketEventRow,
  type PolymarketMarketRow,
  polymarketEvents,
  polymarketMarkets,
  polymarketPrices,
} from "./polymarket.tables";

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

/**
 * Each poll re-fetches a day of history: an unchanged point keeps its `ingested_at_ms`, so a packet at
 * a past asOf (which reads points ingested by then) keeps the points it saw live.
 */
const PRICES_UPSERT = upsertSpec(polymarketPrices, {
  conflict: [polymarketPrices.tokenId, polymarketPrices.tMs],
  update: {
    ingested_at_ms:
      "CASE WHEN polymarket_prices.price IS excluded.price THEN polymarket_prices.ingested_at_ms ELSE excluded.ingested_at_ms END",
  },
});

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
  const statements = upsertRows(d1, PRICES_UPSERT, rows);
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
  // An `asset:` target can name hundreds of markets: one JSON parameter instead of one per id.
  const filtered = ids ? q.where(inJsonList(polymarketMarkets.id, ids)) : q;
  return filtered.orderBy(desc(polymarketMarkets.sourceUpdatedAtMs), polymarketMarkets.id).limit(limit);
}

/** Newest-updated events (optionally one). */
export async function latestEvents(db: Db, id: string | undefined, limit: number): Promise<PolymarketEventRow[]> {
  const q = db.select().from(polymarketEvents);
  const filtered = id ? q.where(and(eq(polymarketEvents.id, id))) : q;
  return filtered.orderBy(desc(polymarketEvents.sourceUpdatedAtMs), polymarketEvents.id).limit(limit);
}
