/**
 * Save-time validation against the recorded asset registry: one case per problem code (with the node or
 * edge it names), every problem reported at once, defaults that make `{}` configs valid, and the
 * entitlement problems raised after compilation. A last test checks that every code has a case here.
 */
import { describe, expect, it } from "vitest";
import type { Clone, Entitlement } from "../../src/domains/strategy";
import { type Graph, type Layout, PROBLEM_CODES, type Problem } from "../../src/domains/strategy/pipeline/graph.model";
import { validatePipeline } from "../../src/domains/strategy/pipeline/graph.validate";
import { checkPipeline } from "../../src/domains/strategy/pipeline/pipeline.service";
import { recordedRegistry } from "../support/recorded-registry";

const registry = recordedRegistry();
type Node = Graph["nodes"][number];
const ds = (id: string, config: Record<string, unknown> = {}): Node => ({ id, type: "data_stream", config });
const sel = (id: string, config: Record<string, unknown> = { explicitlyEnabledSymbols: ["BTC"] }): Node => ({
  id,
  type: "asset_selection",
  config,
});
const tp = (id: string, config: Record<string, unknown> = {}): Node => ({ id, type: "trading_prompt", config });
const edge = (id: string, source: string, target: string) => ({ id, source, target });
const block = (b: Record<string, unknown>) => ds("ds", { blocks: [{ id: "b1", ...b }] });

/** A valid base graph with `change` applied. */
function graph(change: (g: Graph) => void = () => {}): Graph {
  const g: Graph = { nodes: [ds("ds"), sel("sel"), tp("tp")], edges: [edge("e1", "ds", "sel"), edge("e2", "sel", "tp")] };
  change(g);
  return g;
}
const withNode = (node: Node) => (g: Graph) => {
  g.nodes = g.nodes.map((n) => (n.id === node.id ? node : n));
};
const problemsOf = (g: Graph, layout: Layout = {}) => validatePipeline(g, layout, registry).problems;

const CASES: Array<{ code: Problem["code"]; graph: Graph; layout?: Layout; expected: Partial<Problem> }> = [
  { code: "duplicate_node_id", graph: graph((g) => g.nodes.push(ds("ds"))), expected: { nodeId: "ds" } },
  { code: "duplicate_edge_id", graph: graph((g) => g.edges.push(edge("e1", "ds", "sel"))), expected: { edgeId: "e1" } },
  {
    code: "unknown_node_type",
    graph: graph((g) => g.nodes.push({ id: "hook", type: "webhook", config: {} })),
    expected: { nodeId: "hook" },
  },
  {
    code: "invalid_node_config",
    graph: graph(withNode(tp("tp", { decisionCadenceSec: 5 }))),
    expected: { nodeId: "tp", pointer: "/decisionCadenceSec" },
  },
  { code: "dangling_edge", graph: graph((g) => g.edges.push(edge("e3", "sel", "ghost"))), expected: { edgeId: "e3" } },
  { code: "disallowed_edge", graph: graph((g) => g.edges.push(edge("e3", "ds", "tp"))), expected: { edgeId: "e3" } },
  { code: "duplicate_edge", graph: graph((g) => g.edges.push(edge("e3", "ds", "sel"))), expected: { edgeId: "e3" } },
  { code: "cycle", graph: graph((g) => g.edges.push(edge("e3", "tp", "sel"))), expected: { nodeId: "sel", edgeId: "e3" } },
  { code: "missing_asset_selection", graph: graph((g) => g.nodes.push(tp("lonely"))), expected: { nodeId: "lonely" } },
  {
    code: "unknown_symbol",
    graph: graph(withNode(sel("sel", { explicitlyEnabledSymbols: ["NOPE"] }))),
    expected: { nodeId: "sel", pointer: "/explicitlyEnabledSymbols/0" },
  },
  {
    code: "unknown_category",
    graph: graph(withNode(sel("sel", { highLevelCategories: ["pets"] }))),
    expected: { nodeId: "sel", pointer: "/highLevelCategories/0" },
  },
  {
    code: "unknown_subcategory",
    graph: graph(withNode(sel("sel", { subcategories: ["Cats"] }))),
    expected: { nodeId: "sel", pointer: "/subcategories/0" },
  },
  {
    code: "duplicate_block_id",
    graph: graph(
      withNode(
        ds("ds", {
          blocks: [
            { id: "b", source: "hyperliquid", channel: "ohlcv_1h" },
            { id: "b", source: "hyperliquid", channel: "funding" },
          ],
        }),
      ),
    ),
    expected: { nodeId: "ds", pointer: "/blocks/1/id" },
  },
  {
    code: "unsupported_source",
    graph: graph(withNode(block({ source: "binance", channel: "ohlcv_1h" }))),
    expected: { nodeId: "ds", pointer: "/blocks/0/source" },
  },
  {
    code: "unsupported_channel",
    graph: graph(withNode(block({ source: "hyperliquid", channel: "tvl" }))),
    expected: { nodeId: "ds", pointer: "/blocks/0/channel" },
  },
  {
    code: "missing_block_target",
    graph: graph(withNode(block({ source: "defillama", channel: "tvl" }))),
    expected: { nodeId: "ds", pointer: "/blocks/0/scope" },
  },
  {
    code: "unsupported_scope",
    graph: graph(withNode(block({ source: "defillama", channel: "stablecoins", scope: { kind: "protocol", protocol: "aave" } }))),
    expected: { nodeId: "ds", pointer: "/blocks/0/scope/kind" },
  },
  {
    code: "unsupported_target",
    graph: graph(withNode(block({ source: "polymarket", channel: "prices", target: { kind: "event", slug: "fed-decision" } }))),
    expected: { nodeId: "ds", pointer: "/blocks/0/target/kind" },
  },
  { code: "unknown_layout_node", graph: graph(), layout: { nodes: { ghost: { x: 1, y: 2 } } }, expected: { nodeId: "ghost" } },
  {
    code: "layout_connection_not_prompt",
    graph: graph(),
    layout: { strategyClone: { connectedPromptNodeIds: ["sel"] } },
    expected: { nodeId: "sel" },
  },
];

