/**
 * Market data for prop-account tests: the registry from the replay exchange (as production seeds it)
 * and asset-context / candle rows written straight into D1 at chosen prices and times, so each test
 * controls the reference, mark and oracle prices the Worker reads.
 */
import { env } from "cloudflare:test";

/** Upserts one asset-context row (the 5-minute poll the Worker reads mark/mid/oracle from). */
export async function putQuote(symbol: string, polledAtMs: number, px: { mark: string; mid?: string; oracle?: string; funding?: string }) {
  const bucket = Math.floor(polledAtMs / 300_000) * 300_000;
  await env.DB.prepare(
    `INSERT INTO hyperliquid_asset_ctxs (symbol, bucket_ms, polled_at_ms, funding_rate, mark_px, oracle_px, mid_px, open_interest, day_ntl_vlm, premium, predicted_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, '0', '0', NULL, '[]')
     ON CONFLICT (symbol, bucket_ms) DO UPDATE SET polled_at_ms = excluded.polled_at_ms, funding_rate = excluded.funding_rate,
       mark_px = excluded.mark_px, oracle_px = excluded.oracle_px, mid_px = excluded.mid_px`,
  )
    .bind(symbol, bucket, polledAtMs, px.funding ?? "0.0000125", px.mark, px.oracle ?? px.mark, px.mid ?? null)
    .run();
}

/** Upserts one closed 1m candle. */
export async function putCandle(symbol: string, openTimeMs: number, ohlc: { o: string; h: string; l: string; c: string }) {
  await env.DB.prepare(
    `INSERT INTO hyperliquid_candles_1m (symbol, open_time_ms, close_time_ms, open, high, low, close, volume, trades, ingested_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, '1', 1, ?) ON CONFLICT (symbol, open_time_ms) DO UPDATE SET open = excluded.open, high = excluded.high,
       low = excluded.low, close = excluded.close`,
  )
    .bind(symbol, openTimeMs, openTimeMs + 59_999, ohlc.o, ohlc.h, ohlc.l, ohlc.c, openTimeMs + 60_000)
    .run();
}
