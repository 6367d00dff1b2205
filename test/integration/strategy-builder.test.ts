/**
 * The graph-builder API through the real Worker, registry seeded from the replay exchange:
 *   - the catalog: node types, defaults, edges, labels, and limits that follow the caller's entitlement;
 *   - property (fast-check): the catalog's JSON Schemas accept exactly the configs the save path accepts
 *     (validatePipeline without `invalid_node_config`), over generated near-valid and broken configs,
 *     plus a sample through POST .../pipeline/validate;
 *   - validation problems carry the node id and the JSON Pointer of the field; validate stores nothing;
 *   - the per-node preview (subjects, selection assets, candidate cap, estimated prompt tokens);
 *   - asset search: query, category and sector filters, facets, keyset paging, 400 on bad params.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadTokenizer, PROMPT_FIXED_ALLOWANCE_TOKENS, tokenCount } from "../../src/domains/context";
import { MODELS } from "../../src/domains/strategy";
import { ALLOWED_EDGES, CONFIG_SCHEMAS, NODE_TYPES, type NodeType } from "../../src/domains/strategy/pipeline/configs.model";
import { validatePipeline } from "../../src/domains/strategy/pipeline/graph.validate";
import { callApi } from "../support/api";
import { validates } from "../support/json-schema";
import { seedRecordedRegistry } from "../support/registry-seed";

// biome-ignore lint/suspicious/noExplicitAny: catalog JSON
let catalog: any;

beforeAll(async () => {
  await loadTokenizer();
  await seedRecordedRegistry();
  const res = await callApi("builder-alice", "GET", "/pipeline/catalog");
  expect(res.status).toBe(200);
  catalog = res.body;
});

const schemaOf = (type: NodeType) => catalog.nodeTypes.find((n: { type: string }) => n.type === type).configSchema;

describe("catalog", () => {
  it("lists every node type with its JSON Schema, defaults, labels and the allowed edges", () => {
    expect(catalog.nodeTypes.map((n: { type: string }) => n.type)).toEqual([...NODE_TYPES]);
    for (const node of catalog.nodeTypes) {
      expect(node.defaults).toEqual(JSON.parse(JSON.stringify(CONFIG_SCHEMAS[node.type as NodeType].parse({}))));
      expect(node.label).toEqual(expect.any(String));
      expect(node.configSchema.type).toBe("object");
      // The defaults themselves are valid configs under the published schema.
      expect(validates(node.configSchema, node.defaults)).toBe(true);
    }
    const stream = schemaOf("data_stream");
    expect(stream.properties.profile).toMatchObject({ title: "Default profile", default: "balanced", enum: ["fast", "balanced", "deep"] });
    expect(stream.properties.profile["x-enumLabels"].deep).toEqual({ label: "Deep", description: expect.any(String) });
    expect(schemaOf("trading_prompt").properties.decisionCadenceSec).toMatchObject({ minimum: 60, maximum: 86_400, default: 300 });
    expect(catalog.edges.map((e: { sourceType: string; targetType: string }) => [e.sourceType, e.targetType])).toEqual(ALLOWED_EDGES);
    expect(catalog.edges[1]).toMatchObject({ minIncoming: 1, maxPerSource: null, maxPerTarget: null });
    const defillama = catalog.sources.find((s: { source: string }) => s.source === "defillama");
    expect(defillama.channels.find((c: { channel: string }) => c.channel === "stablecoins")).toEqual({
      channel: "stablecoins",
      needs: "scope",
      kinds: ["global", "chain", "stablecoin"],
    });
    expect(catalog.limits).toMatchObject({ maxNodes: 100, maxEdges: 300, maxBlocksPerStream: 50, candidateCapMax: 25 });
  });

  it("takes its limits from the caller's entitlement", async () => {
    expect(catalog.limits).toMatchObject({ maxActiveAssets: 20, maxModelStrength: 2 });
    expect(catalog.limits.allowedModelStrengths.map((s: { strength: number }) => s.strength)).toEqual([1, 2]);
    expect(catalog.limits.allowedModelIds).toEqual(MODELS.filter((m) => m.strength <= 2).map((m) => m.id));
    expect(catalog.limits.allowedModelIds).not.toContain("claude-opus-4-1");
    const raised = await callApi(
      "root",
      "PUT",
      "/admin/users/builder-bob/entitlements",
      { maxActiveAssets: 60, maxModelStrength: 3 },
      "admin",
    );
    expect(raised.status).toBe(200);
    const bob = (await callApi("builder-bob", "GET", "/pipeline/catalog")).body;
    expect(bob.limits).toMatchObject({ maxActiveAssets: 60, maxModelStrength: 3 });
    expect(bob.limits.allowedModelIds).toContain("claude-opus-4-1");
  });
});

// ---------- generated configs: mostly near the boundaries of the zod schemas ----------
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 5 }), fc.constant([]), fc.constant({}));
const text = (max: number) =>
  fc.oneof(fc.constantFrom("", "a", "x".repeat(max), "x".repeat(max + 1), "é".repeat(max), "BTC"), fc.string({ maxLength: max + 3 }));
const int = (min: number, max: number) =>
  fc.oneof(fc.constantFrom(min, max, min - 1, max + 1, 1.5, -0), fc.integer({ min: min - 5, max: max + 5 }), junk);
const num = (min: number, max: number) => fc.oneof(fc.double({ min: min - 1, max: max + 1, noNaN: true }), junk);
const oneOf = <T>(values: readonly T[]) => fc.oneof(fc.constantFrom(...values), fc.constantFrom("", "other"), junk);
const list = <T>(item: fc.Arbitrary<T>, max: number) =>
  fc.oneof(fc.array(item, { maxLength: 4 }), fc.constant([]), junk, fc.array(item, { minLength: max + 1, maxLength: max + 1 }));
const dict = <T>(key: fc.Arbitrary<string>, value: fc.Arbitrary<T>) => fc.oneof(fc.dictionary(key, value, { maxKeys: 3 }), junk);
const partial = <T extends Record<string, fc.Arbitrary<unknown>>>(shape: T) =>
  fc.oneof({ weight: 6, arbitrary: fc.record(shape, { requiredKeys: [] }) }, { weight: 1, arbitrary: junk });

const settings = {
  retrievalDepth: oneOf(["shallow", "standard", "deep"]),
  promptInclusion: oneOf(["latest", "summary", "raw", "exclude"]),
  lookbackMinutes: int(1, 129_600),
  granularity: oneOf(["1m", "5m", "15m", "1h", "4h", "1d"]),
};
const profile = oneOf(["fast", "balanced", "deep"]);
const symbolKey = fc.constantFrom("BTC", "", "x".repeat(40), "x".repeat(41), "@107");
const block = partial({
  id: text(64),
  source: text(40),
  channel: text(40),
  asset: text(40),
  scope: fc.oneof(
    fc.constantFrom({ kind: "global" }, { kind: "chain", chain: "Ethereum" }, { kind: "chain" }, { kind: "protocol", protocol: "" }),
    fc.constantFrom({ kind: "stablecoin", stablecoin: "USDT" }, { kind: "moon" }),
    junk,
  ),
  target: fc.oneof(fc.constantFrom({ kind: "market", slug: "fed" }, { kind: "event", slug: "x".repeat(201) }, { kind: "event" }), junk),
  ...settings,
});
const streamConfig = partial({
  profile,
  sourcePolicy: dict(fc.constantFrom("hyperliquid", "", "x".repeat(41)), partial({ enabled: fc.oneof(fc.boolean(), junk) })),
  profileDefinitions: dict(fc.constantFrom("fast", "deep", "warp"), partial(settings)),
  groupProfiles: dict(fc.constantFrom("meme", "", "x".repeat(41)), profile),
  assetOverrides: dict(symbolKey, partial({ profile, ...settings })),
  blocks: list(block, 50),
  extra: junk,
});
const selectionConfig = partial({
  highLevelCategories: list(text(40), 20),
  subcategories: list(text(80), 100),
  explicitlyEnabledSymbols: list(text(40), 500),
  explicitlyDisabledSymbols: list(text(40), 500),
});
const prefilters = partial({
  minVolume24hUsd: num(0, 1e9),
  rsiLow: num(0, 50),
  rsiHigh: num(50, 100),
  bollingerBreakout: fc.oneof(fc.boolean(), junk),
  fundingAbsHourly: num(0, 1),
  momentumAbsPct: num(0, 10),
  requireSignal: fc.oneof(fc.boolean(), junk),
});
const promptConfig = partial({
  enabled: fc.oneof(fc.boolean(), junk),
  customBehaviorPrompt: fc.oneof(text(10), fc.constantFrom("y".repeat(4000), "y".repeat(4001))),
  decisionCadenceSec: int(60, 86_400),
  candidatePolicy: fc.oneof(
    oneOf(["all", "round_robin", "scored"]),
    partial({ mode: oneOf(["scored", "all", "round_robin"]), cap: int(1, 25), prefilters }),
  ),
  coverageMode: oneOf(["global", "global_with_asset_overrides", "asset_specific_only"]),
  assetOverrides: dict(
    symbolKey,
    partial({ enabled: fc.oneof(fc.boolean(), junk), customBehaviorPrompt: text(10), decisionCadenceSec: int(60, 86_400) }),
  ),
  maxAssetsPerRun: maybe(num(0, 10)),
  traderType: fc.oneof(text(80), junk),
  analysisTimeframe: fc.oneof(text(80), junk),
  marketMomentumSensitivity: fc.oneof(num(0, 1), text(80), junk),
});
const CONFIGS: Record<NodeType, fc.Arbitrary<unknown>> = {
  data_stream: streamConfig,
  asset_selection: selectionConfig,
  trading_prompt: promptConfig,
};

/** What the save path says about one config: parsed (true) or `invalid_node_config` (false). */
function saveAccepts(type: NodeType, config: Record<string, unknown>): boolean {
  const { problems } = validatePipeline({ nodes: [{ id: "n", type, config }], edges: [] }, {}, new Map());
  return !problems.some((p) => p.code === "invalid_node_config");
}
const asJson = (v: unknown) => JSON.parse(JSON.stringify(v ?? null)) as unknown;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