describe("pipeline validation", () => {
  it("accepts the base graph, `{}` configs and an asset selection that only lists symbols", () => {
    expect(problemsOf(graph())).toEqual([]);
    const out = validatePipeline(graph(), { nodes: { ds: { x: 0, y: 0 } }, strategyClone: { connectedPromptNodeIds: ["tp"] } }, registry);
    expect(out.problems).toEqual([]);
    const parsed = out.graph?.nodes.get("tp");
    expect(parsed?.config).toMatchObject({ enabled: true, decisionCadenceSec: 300, coverageMode: "global", candidatePolicy: "all" });
    expect(out.graph?.nodes.get("ds")?.config).toMatchObject({ profile: "balanced", blocks: [], sourcePolicy: {} });
  });

  it.each(CASES)("reports $code", ({ code, graph: g, layout, expected }) => {
    const problems = problemsOf(g, layout);
    expect(problems).toContainEqual(expect.objectContaining({ code, message: expect.any(String), ...expected }));
  });

  it("reports an unknown symbol wherever one is named (selection lists, block asset, overrides)", () => {
    const g = graph((x) => {
      x.nodes = [
        ds("ds", {
          assetOverrides: { NOPE1: { profile: "deep" } },
          blocks: [{ id: "b", source: "hyperliquid", channel: "funding", asset: "NOPE2" }],
        }),
        sel("sel", { explicitlyEnabledSymbols: ["BTC"], explicitlyDisabledSymbols: ["NOPE3"] }),
        tp("tp", { assetOverrides: { NOPE4: { enabled: false } } }),
      ];
    });
    const unknown = problemsOf(g).filter((p) => p.code === "unknown_symbol");
    expect(unknown.map((p) => [p.nodeId, p.message.match(/NOPE\d/)?.[0], p.pointer])).toEqual([
      ["ds", "NOPE1", "/assetOverrides/NOPE1"],
      ["ds", "NOPE2", "/blocks/0/asset"],
      ["sel", "NOPE3", "/explicitlyDisabledSymbols/0"],
      ["tp", "NOPE4", "/assetOverrides/NOPE4"],
    ]);
  });

  it("lists every problem at once", () => {
    const g: Graph = {
      nodes: [ds("ds"), ds("ds"), { id: "x", type: "webhook", config: {} }, tp("tp", { decisionCadenceSec: "soon" })],
      edges: [edge("e1", "ds", "tp"), edge("e1", "ds", "tp"), edge("e2", "ds", "nowhere")],
    };
    const codes = problemsOf(g, { strategyClone: { connectedPromptNodeIds: ["ds"] } }).map((p) => p.code);
    expect(codes).toEqual([
      "duplicate_node_id",
      "unknown_node_type",
      "invalid_node_config",
      "disallowed_edge",
      "duplicate_edge_id",
      "dangling_edge",
      "missing_asset_selection",
      "layout_connection_not_prompt",
    ]);
  });

  it("accepts the legacy trading prompt fields without enforcing them", () => {
    const legacy = { maxAssetsPerRun: 1, traderType: "scalper", analysisTimeframe: "4h", marketMomentumSensitivity: "high" };
    const g = graph(withNode(tp("tp", legacy)));
    g.nodes = g.nodes.map((n) => (n.id === "sel" ? sel("sel", { explicitlyEnabledSymbols: ["BTC", "ETH", "SOL"] }) : n));
    expect(problemsOf(g)).toEqual([]);
  });
});

