/**
 * Context packets per second over real SQLite (node:sqlite behind a D1 shim, the same drizzle code the
 * Worker runs), with 24 h of 1m memory for 200 assets:
 *   1. one branch of 200 assets: packets/s, and the ratio to the bare SQL those packets need (the
 *      exact statements the resolver issued, recorded and replayed alone on the same database);
 *   2. 1,000 clones x 10 assets in one slot sharing reads: one series read per distinct (read, asOf)
 *      per invocation (createSeriesCache), one registry snapshot, one compiled plan per clone.
 * Prints figures, asserts nothing. Design: doc/domains/context.md "Sharing reads across a slot".
 */

import { readFileSync } from "node:fs";
import { openDb } from "../../src/db/client";
import { type ContextDeps, resolvePacket } from "../../src/domains/context";
import { createSeriesCache } from "../../src/domains/market-data";
import { MetaAndAssetCtxsSchema, SpotMetaSchema } from "../../src/domains/market-data/hyperliquid/info-wire.model";
import { perpRows, spotRows } from "../../src/domains/market-data/hyperliquid/registry.model";
import { parseCandleLines } from "../../src/domains/market-data/indicators/candle-lines.model";
import { clonePipelines, clones, loadRegistry } from "../../src/domains/strategy";
import metaAndAssetCtxs from "../fixtures/hyperliquid/metaAndAssetCtxs.json";
import spotMeta from "../fixtures/hyperliquid/spotMeta.json";
import { applyMigrations, sqliteD1 } from "../support/node/sqlite-d1";
import type { Benchmark, BenchRow } from "./registry";

const MIN = 60_000;
const ASSETS = 200;
/** `CLONES=10 npm run bench -- context` for a quick run. */
const CLONES = Number(process.env.CLONES ?? 1000);
const PER_CLONE = 10;

const BLOCKS = [
  { id: "px", source: "hyperliquid", channel: "ohlcv_1m", promptInclusion: "raw", lookbackMinutes: 60, granularity: "5m" },
  { id: "px-day", source: "hyperliquid", channel: "ohlcv_1m", promptInclusion: "summary", lookbackMinutes: 1440, granularity: "15m" },
  { id: "rsi", source: "hyperliquid", channel: "rsi", promptInclusion: "summary", lookbackMinutes: 240, granularity: "5m" },
  { id: "funding", source: "hyperliquid", channel: "funding", promptInclusion: "latest", lookbackMinutes: 240, granularity: "1h" },
  {
    id: "eth-funding",
    source: "hyperliquid",
    channel: "funding",
    asset: "ETH",
    promptInclusion: "latest",
    lookbackMinutes: 240,
    granularity: "1h",
  },
];

