/**
 * The pipeline graph tests share: one trading branch (strategy id "prompt") over BTC and SOL that reads
 * ETH funding, valid against the recorded registry.
 */
export const VALID_GRAPH = {
  nodes: [
    {
      id: "stream",
      type: "data_stream",
      config: { blocks: [{ id: "eth-funding", source: "hyperliquid", channel: "funding", asset: "ETH" }] },
    },
    { id: "majors", type: "asset_selection", config: { explicitlyEnabledSymbols: ["BTC", "SOL"] } },
    { id: "prompt", type: "trading_prompt", config: {} },
  ],
  edges: [
    { id: "e1", source: "stream", target: "majors" },
    { id: "e2", source: "majors", target: "prompt" },
  ],
};