describe("entitlement problems after compilation", () => {
  const clone: Clone = {
    id: "c1",
    ownerId: "u1",
    name: "x",
    modelId: "claude-opus-4-1",
    tradingEnabled: false,
    pipelineVersion: 0,
    createdAtMs: 0,
    updatedAtMs: 0,
  };
  const entitlement: Entitlement = {
    userId: "u1",
    maxActiveAssets: 2,
    maxModelStrength: 2,
    maxClones: 10,
    source: "default",
    updatedAtMs: null,
  };
  const body = (symbols: string[], enabled = true) => ({
    version: 0,
    layout: {},
    graph: graph((g) => {
      g.nodes = [ds("ds"), sel("sel", { explicitlyEnabledSymbols: symbols }), tp("tp", { enabled })];
    }),
  });

  it("refuses an enabled universe above the capacity, giving both numbers", () => {
    const out = checkPipeline(body(["BTC", "ETH", "SOL"]), { clone: { ...clone, modelId: "gpt-5" }, entitlement, registry });
    expect(out.problems).toEqual([
      { code: "asset_capacity_exceeded", message: "the enabled universe has 3 assets; the entitlement allows at most 2", nodeId: "tp" },
    ]);
    expect(out.capacity).toEqual({ activeAssets: 3, maxActiveAssets: 2 });
    // A disabled prompt decides nothing, so it does not count.
    expect(
      checkPipeline(body(["BTC", "ETH", "SOL"], false), { clone: { ...clone, modelId: "gpt-5" }, entitlement, registry }).problems,
    ).toEqual([]);
  });

  it("refuses publishing strategies with a model above the entitled strength", () => {
    const out = checkPipeline(body(["BTC"]), { clone, entitlement, registry });
    expect(out.problems).toEqual([
      {
        code: "model_strength_exceeded",
        message: "cannot publish strategies: model claude-opus-4-1 has strength 3; the entitlement allows at most 2",
        nodeId: "tp",
      },
    ]);
    expect(checkPipeline(body(["BTC"], false), { clone, entitlement, registry }).problems).toEqual([]);
  });

  it("rest: two enabled trading prompts whose universes overlap are refused (universe_overlap), naming the later prompt and the symbols", () => {
    const twoPrompts = (second: string[], enabled = true) => ({
      version: 0,
      layout: {},
      graph: graph((g) => {
        g.nodes = [
          ds("ds"),
          sel("sel", { explicitlyEnabledSymbols: ["BTC", "ETH"] }),
          sel("sel2", { explicitlyEnabledSymbols: second }),
          tp("tp", {}),
          tp("tp2", { enabled }),
        ];
        g.edges = [edge("e1", "ds", "sel"), edge("e2", "sel", "tp"), edge("e3", "ds", "sel2"), edge("e4", "sel2", "tp2")];
      }),
    });
    const ctx = { clone: { ...clone, modelId: "gpt-5" }, entitlement: { ...entitlement, maxActiveAssets: 10 }, registry };
    expect(checkPipeline(twoPrompts(["ETH", "SOL"]), ctx).problems).toEqual([
      {
        code: "universe_overlap",
        message:
          "trading prompts tp and tp2 both decide ETH: a symbol is decided by one prompt (disable it in one of them, or narrow a universe)",
        nodeId: "tp2",
      },
    ]);
    // Disjoint universes, or the second prompt disabled: no owner conflict.
    expect(checkPipeline(twoPrompts(["SOL"]), ctx).problems).toEqual([]);
    expect(checkPipeline(twoPrompts(["ETH", "SOL"], false), ctx).problems).toEqual([]);
  });

  it("has a case for every problem code", () => {
    const covered = new Set([...CASES.map((c) => c.code), "asset_capacity_exceeded", "model_strength_exceeded", "universe_overlap"]);
    expect([...covered].sort()).toEqual([...PROBLEM_CODES].sort());
  });
});