export function seed(symbols: string[], startMs: number) {
  const store = sqliteD1();
  const { sqlite } = store;
  applyMigrations(sqlite);
  const [meta] = MetaAndAssetCtxsSchema.parse(metaAndAssetCtxs);
  const spot = SpotMetaSchema.parse(spotMeta);
  const listed = [...perpRows(meta, spot, 0), ...spotRows(spot, 0)];
  // The recorded registry lists 181 tradable assets; synthetic perps (copies of BTC's row) make up 200.
  const btc = listed.find((a) => a.symbol === "BTC");
  const synthetic = symbols
    .filter((s) => !listed.some((a) => a.symbol === s))
    .map((symbol, i) => ({ ...btc, symbol, assetId: 10_000 + i }) as (typeof listed)[number]);
  const assetRows = [...listed, ...synthetic];
  const insertAsset = sqlite.prepare(
    `INSERT INTO hyperliquid_assets (symbol, asset_id, kind, display_name, base_token, quote_token, sz_decimals, max_leverage, margin_table_id, only_isolated, is_delisted, category, subcategories_json, taxonomy_version, cap_ohlcv_1m, cap_ohlcv_1h, cap_funding, cap_rsi, cap_bollinger, cap_sma, cap_ema, cap_macd, first_seen_at_ms, updated_at_ms) VALUES (${Array(24).fill("?").join(",")})`,
  );
  const base = parseCandleLines(readFileSync("test/fixtures/ohlcv_1m/binance_spot_BTCUSDT_1m.jsonl", "utf8")).slice(0, 1440);
  const candle = sqlite.prepare("INSERT INTO hyperliquid_candles_1m VALUES (?,?,?,?,?,?,?,?,?,?)");
  const ind = sqlite.prepare(
    "INSERT INTO hyperliquid_indicators (symbol, interval, open_time_ms, rsi14, sma20, bb_upper, bb_lower, ema20, macd, macd_signal) VALUES (?,?,?,?,?,?,?,?,?,?)",
  );
  const ctx = sqlite.prepare("INSERT INTO hyperliquid_asset_ctxs VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  sqlite.exec("BEGIN");
  for (const a of assetRows) {
    insertAsset.run(
      a.symbol,
      a.assetId,
      a.kind,
      a.displayName,
      a.baseToken,
      a.quoteToken,
      a.szDecimals,
      a.maxLeverage ?? null,
      a.marginTableId ?? null,
      a.onlyIsolated ? 1 : 0,
      a.isDelisted ? 1 : 0,
      a.category,
      a.subcategoriesJson,
      a.taxonomyVersion,
      ...[a.capOhlcv1m, a.capOhlcv1h, a.capFunding, a.capRsi, a.capBollinger, a.capSma, a.capEma, a.capMacd].map((x) => (x ? 1 : 0)),
      0,
      0,
    );
  }
  symbols.forEach((symbol, k) => {
    const scale = 1 + k / 100;
    base.forEach((b, i) => {
      const t = startMs + i * MIN;
      const px = (v: string) => String(Number(v) * scale);
      candle.run(symbol, t, t + MIN - 1, px(b.open), px(b.high), px(b.low), px(b.close), b.volume, b.trades, t + MIN);
      const close = Number(b.close) * scale;
      ind.run(symbol, "1m", t, 30 + ((i * 7 + k) % 40), close, close * 1.01, close * 0.99, close, 0.1, 0.05);
      if (i % 5 === 0) ctx.run(symbol, t, t + 20_000, "0.0000125", px(b.close), px(b.close), px(b.close), "1000", "25000000", "0.0", "[]");
    });
  });
  sqlite.exec("COMMIT");
  return store;
}

export function graph(selected: string[]) {
  return {
    nodes: [
      { id: "stream", type: "data_stream", config: { blocks: BLOCKS } },
      { id: "sel", type: "asset_selection", config: { explicitlyEnabledSymbols: selected } },
      { id: "prompt", type: "trading_prompt", config: { customBehaviorPrompt: "Trade momentum; cut losers fast." } },
    ],
    edges: [
      { id: "e1", source: "stream", target: "sel" },
      { id: "e2", source: "sel", target: "prompt" },
    ],
  };
}

export async function addClone(db: ReturnType<typeof openDb>, id: string, selected: string[]) {
  await db
    .insert(clones)
    .values({ id, ownerId: "bench", name: id, modelId: "gpt-5", tradingEnabled: true, createdAtMs: 0, updatedAtMs: 0 });
  await db
    .insert(clonePipelines)
    .values({ cloneId: id, version: 1, graphJson: JSON.stringify(graph(selected)), layoutJson: "{}", updatedAtMs: 0 });
}

export const contextBench: Benchmark = {
  name: "context",
  description: "context packets/s (200-asset branch vs its bare SQL; 1,000 clones x 10 assets sharing one slot's reads) over node:sqlite",
  async run(): Promise<BenchRow[]> {
    const startMs = Date.UTC(2025, 0, 1, 3);
    const asOfMs = startMs + 1440 * MIN; // the end of 24 h of memory
    const [meta] = MetaAndAssetCtxsSchema.parse(metaAndAssetCtxs);
    // The recorded registry has fewer than 200 listed perps: spot pairs fill the branch (their funding reads are skipped).
    const spot = SpotMetaSchema.parse(spotMeta).universe.map((u) => u.name);
    const listed = [...meta.universe.filter((u) => !u.isDelisted).map((u) => u.name), ...spot];
    const symbols = [...listed, ...Array.from({ length: Math.max(0, ASSETS - listed.length) }, (_, i) => `SYN${i}`)].slice(0, ASSETS);
    const t0 = performance.now();
    const store = seed(symbols, startMs);
    const db = openDb(store.d1);
    await addClone(db, "branch", symbols);
    const seedMs = performance.now() - t0;
    const rows: BenchRow[] = [
      { metric: `seed: ${symbols.length} assets x 1440 1m candles + indicators + polls`, value: seedMs.toFixed(0), unit: "ms" },
    ];

    // 1. One branch of 200 assets: packets/s and the bare SQL they need.
    const branch = async () => {
      const deps: ContextDeps = { db, series: createSeriesCache(), registry: await loadRegistry(db), plans: new Map() };
      let tokens = 0;
      for (const symbol of symbols) {
        const r = await resolvePacket(deps, { cloneId: "branch", strategyId: "prompt", symbol, asOfMs });
        if (!r.ok) throw new Error(r.error.message);
        tokens += r.value.prompt.tokens;
      }
      return tokens;
    };
    await branch(); // warm-up (tokenizer tables, statement cache)
    store.log = [];
    const b0 = performance.now();
    const tokens = await branch();
    const branchMs = performance.now() - b0;
    const statements = store.log;
    store.log = null;
    const prepared = new Map<string, ReturnType<typeof store.sqlite.prepare>>();
    for (const { sql } of statements) {
      if (prepared.has(sql)) continue;
      const statement = store.sqlite.prepare(sql);
      statement.setReturnArrays(true); // rows as arrays, as D1's raw() answers
      prepared.set(sql, statement);
    }
    const s0 = performance.now();
    for (const { sql, params } of statements) prepared.get(sql)?.all(...params);
    const sqlMs = performance.now() - s0;
    rows.push(
      { metric: `branch: ${symbols.length} packets (5 reads each, 24 h memory)`, value: branchMs.toFixed(0), unit: "ms" },
      { metric: "branch: packets/s", value: ((symbols.length / branchMs) * 1000).toFixed(0), unit: "packets/s" },
      { metric: "branch: mean prompt tokens (o200k)", value: (tokens / symbols.length).toFixed(0), unit: "tokens" },
      { metric: `branch: bare SQL alone (${statements.length} statements replayed)`, value: sqlMs.toFixed(0), unit: "ms" },
      { metric: "branch: resolver time / bare SQL time", value: (branchMs / sqlMs).toFixed(2), unit: "x" },
    );

    // 2. 1,000 clones x 10 assets in one slot, sharing reads.
    for (let c = 0; c < CLONES; c++) {
      const picked = Array.from({ length: PER_CLONE }, (_, k) => symbols[(c * 7 + k * 13) % symbols.length] as string);
      await addClone(db, `c${c}`, [...new Set(picked)]);
    }
    const series = createSeriesCache();
    const deps: ContextDeps = { db, series, registry: await loadRegistry(db), plans: new Map() };
    store.log = [];
    const m0 = performance.now();
    let packets = 0;
    for (let c = 0; c < CLONES; c++) {
      const picked = [...new Set(Array.from({ length: PER_CLONE }, (_, k) => symbols[(c * 7 + k * 13) % symbols.length] as string))];
      const results = await Promise.all(
        picked.map((symbol) => resolvePacket(deps, { cloneId: `c${c}`, strategyId: "prompt", symbol, asOfMs })),
      );
      packets += results.filter((r) => r.ok).length;
    }
    const sharedMs = performance.now() - m0;
    const sharedStatements = store.log.length;
    store.log = null;
    rows.push(
      { metric: `slot: ${packets} packets (${CLONES} clones x ${PER_CLONE} assets)`, value: sharedMs.toFixed(0), unit: "ms" },
      { metric: "slot: packets/s with shared reads", value: ((packets / sharedMs) * 1000).toFixed(0), unit: "packets/s" },
      { metric: "slot: D1 statements issued (series reads + clone/plan loads)", value: String(sharedStatements), unit: "statements" },
      {
        metric: "slot: distinct series reads (unshared would be packets x reads)",
        value: `${series.queries} of ${packets * BLOCKS.length}`,
        unit: "reads",
      },
    );
    store.sqlite.close();
    return rows;
  },
};
