/**
 * Builds the engine's `Market` from D1 as of `nowMs`: the registry's trading rules and margin tiers,
 * the newest polled asset context (mark, oracle, mid) observed at or before `nowMs`, and the newest
 * closed 1m candle that closed at or before `nowMs` (no look-ahead). The Worker reads once and passes
 * the result into the PropAccount objects, so one read serves a whole mark round and the objects stay
 * free of D1 reads (decision recorded in doc/domains/trading.md).
 */
import { openDb } from "../../db/client";
import { marginTiersFor } from "../market-data";
import type { Market } from "./market.model";
import type { CandleInput } from "./risk.model";

interface AssetRow {
  symbol: string;
  kind: "perp" | "spot";
  sz_decimals: number;
  max_leverage: number | null;
  is_delisted: number;
}
interface CtxRow {
  symbol: string;
  mark_px: string;
  oracle_px: string;
  mid_px: string | null;
  polled_at_ms: number;
  funding_rate: string;
}
interface CandleRow {
  symbol: string;
  open_time_ms: number;
  close_time_ms: number;
  open: string;
  high: string;
  low: string;
  close: string;
}

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");

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
  const [assets, ctxs, candles, tiers] = await Promise.all([
    d1
      .prepare(
        `SELECT symbol, kind, sz_decimals, max_leverage, is_delisted FROM hyperliquid_assets WHERE symbol IN (${placeholders(list.length)})`,
      )
      .bind(...list)
      .all<AssetRow>(),
    latestContexts(d1, list, nowMs),
    latestCandles(d1, list, nowMs),
    marginTiersFor(openDb(d1), list),
  ]);
  for (const a of assets.results) {
    const maxLeverage = a.max_leverage ?? 1;
    market.assets[a.symbol] = {
      symbol: a.symbol,
      kind: a.kind,
      szDecimals: a.sz_decimals,
      maxLeverage,
      marginTiers: tiers.get(a.symbol) ?? [{ lowerBound: "0", maxLeverage }],
      isDelisted: a.is_delisted === 1,
    };
  }
  const closeBySymbol = new Map(candles.map((c) => [c.symbol, c]));
  for (const c of ctxs) {
    const candle = closeBySymbol.get(c.symbol);
    market.quotes[c.symbol] = {
      symbol: c.symbol,
      markPx: c.mark_px,
      oraclePx: c.oracle_px,
      midPx: c.mid_px,
      pxAtMs: c.polled_at_ms,
      closePx: candle?.close ?? null,
      closeAtMs: candle ? candle.close_time_ms : null,
      impactPxs: null,
    };
  }
  return market;
}

/** The newest context row per symbol polled at or before `nowMs`. */
export async function latestContexts(d1: D1Database, symbols: readonly string[], nowMs: number): Promise<CtxRow[]> {
  const { results } = await d1
    .prepare(
      `SELECT c.symbol, c.mark_px, c.oracle_px, c.mid_px, c.polled_at_ms, c.funding_rate FROM hyperliquid_asset_ctxs c
       JOIN (SELECT symbol, max(bucket_ms) AS b FROM hyperliquid_asset_ctxs WHERE polled_at_ms <= ? AND symbol IN (${placeholders(symbols.length)}) GROUP BY symbol) m
         ON m.symbol = c.symbol AND m.b = c.bucket_ms`,
    )
    .bind(nowMs, ...symbols)
    .all<CtxRow>();
  return results;
}

/** The newest closed 1m candle per symbol that closed at or before `nowMs`. */
async function latestCandles(d1: D1Database, symbols: readonly string[], nowMs: number): Promise<CandleRow[]> {
  const { results } = await d1
    .prepare(
      `SELECT c.symbol, c.open_time_ms, c.close_time_ms, c.open, c.high, c.low, c.close FROM hyperliquid_candles_1m c
       JOIN (SELECT symbol, max(open_time_ms) AS o FROM hyperliquid_candles_1m WHERE close_time_ms <= ? AND symbol IN (${placeholders(symbols.length)}) GROUP BY symbol) m
         ON m.symbol = c.symbol AND m.o = c.open_time_ms`,
    )
    .bind(nowMs, ...symbols)
    .all<CandleRow>();
  return results;
}

/** Closed 1m candles of `symbols` with open time in [fromMs, toMs), closed by `nowMs` (trigger checks). */
export async function candlesBetween(d1: D1Database, symbols: readonly string[], fromMs: number, toMs: number): Promise<CandleInput[]> {
  if (symbols.length === 0) return [];
  const { results } = await d1
    .prepare(
      `SELECT symbol, open_time_ms, close_time_ms, open, high, low, close FROM hyperliquid_candles_1m
       WHERE open_time_ms >= ? AND open_time_ms < ? AND close_time_ms <= ? AND symbol IN (${placeholders(symbols.length)}) ORDER BY open_time_ms`,
    )
    .bind(fromMs, toMs, toMs, ...symbols)
    .all<CandleRow>();
  return results.map((c) => ({ symbol: c.symbol, openTimeMs: c.open_time_ms, o: c.open, h: c.high, l: c.low, c: c.close }));
}

/** The hourly rate and oracle price in force for the hour ending at `hourMs` (newest poll before it). */
export async function fundingRatesFor(d1: D1Database, hourMs: number): Promise<{ symbol: string; hourlyRate: string; oraclePx: string }[]> {
  const { results } = await d1
    .prepare(
      `SELECT c.symbol, c.funding_rate, c.oracle_px FROM hyperliquid_asset_ctxs c
       JOIN (SELECT symbol, max(bucket_ms) AS b FROM hyperliquid_asset_ctxs WHERE bucket_ms < ? AND bucket_ms >= ? GROUP BY symbol) m
         ON m.symbol = c.symbol AND m.b = c.bucket_ms`,
    )
    .bind(hourMs, hourMs - 3_600_000)
    .all<{ symbol: string; funding_rate: string; oracle_px: string }>();
  return results.map((r) => ({ symbol: r.symbol, hourlyRate: r.funding_rate, oraclePx: r.oracle_px }));
}
