/**
 * The demo clones' pipelines (see demo.ts, demo-arena.ts): no Node imports, so the workerd end-to-end test uses the
 * very graph `npm start` seeds.
 */
const fast = { profile: "fast" } as const;
export const DEMO_GRAPH = {
  nodes: [
    {
      id: "market",
      type: "data_stream",
      config: {
        profile: "fast",
        assetOverrides: { BTC: fast, ETH: fast },
        blocks: [
          { id: "candles", source: "hyperliquid", channel: "ohlcv_1m", granularity: "1m", lookbackMinutes: 60 },
          { id: "rsi", source: "hyperliquid", channel: "rsi", granularity: "1m", lookbackMinutes: 60 },
          { id: "bollinger", source: "hyperliquid", channel: "bollinger", granularity: "1m", lookbackMinutes: 60 },
          { id: "ema", source: "hyperliquid", channel: "ema", granularity: "1m", lookbackMinutes: 60 },
          { id: "macd", source: "hyperliquid", channel: "macd", granularity: "1m", lookbackMinutes: 60 },
          { id: "btc-funding", source: "hyperliquid", channel: "funding", asset: "BTC", granularity: "1h", lookbackMinutes: 1440 },
          {
            id: "nominee-2028",
            source: "polymarket",
            channel: "events",
            target: { kind: "event", slug: "democratic-presidential-nominee-2028" },
          },
          { id: "solana-tvl", source: "defillama", channel: "tvl", scope: { kind: "chain", chain: "Solana" }, granularity: "1d" },
        ],
      },
    },
    { id: "majors", type: "asset_selection", config: { explicitlyEnabledSymbols: ["BTC", "ETH"] } },
    {
      id: "trend",
      type: "trading_prompt",
      config: { decisionCadenceSec: 60, customBehaviorPrompt: "Follow the 1m trend; cut losers fast.", candidatePolicy: "all" },
    },
  ],
  edges: [
    { id: "e1", source: "market", target: "majors" },
    { id: "e2", source: "majors", target: "trend" },
  ],
};

/**
 * The demo rival (see demo-arena.ts): the same reads on ETH alone, so the two demo racers trade
 * differently and a race over them has a real ranking.
 */
export const DEMO_RIVAL_GRAPH = {
  nodes: DEMO_GRAPH.nodes.map((node) => {
    if (node.id === "majors") return { ...node, config: { explicitlyEnabledSymbols: ["ETH"] } };
    if (node.id === "market") return { ...node, config: { ...node.config, assetOverrides: { ETH: fast } } };
    if (node.id === "trend") return { ...node, config: { ...node.config, customBehaviorPrompt: "Trade ETH alone on the 1m trend." } };
    return node;
  }),
  edges: DEMO_GRAPH.edges,
};