describe("catalog JSON Schemas = the save path (property)", () => {
  it.each(NODE_TYPES)("%s: the schema accepts exactly the configs the validator parses", (type) => {
    const schema = schemaOf(type);
    const outcomes = new Set<boolean>();
    fc.assert(
      fc.property(CONFIGS[type], (generated) => {
        const config = asJson(generated);
        // A non-object config is refused by the document schema (400), before any node config check.
        if (!isRecord(config)) return;
        const accepted = saveAccepts(type, config);
        outcomes.add(accepted);
        expect(validates(schema, config)).toBe(accepted);
      }),
      { numRuns: 1500 },
    );
    expect([...outcomes].sort()).toEqual([false, true]);
  });

  it("agrees with POST .../pipeline/validate on a sample sent over HTTP", async () => {
    const clone = (await callApi("builder-carol", "POST", "/clones", { name: "Schema", modelId: "gpt-5" })).body.id as string;
    const samples = fc.sample(
      fc.tuple(fc.constantFrom(...NODE_TYPES), fc.constantFrom(0, 1, 2)).chain(([type]) => CONFIGS[type].map((c) => ({ type, c }))),
      { numRuns: 40, seed: 22 },
    );
    let checked = 0;
    for (const { type, c } of samples) {
      const config = asJson(c);
      if (!isRecord(config)) continue;
      const res = await callApi("builder-carol", "POST", `/clones/${clone}/pipeline/validate`, {
        version: 0,
        graph: { nodes: [{ id: "n", type, config }], edges: [] },
      });
      expect(res.status).toBe(200);
      const invalid = res.body.problems.some((p: { code: string }) => p.code === "invalid_node_config");
      expect(validates(schemaOf(type), config)).toBe(!invalid);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });
});

describe("validation problems name the node and the field", () => {
  it("gives the JSON Pointer of each offending config field, and stores nothing", async () => {
    const clone = (await callApi("builder-dan", "POST", "/clones", { name: "Pointers", modelId: "gpt-5" })).body.id as string;
    const draft = {
      version: 0,
      graph: {
        nodes: [
          {
            id: "stream",
            type: "data_stream",
            config: {
              groupProfiles: { "pe/ts~": "fast" },
              blocks: [
                { id: "ok", source: "hyperliquid", channel: "ohlcv_1m" },
                { id: "bad", source: "hyperliquid", channel: "tvl" },
                { id: "llama", source: "defillama", channel: "stablecoins", scope: { kind: "protocol", protocol: "aave" } },
              ],
            },
          },
          { id: "sel", type: "asset_selection", config: { explicitlyEnabledSymbols: ["BTC", "NOPE"], subcategories: ["a/b~c"] } },
          { id: "tp", type: "trading_prompt", config: { decisionCadenceSec: 5, candidatePolicy: { cap: 99 } } },
        ],
        edges: [
          { id: "e1", source: "stream", target: "sel" },
          { id: "e2", source: "sel", target: "tp" },
        ],
      },
    };
    const res = await callApi("builder-dan", "POST", `/clones/${clone}/pipeline/validate`, draft);
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
    const named = res.body.problems.map((p: { code: string; nodeId: string; pointer?: string }) => [p.code, p.nodeId, p.pointer]);
    expect(named).toEqual([
      ["invalid_node_config", "tp", "/decisionCadenceSec"],
      ["invalid_node_config", "tp", "/candidatePolicy/cap"],
      ["unknown_category", "stream", "/groupProfiles/pe~1ts~0"],
      ["unsupported_channel", "stream", "/blocks/1/channel"],
      ["unsupported_scope", "stream", "/blocks/2/scope/kind"],
      ["unknown_subcategory", "sel", "/subcategories/0"],
      ["unknown_symbol", "sel", "/explicitlyEnabledSymbols/1"],
    ]);
    for (const p of res.body.problems) expect(p.message).toEqual(expect.any(String));
    expect((await callApi("builder-dan", "GET", `/clones/${clone}/pipeline`)).body.version).toBe(0);
  });
});

describe("preview", () => {
  const BEHAVIOR = "Trend-follow; cut losers fast. Never chase a candle that already moved three percent.";
  const graph = {
    nodes: [
      {
        id: "stream",
        type: "data_stream",
        config: {
          blocks: [
            { id: "own", source: "hyperliquid", channel: "ohlcv_1m" },
            { id: "eth-funding", source: "hyperliquid", channel: "funding", asset: "ETH" },
            { id: "tvl", source: "defillama", channel: "tvl", scope: { kind: "chain", chain: "Solana" } },
          ],
        },
      },
      { id: "majors", type: "asset_selection", config: { explicitlyEnabledSymbols: ["BTC", "SOL", "@107"] } },
      {
        id: "prompt",
        type: "trading_prompt",
        config: { customBehaviorPrompt: BEHAVIOR, candidatePolicy: { mode: "scored", cap: 2 } },
      },
    ],
    edges: [
      { id: "e1", source: "stream", target: "majors" },
      { id: "e2", source: "majors", target: "prompt" },
    ],
  };

  it("shows per node what the stored plan resolves to now, to its owner only", async () => {
    const clone = (await callApi("builder-erin", "POST", "/clones", { name: "Preview", modelId: "gpt-5" })).body.id as string;
    expect((await callApi("builder-erin", "PUT", `/clones/${clone}/pipeline`, { version: 0, graph, layout: {} })).status).toBe(200);
    const res = await callApi("builder-erin", "GET", `/clones/${clone}/pipeline/preview`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ cloneId: clone, pipelineVersion: 1 });
    const [selection, prompt, stream] = res.body.nodes;
    expect(selection).toMatchObject({ nodeId: "majors", type: "asset_selection", assetCount: 3 });
    expect(selection.assets.map((a: { symbol: string }) => a.symbol)).toEqual(["@107", "BTC", "SOL"]);

    expect(stream).toMatchObject({ nodeId: "stream", type: "data_stream", feedsStrategies: ["prompt"] });
    const blocks = Object.fromEntries(stream.blocks.map((b: { blockId: string }) => [b.blockId, b]));
    expect(blocks.own).toMatchObject({ contextSymbols: ["@107", "BTC", "SOL"], plannedReads: 3, skippedReads: 0 });
    expect(blocks["eth-funding"]).toMatchObject({ contextSymbols: ["ETH"], plannedReads: 3 });
    expect(blocks.tvl).toMatchObject({ contextSymbols: ["chain:Solana"], plannedReads: 3 });

    const compiled = (await callApi("builder-erin", "GET", `/clones/${clone}/pipeline/compiled`)).body;
    const budgets = Object.fromEntries(
      compiled.strategies[0].executions.map((e: { symbol: string; promptBudgetTokens: number }) => [e.symbol, e.promptBudgetTokens]),
    );
    const behaviorTokens = tokenCount(BEHAVIOR);
    expect(behaviorTokens).toBeGreaterThan(5);
    expect(prompt).toMatchObject({
      nodeId: "prompt",
      type: "trading_prompt",
      enabled: true,
      universeSize: 3,
      decidedAssets: ["@107", "BTC", "SOL"],
      candidatePolicy: { mode: "scored", cap: 2, effectiveCap: 2 },
      estimatedPromptTokens: { fixedAllowance: PROMPT_FIXED_ALLOWANCE_TOKENS, behaviorPrompt: behaviorTokens },
    });
    for (const row of prompt.estimatedPromptTokens.perAsset) {
      expect(row.readBudget).toBe(budgets[row.symbol]);
      expect(row.tokens).toBe(PROMPT_FIXED_ALLOWANCE_TOKENS + behaviorTokens + budgets[row.symbol]);
    }
    expect(prompt.estimatedPromptTokens.max).toBe(
      Math.max(...prompt.estimatedPromptTokens.perAsset.map((r: { tokens: number }) => r.tokens)),
    );

    expect((await callApi("builder-mallory", "GET", `/clones/${clone}/pipeline/preview`)).status).toBe(404);
    expect((await callApi("builder-erin", "GET", "/clones/clone_missing/pipeline/preview")).status).toBe(404);
  });
});

