/**
 * The compiler against the recorded asset registry: effective universe precedence, override precedence
 * of block settings (each level beats the ones below), derived budgets, cross-asset reads, unsupported
 * pairs skipped with a reason, coverage modes, and byte-identical plans whatever the node order.
 */
import { describe, expect, it } from "vitest";
import type { Graph } from "../../src/domains/strategy/pipeline/graph.model";
import { validatePipeline } from "../../src/domains/strategy/pipeline/graph.validate";
import { compilePlan } from "../../src/domains/strategy/pipeline/plan.compile";
import type { CompiledPlan } from "../../src/domains/strategy/pipeline/plan.model";
import { recordedRegistry } from "../support/recorded-registry";

const registry = recordedRegistry();

function compile(nodes: { ds?: object; sel: object; tp?: object }, shuffle = false): CompiledPlan {
  const graph: Graph = {
    nodes: [
      { id: "ds", type: "data_stream", config: { ...nodes.ds } },
      { id: "sel", type: "asset_selection", config: { ...nodes.sel } },
      { id: "tp", type: "trading_prompt", config: { ...nodes.tp } },
    ],
    edges: [
      { id: "e1", source: "ds", target: "sel" },
      { id: "e2", source: "sel", target: "tp" },
    ],
  };
  if (shuffle) {
    graph.nodes.reverse();
    graph.edges.reverse();
  }
  const validated = validatePipeline(graph, {}, registry);
  expect(validated.problems).toEqual([]);
  if (!validated.graph) throw new Error("invalid");
  return compilePlan({ cloneId: "c1", pipelineVersion: 3, graph: validated.graph, registry });
}
const strategy = (plan: CompiledPlan) => plan.strategies[0] ?? expect.unreachable("no strategy");
const execution = (plan: CompiledPlan, symbol: string) =>
  strategy(plan).executions.find((e) => e.symbol === symbol) ?? expect.unreachable(symbol);

describe("effective universe", () => {
  it("selects listed assets of a category, with display metadata and support flags", () => {
    const u = strategy(compile({ sel: { highLevelCategories: ["exchange-token"] } })).universe;
    expect(u.every((e) => e.category === "exchange-token" && e.selectionSource === "category" && e.tradingSupported)).toBe(true);
    expect(u.map((e) => e.symbol)).toContain("@107");
    expect(u.map((e) => e.symbol)).not.toContain("FTT"); // delisted: never selected by a category
    expect(u.find((e) => e.symbol === "@107")).toEqual({
      symbol: "@107",
      displayName: "HYPE/USDC",
      kind: "spot",
      category: "exchange-token",
      subcategories: ["Hyperliquid", "Layer 1"],
      selectionSource: "category",
      tradingSupported: true,
      contextSupported: true,
    });
  });

  it("explicit disable beats everything; explicit enable beats categories", () => {
    const u = strategy(
      compile({
        sel: {
          highLevelCategories: ["exchange-token"],
          subcategories: ["Dog"],
          explicitlyEnabledSymbols: ["BNB", "BTC", "WIF", "HPOS"],
          explicitlyDisabledSymbols: ["HYPE", "WIF"],
        },
      }),
    ).universe;
    const by = new Map(u.map((e) => [e.symbol, e]));
    expect(by.get("BNB")?.selectionSource).toBe("explicit_enable");
    expect(by.get("BTC")?.selectionSource).toBe("explicit_enable");
    expect(by.get("DOGE")?.selectionSource).toBe("subcategory");
    expect(by.has("HYPE")).toBe(false);
    expect(by.has("WIF")).toBe(false); // enabled and disabled: disable wins
    expect(by.get("HPOS")).toMatchObject({ selectionSource: "explicit_enable", tradingSupported: false, contextSupported: false });
    expect(strategy(compile({ sel: { explicitlyEnabledSymbols: ["HPOS"] } })).skippedAssets).toEqual([
      { symbol: "HPOS", reason: "asset_delisted" },
    ]);
  });
});

