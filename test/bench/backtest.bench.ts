/**
 * Backtest throughput on the pure path (no wrangler): node:sqlite behind the D1 shim, seeded like the
 * context bench (24 h of 1m memory from the recorded BTC series, 5-minute asset contexts, 1m
 * indicators, the trend made to flip hourly), one clone deciding 10 perps at a 60 s cadence with rules-v1 over the full 24 h
 * (1,440 slots x 10 assets). Measures:
 *   1. the packet build alone: every (slot, asset) packet resolved as of its slot, nothing else;
 *   2. the whole backtest runner (funding, candles and mark, candidate scan, packets, rules-v1, gates,
 *      fills, equity points) over the same slots: slots/s, and its time over the packet-only time.
 * `SLOTS=120 npm run bench -- backtest` for a quick run. Prints figures, asserts nothing.
 */
import { openDb } from "../../src/db/client";
import { backtestPlanOf, engineFor, reportOf, runChunk, startProgress } from "../../src/domains/backtest";
import { type ContextDeps, resolvePacket } from "../../src/domains/context";
import { readDecisionSettings } from "../../src/domains/decision";
import { createSeriesCache } from "../../src/domains/market-data";
import { MetaAndAssetCtxsSchema } from "../../src/domains/market-data/hyperliquid/info-wire.model";
import { clonePipelines, clones, compileStored, findClone, loadRegistry } from "../../src/domains/strategy";
import metaAndAssetCtxs from "../fixtures/hyperliquid/metaAndAssetCtxs.json";
import { seed } from "./context.bench";
import type { Benchmark, BenchRow } from "./registry";

const MIN = 60_000;
const ASSETS = 10;
const SLOTS = Number(process.env.SLOTS ?? 1440);

function graph(symbols: string[]) {
  const block = (id: string, channel: string) => ({ id, source: "hyperliquid", channel, granularity: "1m", lookbackMinutes: 60 });
  return {
    nodes: [
      {
        id: "market",
        type: "data_stream",
        config: { blocks: ["ohlcv_1m", "rsi", "bollinger", "ema", "macd"].map((c) => block(c, c)) },
      },
      { id: "sel", type: "asset_selection", config: { explicitlyEnabledSymbols: symbols } },
      { id: "trend", type: "trading_prompt", config: { decisionCadenceSec: 60, candidatePolicy: "all" } },
    ],
    edges: [
      { id: "e1", source: "market", target: "sel" },
      { id: "e2", source: "sel", target: "trend" },
    ],
  };
}

export const backtestBench: Benchmark = {
  name: "backtest",
  description: "backtest slots/s: 24 h of 1m slots x 10 assets with rules-v1 (pure runner over node:sqlite) beside the packet build alone",
  async run(): Promise<BenchRow[]> {
    const startMs = Date.UTC(2025, 0, 1, 3);
    const [meta] = MetaAndAssetCtxsSchema.parse(metaAndAssetCtxs);
    const symbols = meta.universe
      .filter((u) => !u.isDelisted && u.maxLeverage >= 5)
      .map((u) => u.name)
      .slice(0, ASSETS);
    const store = seed(symbols, startMs);
    // The seeded indicators are flat (EMA = close): make the trend flip every hour (EMA and MACD either
    // side of the close) so rules-v1 opens, closes and reverses, and the gates and fills are exercised.
    store.sqlite.exec(`UPDATE hyperliquid_indicators SET
      ema20 = ema20 * (CASE WHEN (open_time_ms / 60000) % 120 < 60 THEN 0.999 ELSE 1.001 END),
      macd = CASE WHEN (open_time_ms / 60000) % 120 < 60 THEN 0.1 ELSE -0.1 END`);
    const db = openDb(store.d1);
    await db
      .insert(clones)
      .values({ id: "bt", ownerId: "bench", name: "bt", modelId: "rules-v1", tradingEnabled: true, createdAtMs: 0, updatedAtMs: 0 });
    await db
      .insert(clonePipelines)
      .values({ cloneId: "bt", version: 1, graphJson: JSON.stringify(graph(symbols)), layoutJson: "{}", updatedAtMs: 0 });
    const registry = await loadRegistry(db);
    const clone = await findClone(db, "bt");
    const compiled = clone && (await compileStored(db, clone, registry));
    const toMs = startMs + Math.min(SLOTS, 1440) * MIN;
    const plan =
      clone &&
      compiled &&
      backtestPlanOf(compiled, clone, { fromMs: startMs, toMs, startingBalanceUsd: 10_000, engine: "rules-v1" }, "rules-v1");
    if (!plan) throw new Error("bench plan");

    // 1. Packets alone, as the runner builds them (one series cache per slot).
    let t0 = performance.now();
    let packets = 0;
    for (const t of plan.slots) {
      const context: ContextDeps = { db, registry, series: createSeriesCache() };
      for (const symbol of plan.symbols) {
        const r = await resolvePacket(context, { cloneId: "bt", strategyId: "trend", symbol, asOfMs: t });
        if (!r.ok) throw new Error(r.error.message);
        packets += 1;
      }
    }
    const packetMs = performance.now() - t0;

    // 2. The whole backtest.
    const deps = { d1: store.d1, context: { db, registry }, settings: readDecisionSettings({} as Env) };
    const { progress } = startProgress(plan);
    t0 = performance.now();
    await runChunk(plan, deps, engineFor(plan, deps), progress, plan.slots.length);
    const runMs = performance.now() - t0;
    const report = reportOf({ cloneId: "bt", pipelineVersion: compiled.pipelineVersion, engine: "rules-v1" }, plan, progress);
    return [
      { metric: "slots x assets", value: `${plan.slots.length} x ${plan.symbols.length}`, unit: "" },
      { metric: "packet build alone", value: (packets / (packetMs / 1000)).toFixed(1), unit: "packets/s" },
      { metric: "packet build alone", value: (plan.slots.length / (packetMs / 1000)).toFixed(2), unit: "slots/s" },
      { metric: "backtest (rules-v1, full runner)", value: (plan.slots.length / (runMs / 1000)).toFixed(2), unit: "slots/s" },
      { metric: "backtest time / packet-only time", value: (runMs / packetMs).toFixed(2), unit: "x" },
      { metric: "fills / round trips", value: `${report.fills.length} / ${report.roundTrips}`, unit: "" },
      { metric: "reconciles", value: String(report.reconciles), unit: "" },
    ];
  },
};