describe("asset search", () => {
  const search = (q: string) => callApi("builder-finn", "GET", `/assets${q}`);

  it("matches symbol, name and base token case-insensitively", async () => {
    const res = await search("?query=btc&limit=100");
    expect(res.status).toBe(200);
    const symbols = res.body.assets.map((a: { symbol: string }) => a.symbol);
    expect(symbols).toContain("BTC");
    for (const a of res.body.assets) expect(`${a.symbol} ${a.displayName} ${a.baseToken}`.toLowerCase()).toContain("btc");
    expect(res.body.total).toBe(symbols.length);
  });

  it("filters by category and sector with disjunctive facet counts", async () => {
    const all = (await search("?limit=100")).body;
    const facetTotal = all.facets.categories.reduce((s: number, f: { count: number }) => s + f.count, 0);
    expect(facetTotal).toBe(all.total);
    const meme = all.facets.categories.find((f: { id: string }) => f.id === "meme");
    expect(meme.count).toBeGreaterThan(0);
    const memes = (await search("?category=meme&limit=100")).body;
    expect(memes.total).toBe(meme.count);
    for (const a of memes.assets) expect(a.category).toBe("meme");
    // The category facet ignores the category filter, the sector facet applies it.
    expect(memes.facets.categories).toEqual(all.facets.categories);
    const dog = memes.facets.sectors.find((s: { name: string }) => s.name === "Dog");
    const dogs = (await search("?category=meme&sector=Dog&limit=100")).body;
    expect(dogs.total).toBe(dog.count);
    for (const a of dogs.assets) expect(a.subcategories).toContain("Dog");
  });

  it("pages with a keyset cursor: the pages concatenate to the whole list", async () => {
    const whole = (await search("?category=meme&limit=100")).body.assets.map((a: { symbol: string }) => a.symbol);
    expect(whole.length).toBeGreaterThan(5);
    const paged: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i++) {
      const page: { body: { assets: Array<{ symbol: string }>; nextCursor: string | null } } = await search(
        `?category=meme&limit=4${cursor ? `&cursor=${cursor}` : ""}`,
      );
      paged.push(...page.body.assets.map((a) => a.symbol));
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    expect(paged).toEqual(whole);
  });

  it.each([
    ["limit=0"],
    ["limit=101"],
    ["limit=abc"],
    ["category=pets"],
    ["sector=Cats"],
    ["cursor=!!!"],
    ["cursor=Zm9v=="],
    [`query=${"q".repeat(81)}`],
  ])("refuses %s with 400 validation_failed", async (q) => {
    const res = await search(`?${q}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
  });
});