describe("read settings precedence", () => {
  const ds = (extra: object = {}, blockExtra: object = {}) => ({
    blocks: [{ id: "candles", source: "hyperliquid", channel: "ohlcv_1m", ...blockExtra }],
    ...extra,
  });
  const read = (config: { ds: object }) => execution(compile({ ...config, sel: { explicitlyEnabledSymbols: ["BTC"] } }), "BTC").reads[0];

  it("falls back to the built-in definition of the stream's default profile (balanced)", () => {
    expect(read({ ds: ds() })).toMatchObject({
      profile: "balanced",
      profileOrigin: "default",
      retrievalDepth: "standard",
      promptInclusion: "summary",
      lookbackMinutes: 720,
      granularity: "15m",
      settingOrigins: { retrievalDepth: "builtin", promptInclusion: "builtin", lookbackMinutes: "builtin", granularity: "builtin" },
      maxDatapoints: 48,
      promptBudgetTokens: 96,
    });
  });

  it("applies each level over the ones below: asset override > block > asset profile > group profile > default profile > builtin", () => {
    const edited = { profileDefinitions: { deep: { lookbackMinutes: 2880 }, fast: { lookbackMinutes: 30 } } };
    const deflt = read({ ds: ds({ ...edited, profile: "deep" }) });
    expect(deflt).toMatchObject({ profile: "deep", profileOrigin: "default", lookbackMinutes: 2880, granularity: "1h" });
    expect(deflt?.settingOrigins).toMatchObject({ lookbackMinutes: "profile_definition", granularity: "builtin" });

    const group = read({ ds: ds({ ...edited, profile: "deep", groupProfiles: { "layer-1": "fast" } }) });
    expect(group).toMatchObject({ profile: "fast", profileOrigin: "group", lookbackMinutes: 30, granularity: "1m" });

    const asset = read({
      ds: ds({ ...edited, profile: "balanced", groupProfiles: { "layer-1": "fast" }, assetOverrides: { BTC: { profile: "deep" } } }),
    });
    expect(asset).toMatchObject({ profile: "deep", profileOrigin: "asset", lookbackMinutes: 2880 });

    const blockLevel = read({ ds: ds({ ...edited, assetOverrides: { BTC: { profile: "deep" } } }, { lookbackMinutes: 240 }) });
    expect(blockLevel).toMatchObject({ profile: "deep", lookbackMinutes: 240, settingOrigins: { lookbackMinutes: "block" } });

    const override = read({
      ds: ds({ ...edited, assetOverrides: { BTC: { profile: "deep", lookbackMinutes: 90 } } }, { lookbackMinutes: 240 }),
    });
    expect(override).toMatchObject({ lookbackMinutes: 90, granularity: "1h", settingOrigins: { lookbackMinutes: "asset_override" } });
    // Derived: 90 minutes at 1h -> 2 points, raw inclusion -> 2 x 12 tokens.
    expect(override).toMatchObject({ maxDatapoints: 2, promptBudgetTokens: 24 });
  });

  it("raises a granularity finer than the channel's native one", () => {
    const r = read({ ds: { profile: "fast", blocks: [{ id: "tvl", source: "defillama", channel: "tvl", scope: { kind: "global" } }] } });
    expect(r).toMatchObject({
      granularity: "1d",
      lookbackMinutes: 60,
      maxDatapoints: 1,
      settingOrigins: { granularity: "channel_native" },
    });
  });

  it("caps datapoints by retrieval depth", () => {
    const r = read({ ds: ds({}, { lookbackMinutes: 10_080, granularity: "1m", retrievalDepth: "shallow", promptInclusion: "raw" }) });
    expect(r).toMatchObject({ maxDatapoints: 60, promptBudgetTokens: 720 });
  });
});

