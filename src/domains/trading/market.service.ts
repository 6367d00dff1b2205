/**
 * Builds the engine's `Market` from D1 as of `nowMs`: the registry's trading rules and margin tiers,
 * the newest polled asset context (mark, oracle, mid) observed at or before `nowMs`, and the newest
 * closed 1m candle that closed at or before `nowMs` (no look-ahead). The Worker reads once and passes
 * the result into the PropAccount objects, so one read serves a whole mark round and the objects stay
 * free of D1 reads (decision recorded in doc/domains/trading.md).
 */
import { and, eq, gte, lt, lte, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { alias } from "drizzle-orm/sqlite-core";
import { type Db, openDb } from "../../db/client";
import { inJsonList } from "../../db/json-upsert";
import { hyperliquidAssetCtxs, hyperliquidAssets, hyperliquidCandles1m, marginTiersFor } from "../market-data";
import type { Market } from "./market.model";
import type { CandleInput } from "./risk.model";

const p = (name: string) => sql.placeholder(name);
/** `column IN` the bound JSON list `symbols` (one parameter whatever the list's length). */
const inSymbols = (column: SQLiteColumn): SQL => inJsonList(column, p("symbols"));

/**
 * The reads of this file, built once per D1 binding with placeholders (`sql.placeholder`), as
 * market-data/series/series.readers.ts does: the intake's hot path pays no query building per call.
 * The symbol list travels as one JSON parameter, so one statement serves every list length.
 */
function build(db: Db) {
  const a = hyperliquidAssets;
  const c = hyperliquidAssetCtxs;
  const k = hyperliquidCandles1m;
  // Newest context bucket per symbol polled at or before `nowMs`, joined back to its row.
  const newestCtx = db
    .select({ symbol: c.symbol, b: sql<number>`max(${c.bucketMs})`.as("b") })
    .from(c)
    .where(and(lte(c.polledAtMs, p("nowMs")), inSymbols(c.symbol)))
    .groupBy(c.symbol)
    .as("m");
  const cc = alias(hyperliquidAssetCtxs, "c");
  // Newest closed 1m candle per symbol that closed at or before `nowMs`.
  const newestCandle = db
    .select({ symbol: k.symbol, o: sql<number>`max(${k.openTimeMs})`.as("o") })
    .from(k)
    .where(and(lte(k.closeTimeMs, p("nowMs")), inSymbols(k.symbol)))
    .groupBy(k.symbol)
    .as("m");
  const kc = alias(hyperliquidCandles1m, "c");
  // The rate in force for an hour: newest poll in [hour - 1h, hour).
  const hourCtx = db
    .select({ symbol: c.symbol, b: sql<number>`max(${c.bucketMs})`.as("b") })
    .from(c)
    .where(and(lt(c.bucketMs, p("hourMs")), gte(c.bucketMs, p("fromMs"))))
    .groupBy(c.symbol)
    .as("m");
  return {
    db,
    assets: db
      .select({ symbol: a.symbol, kind: a.kind, szDecimals: a.szDecimals, maxLeverage: a.maxLeverage, isDelisted: a.isDelisted })
      .from(a)
      .where(inSymbols(a.symbol))
      .prepare(),
    contexts: db
      .select({
        symbol: cc.symbol,
        markPx: cc.markPx,
        oraclePx: cc.oraclePx,
        midPx: cc.midPx,
        polledAtMs: cc.polledAtMs,
        fundingRate: cc.fundingRate,
      })
      .from(cc)
      .innerJoin(newestCtx, and(eq(newestCtx.symbol, cc.symbol), eq(newestCtx.b, cc.bucketMs)))
      .prepare(),
    candles: db
      .select({ symbol: kc.symbol, closeTimeMs: kc.closeTimeMs, close: kc.close })
      .from(kc)
      .innerJoin(newestCandle, and(eq(newestCandle.symbol, kc.symbol), eq(newestCandle.o, kc.openTimeMs)))
      .prepare(),
    between: db
      .select({ symbol: k.symbol, openTimeMs: k.openTimeMs, open: k.open, high: k.high, low: k.low, close: k.close })
      .from(k)
      .where(and(gte(k.openTimeMs, p("fromMs")), lt(k.openTimeMs, p("toMs")), lte(k.closeTimeMs, p("toMs")), inSymbols(k.symbol)))
      .orderBy(k.openTimeMs)
      .prepare(),
    funding: db
      .select({ symbol: cc.symbol, fundingRate: cc.fundingRate, oraclePx: cc.oraclePx })
      .from(cc)
      .innerJoin(hourCtx, and(eq(hourCtx.symbol, cc.symbol), eq(hourCtx.b, cc.bucketMs)))
      .prepare(),
  };
}
const built = new WeakMap<D1Database, ReturnType<typeof build>>();
function statements(d1: D1Database): ReturnType<typeof build> {
  let out = built.get(d1);
  if (!out) {
    out = build(openDb(d1));
    built.set(d1, out);
  }
  return out;
}

/**
 * A per-isolate cache of market reads, keyed by the symbol set and the second of `nowMs`: the intake's
 * hot path (one account taking many actions a second) reads D1 once a second, not once per action.
 * Callers within one second share the read made as of the first caller's time (quotes are polled every
 * 5 minutes and candles close every minute, so a second of reuse serves at most a second-old view).
 */
const recent = new Map<string, Promise<Market>>();
const RECENT_MAX = 256;

/** Market for `symbols` as of `nowMs` (unknown symbols are simply absent). */
export function loadMarket(d1: D1Database, symbols: readonly string[], nowMs: number): Promise<Market> {
  const list = [...new Set(symbols)].sort();
  const key = `${Math.floor(nowMs / 1000)}|${list.join(",")}`;
  const hit = recent.get(key);
  if (hit) return hit.then((m) => structuredClone(m));
  if (recent.size >= RECENT_MAX) recent.clear();
  const read = readMarket(d1, list, nowMs);
  recent.set(key, read);
  read.catch(() => recent.delete(key));
  return read.then((m) => structuredClone(m));
}

/**
 * Market as of `nowMs`, read now (no per-isolate cache): for reads as of a fixed past time (a window's
 * end) repeated while rows for it may still arrive, where the cache's key would pin the first answer.
 */
export async function readMarket(d1: D1Database, list: readonly string[], nowMs: number): Promise<Market> {
  const market: Market = { assets: {}, quotes: {} };
  if (list.length === 0) return market;
  const q = statements(d1);
  const symbols = JSON.stringify(list);
  const [assets, ctxs, candles, tiers] = await Promise.all([
    q.assets.all({ symbols }),
    q.contexts.all({ symbols, nowMs }),
    q.candles.all({ symbols, nowMs }),
    marginTiersFor(q.db, list),
  ]);
  for (const a of assets) {
    const maxLeverage = a.maxLeverage ?? 1;
    market.assets[a.symbol] = {
      symbol: a.symbol,
      kind: a.kind,
      szDecimals: a.szDecimals,
      maxLeverage,
      marginTiers: tiers.get(a.symbol) ?? [{ lowerBound: "0", maxLeverage }],
      isDelisted: a.isDelisted,
    };
  }
  const closeBySymbol = new Map(candles.map((c) => [c.symbol, c]));
  for (const c of ctxs) {
    const candle = closeBySymbol.get(c.symbol);
    market.quotes[c.symbol] = {
      symbol: c.symbol,
      markPx: c.markPx,
      oraclePx: c.oraclePx,
      midPx: c.midPx,
      pxAtMs: c.polledAtMs,
      closePx: candle?.close ?? null,
      closeAtMs: candle ? candle.closeTimeMs : null,
      impactPxs: null,
    };
  }
  return market;
}

/** Closed 1m candles of `symbols` with open time in [fromMs, toMs), closed by `nowMs` (trigger checks). */
export async function candlesBetween(d1: D1Database, symbols: readonly string[], fromMs: number, toMs: number): Promise<CandleInput[]> {
  if (symbols.length === 0) return [];
  const rows = await statements(d1).between.all({ symbols: JSON.stringify(symbols), fromMs, toMs });
  return rows.map((c) => ({ symbol: c.symbol, openTimeMs: c.openTimeMs, o: c.open, h: c.high, l: c.low, c: c.close }));
}

/** The hourly rate and oracle price in force for the hour ending at `hourMs` (newest poll before it). */
export async function fundingRatesFor(d1: D1Database, hourMs: number): Promise<{ symbol: string; hourlyRate: string; oraclePx: string }[]> {
  const rows = await statements(d1).funding.all({ hourMs, fromMs: hourMs - 3_600_000 });
  return rows.map((r) => ({ symbol: r.symbol, hourlyRate: r.fundingRate, oraclePx: r.oraclePx }));
}
