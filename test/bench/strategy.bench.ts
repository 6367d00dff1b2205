/**
 * Cost of validating and compiling pipelines against the recorded asset registry (what every save,
 * validate, compiled-plan and entitlement request pays, since plans are compiled on read).
 */
import type { Graph } from "../../src/domains/strategy/pipeline/graph.model";
import { validatePipeline } from "../../src/domains/strategy/pipeline/graph.validate";
import { compilePlan } from "../../src/domains/strategy/pipeline/plan.compile";
import { recordedRegistry } from "../support/recorded-registry";
import type { Benchmark, BenchRow } from "./registry";

const BLOCKS = [
  { id: "candles", source: "hyperliquid", channel: "ohlcv_1m" },
  { id: "hourly", source: "hyperliquid", channel: "ohlcv_1h" },
  { id: "funding", source: "hyperliquid", channel: "funding" },
  { id: "rsi", source: "hyperliquid", channel: "rsi" },
  { id: "btc", source: "hyperliquid", channel: "ohlcv_1h", asset: "BTC" },
  { id: "eth-funding", source: "hyperliquid", channel: "funding", asset: "ETH" },
  { id: "stables", source: "defillama", channel: "stablecoins", scope: { kind: "global" } },
  { id: "tvl", source: "defillama", channel: "tvl", scope: { kind: "chain", chain: "Ethereum" } },
  { id: "fed", source: "polymarket", channel: "events", target: { kind: "event", slug: "fed-decision-in-december" } },
  { id: "odds", source: "polymarket", channel: "prices", target: { kind: "market", slug: "btc-above-100k" } },
];

function graph(prompts: number, selection: Record<string, unknown>): Graph {
  const nodes: Graph["nodes"] = [
    {
      id: "stream",
      type: "data_stream",
      config: { groupProfiles: { meme: "fast" }, assetOverrides: { BTC: { profile: "deep" } }, blocks: BLOCKS },
    },
    { id: "sel", type: "asset_selection", config: selection },
  ];
  const edges: Graph["edges"] = [{ id: "e0", source: "stream", target: "sel" }];
  for (let i = 0; i < prompts; i++) {
    nodes.push({ id: `p${i}`, type: "trading_prompt", config: { decisionCadenceSec: 300 + i * 60 } });
    edges.push({ id: `e${i + 1}`, source: "sel", target: `p${i}` });
  }
  return { nodes, edges };
}

function measure(label: string, g: Graph, registry: ReturnType<typeof recordedRegistry>): BenchRow[] {
  const run = () => {
    const v = validatePipeline(g, {}, registry);
    if (!v.graph) throw new Error(`${label}: invalid graph ${JSON.stringify(v.problems)}`);
    return compilePlan({ cloneId: "bench", pipelineVersion: 1, graph: v.graph, registry });
  };
  for (let i = 0; i < 20; i++) run();
  const n = 200;
  const t0 = performance.now();
  let plan = run();
  for (let i = 1; i < n; i++) plan = run();
  const ms = (performance.now() - t0) / n;
  const executions = plan.strategies.reduce((s, x) => s + x.executions.length, 0);
  const reads = plan.strategies.reduce((s, x) => s + x.executions.reduce((r, e) => r + e.reads.length, 0), 0);
  return [
    { metric: `${label}: validate + compile`, value: ms.toFixed(3), unit: "ms" },
    { metric: `${label}: executions / reads`, value: `${executions} / ${reads}`, unit: "" },
    { metric: `${label}: plan JSON size`, value: (JSON.stringify(plan).length / 1024).toFixed(1), unit: "KiB" },
  ];
}

export const strategyBench: Benchmark = {
  name: "strategy",
  description: "pipeline validation + compilation against the recorded registry",
  async run() {
    const registry = recordedRegistry();
    return [
      ...measure(
        "20 assets, 1 prompt, 10 blocks",
        graph(1, {
          explicitlyEnabledSymbols: [...registry.values()]
            .filter((a) => !a.isDelisted)
            .slice(0, 20)
            .map((a) => a.symbol),
        }),
        registry,
      ),
      ...measure(
        "every listed asset, 3 prompts, 10 blocks",
        graph(3, {
          highLevelCategories: [
            "layer-1",
            "layer-2",
            "defi",
            "meme",
            "ai",
            "gaming",
            "nft",
            "rwa",
            "exchange-token",
            "infrastructure",
            "social",
            "uncategorized",
          ],
        }),
        registry,
      ),
    ];
  },
};