describe("read plans", () => {
  it("reads another asset's memory in a cross-asset block (symbol = decided, contextSymbol = read)", () => {
    const plan = compile({
      ds: {
        blocks: [
          { id: "eth-funding", source: "hyperliquid", channel: "funding", asset: "ETH" },
          { id: "own", source: "hyperliquid", channel: "ohlcv_1m" },
        ],
      },
      sel: { explicitlyEnabledSymbols: ["BTC", "SOL"] },
    });
    expect(execution(plan, "BTC").reads.map((r) => [r.blockId, r.symbol, r.contextSymbol])).toEqual([
      ["eth-funding", "BTC", "ETH"],
      ["own", "BTC", "BTC"],
    ]);
    expect(execution(plan, "SOL").reads.map((r) => [r.blockId, r.symbol, r.contextSymbol])).toEqual([
      ["eth-funding", "SOL", "ETH"],
      ["own", "SOL", "SOL"],
    ]);
  });

  it("skips unsupported channel/asset pairs and disabled sources with a recorded reason", () => {
    const plan = compile({
      ds: {
        sourcePolicy: { polymarket: { enabled: false } },
        blocks: [
          { id: "funding", source: "hyperliquid", channel: "funding" },
          { id: "old", source: "hyperliquid", channel: "ohlcv_1h", asset: "HPOS" },
          { id: "odds", source: "polymarket", channel: "prices", target: { kind: "market", slug: "fed-cut" } },
        ],
      },
      sel: { explicitlyEnabledSymbols: ["@107", "BTC"] },
    });
    const spot = execution(plan, "@107");
    expect(spot.reads).toEqual([]);
    expect(spot.skippedReads.map((s) => [s.blockId, s.contextSymbol, s.reason])).toEqual([
      ["funding", "@107", "channel_unsupported"],
      ["old", "HPOS", "asset_delisted"],
      ["odds", "market:fed-cut", "source_disabled"],
    ]);
    expect(spot.skippedReads[0]?.message).toBe("@107 (spot) does not support channel funding");
    expect(execution(plan, "BTC").reads.map((r) => r.blockId)).toEqual(["funding"]);
  });

  it("names the macro and event subjects as context symbols", () => {
    const plan = compile({
      ds: {
        blocks: [
          { id: "tvl", source: "defillama", channel: "tvl", scope: { kind: "chain", chain: "Ethereum" } },
          { id: "usdt", source: "defillama", channel: "stablecoins", scope: { kind: "stablecoin", stablecoin: "USDT" } },
          { id: "fed", source: "polymarket", channel: "events", target: { kind: "event", slug: "fed-decision-in-december" } },
        ],
      },
      sel: { explicitlyEnabledSymbols: ["ETH"] },
    });
    expect(execution(plan, "ETH").reads.map((r) => r.contextSymbol)).toEqual([
      "chain:Ethereum",
      "stablecoin:USDT",
      "event:fed-decision-in-december",
    ]);
  });
});

describe("trading prompt coverage", () => {
  const sel = { explicitlyEnabledSymbols: ["BTC", "ETH", "SOL"] };
  const assetOverrides = { ETH: { decisionCadenceSec: 60, customBehaviorPrompt: "scalp" }, SOL: { enabled: false } };

  it("global ignores asset overrides", () => {
    const s = strategy(compile({ sel, tp: { coverageMode: "global", assetOverrides, decisionCadenceSec: 900 } }));
    expect(s.executions.map((e) => [e.symbol, e.decisionCadenceSec])).toEqual([
      ["BTC", 900],
      ["ETH", 900],
      ["SOL", 900],
    ]);
  });

  it("global_with_asset_overrides applies them", () => {
    const s = strategy(compile({ sel, tp: { coverageMode: "global_with_asset_overrides", assetOverrides } }));
    expect(s.executions.map((e) => [e.symbol, e.decisionCadenceSec, e.customBehaviorPrompt])).toEqual([
      ["BTC", 300, ""],
      ["ETH", 60, "scalp"],
    ]);
    expect(s.skippedAssets).toEqual([{ symbol: "SOL", reason: "disabled_by_override" }]);
  });

  it("asset_specific_only decides only assets with an override", () => {
    const s = strategy(compile({ sel, tp: { coverageMode: "asset_specific_only", assetOverrides } }));
    expect(s.executions.map((e) => e.symbol)).toEqual(["ETH"]);
    expect(s.skippedAssets.map((a) => [a.symbol, a.reason])).toEqual([
      ["BTC", "no_asset_override"],
      ["SOL", "disabled_by_override"],
    ]);
  });
});

describe("determinism", () => {
  it("gives the byte-identical plan for the same graph and registry, whatever the order of nodes and edges", () => {
    const config = {
      ds: {
        groupProfiles: { meme: "fast" },
        blocks: [
          { id: "c", source: "hyperliquid", channel: "ohlcv_1m" },
          { id: "f", source: "hyperliquid", channel: "funding", asset: "BTC" },
        ],
      },
      sel: { highLevelCategories: ["meme", "layer-1"], explicitlyDisabledSymbols: ["DOGE"] },
    };
    const a = JSON.stringify(compile(config));
    expect(JSON.stringify(compile(config))).toBe(a);
    expect(JSON.stringify(compile(config, true))).toBe(a);
  });
});
