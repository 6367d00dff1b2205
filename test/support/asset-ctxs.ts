/**
 * Stores asset-context polls (mark, oracle, mid, funding) every 5 minutes beside fixture minutes, the
 * way the 5-minute poller would have seen them: the prices are the minute's close (the candle series is
 * the recorded history; a poll of that time would have marked there), the funding rate is the recorded
 * Hyperliquid rate of the symbol (test/fixtures/hyperliquid/metaAndAssetCtxs.json). Same derivation as
 * test/bench/context.bench.ts. Callers: backtest tests and bench.
 */
import type { MinuteBar } from "../../src/domains/market-data/indicators/rollup.model";
import metaAndAssetCtxs from "../fixtures/hyperliquid/metaAndAssetCtxs.json";

const MIN = 60_000;

/** The recorded hourly funding rate of `symbol` ("0" when the recording has no such perp). */
export function recordedFunding(symbol: string): string {
  const [meta, ctxs] = metaAndAssetCtxs as unknown as [{ universe: Array<{ name: string }> }, Array<{ funding: string }>];
  const i = meta.universe.findIndex((a) => a.name === symbol);
  return ctxs[i]?.funding ?? "0";
}

/** INSERT statements for one poll per 5 minutes of `minutes` (polled 20 s after the minute closed). */
export function assetCtxStatements(d1: D1Database, symbol: string, minutes: readonly MinuteBar[]): D1PreparedStatement[] {
  const funding = recordedFunding(symbol);
  const insert = d1.prepare(
    `INSERT OR REPLACE INTO hyperliquid_asset_ctxs (symbol, bucket_ms, polled_at_ms, funding_rate, mark_px, oracle_px, mid_px, open_interest, day_ntl_vlm, premium, predicted_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, '1000', '25000000', '0.0', '[]')`,
  );
  return minutes
    .filter((m) => (m.openTimeMs / MIN) % 5 === 4)
    .map((m) => {
      const bucket = m.openTimeMs + MIN;
      return insert.bind(symbol, bucket, bucket + 20_000, funding, m.close, m.close, m.close);
    });
}

export async function storeAssetCtxs(d1: D1Database, symbol: string, minutes: readonly MinuteBar[]): Promise<void> {
  const statements = assetCtxStatements(d1, symbol, minutes);
  for (let i = 0; i < statements.length; i += 500) await d1.batch(statements.slice(i, i + 500));
}
