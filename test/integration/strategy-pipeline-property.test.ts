/**
 * Property: whatever pipeline body a client sends (random graphs, mutations of a valid graph, random
 * JSON), PUT answers 200 with a plan that compiles (deterministically) or 400/409/422 with error codes
 * from the closed sets; never a 500. Every problem names a node or an edge (and a config field's problem
 * carries a well-formed JSON Pointer). The validate route agrees with the save. Registry seeded by the
 * `market-data.refresh-assets` job from the replay exchange.
 */
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { PROBLEM_CODES } from "../../src/domains/strategy/pipeline/graph.model";
import { bearer } from "../support/auth";
import { seedRecordedRegistry } from "../support/registry-seed";

const BASE = "https://api.test/api/v1";
const USER = "prop-user";
let cloneId = "";

async function call(method: string, path: string, body?: unknown) {
  const headers = { ...(await bearer(USER)), "content-type": "application/json" };
  const res = await SELF.fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON answers
  return { status: res.status, text, body: JSON.parse(text) as any };
}

const ids = fc.constantFrom("a", "b", "c", "d", "e");
const symbol = fc.constantFrom("BTC", "ETH", "SOL", "@107", "HPOS", "kPEPE", "NOPE");
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const block = fc.record(
  {
    id: fc.constantFrom("b1", "b2"),
    source: fc.constantFrom("hyperliquid", "defillama", "polymarket", "binance"),
    channel: fc.constantFrom("ohlcv_1m", "funding", "rsi", "tvl", "stablecoins", "prices", "events", "bogus"),
    asset: maybe(symbol),
    scope: maybe(
      fc.constantFrom(
        { kind: "global" },
        { kind: "protocol", protocol: "aave" },
        { kind: "stablecoin", stablecoin: "USDT" },
        { kind: "moon" },
      ),
    ),
    target: maybe(fc.constantFrom({ kind: "market", slug: "fed-cut" }, { kind: "event", slug: "election" })),
    lookbackMinutes: maybe(fc.integer({ min: -5, max: 200_000 })),
    granularity: maybe(fc.constantFrom("1m", "1h", "7s")),
  },
  { requiredKeys: ["id", "source", "channel"] },
);
const config = fc.oneof(
  fc.constant({}),
  fc.record(
    {
      highLevelCategories: fc.array(fc.constantFrom("meme", "defi", "exchange-token", "pets"), { maxLength: 2 }),
      subcategories: fc.array(fc.constantFrom("Dog", "Cats"), { maxLength: 2 }),
      explicitlyEnabledSymbols: fc.array(symbol, { maxLength: 4 }),
      explicitlyDisabledSymbols: fc.array(symbol, { maxLength: 2 }),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      profile: fc.constantFrom("fast", "balanced", "deep", "warp"),
      sourcePolicy: fc.dictionary(fc.constantFrom("hyperliquid", "polymarket", "nyse"), fc.record({ enabled: fc.boolean() })),
      groupProfiles: fc.dictionary(fc.constantFrom("meme", "layer-1", "pets"), fc.constantFrom("fast", "deep")),
      assetOverrides: fc.dictionary(
        symbol,
        fc.record({ profile: maybe(fc.constantFrom("fast", "deep")), lookbackMinutes: maybe(fc.integer({ min: 0, max: 99 })) }),
      ),
      blocks: fc.array(block, { maxLength: 3 }),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      enabled: fc.boolean(),
      decisionCadenceSec: fc.integer({ min: 0, max: 100_000 }),
      coverageMode: fc.constantFrom("global", "global_with_asset_overrides", "asset_specific_only", "sometimes"),
      assetOverrides: fc.dictionary(
        symbol,
        fc.record({ enabled: maybe(fc.boolean()), decisionCadenceSec: maybe(fc.integer({ min: 0, max: 999 })) }),
      ),
      traderType: fc.string(),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
const nodeType = fc.constantFrom("data_stream", "asset_selection", "trading_prompt", "webhook");
const randomGraph = fc.record({
  nodes: fc.array(fc.record({ id: ids, type: nodeType, config }), { maxLength: 6 }),
  edges: fc.array(
    fc.record({ id: fc.constantFrom("e1", "e2", "e3", "e4", "e5"), source: fc.oneof(ids, fc.constant("ghost")), target: ids }),
    { maxLength: 6 },
  ),
});

/** Mostly valid configs, so that many samples reach the compiler (the interesting path for a 500). */
const listed = fc.constantFrom("BTC", "ETH", "SOL", "@107", "kPEPE", "DOGE", "HYPE");
const settings = {
  retrievalDepth: maybe(fc.constantFrom("shallow", "standard", "deep")),
  promptInclusion: maybe(fc.constantFrom("latest", "summary", "raw", "exclude")),
  lookbackMinutes: maybe(fc.integer({ min: 1, max: 129_600 })),
  granularity: maybe(fc.constantFrom("1m", "5m", "15m", "1h", "4h", "1d")),
};
const validBlock = fc.oneof(
  fc.record({
    source: fc.constant("hyperliquid"),
    channel: fc.constantFrom("ohlcv_1m", "ohlcv_1h", "funding", "rsi", "bollinger", "sma", "ema", "macd"),
    asset: maybe(fc.constantFrom("BTC", "ETH", "@107", "HPOS")),
    ...settings,
  }),
  fc.record({
    source: fc.constant("defillama"),
    channel: fc.constantFrom("tvl", "fees"),
    scope: fc.constantFrom({ kind: "global" }, { kind: "chain", chain: "Ethereum" }, { kind: "protocol", protocol: "aave" }),
    ...settings,
  }),
  fc.record({
    source: fc.constant("polymarket"),
    channel: fc.constantFrom("prices", "markets"),
    target: fc.constant({ kind: "market", slug: "fed-cut" }),
    ...settings,
  }),
);
const validStream = fc.record(
  {
    profile: fc.constantFrom("fast", "balanced", "deep"),
    sourcePolicy: fc.dictionary(fc.constantFrom("hyperliquid", "polymarket", "defillama"), fc.record({ enabled: fc.boolean() })),
    profileDefinitions: fc.dictionary(fc.constantFrom("fast", "balanced", "deep"), fc.record(settings)),
    groupProfiles: fc.dictionary(fc.constantFrom("meme", "layer-1", "exchange-token"), fc.constantFrom("fast", "balanced", "deep")),
    assetOverrides: fc.dictionary(listed, fc.record({ profile: maybe(fc.constantFrom("fast", "deep")), ...settings })),
    blocks: fc.array(validBlock, { maxLength: 4 }).map((bs) => bs.map((b, i) => ({ id: `b${i}`, ...b }))),
  },
  { requiredKeys: [] },
);
const validSelection = fc.record(
  {
    highLevelCategories: fc.array(fc.constantFrom("exchange-token", "social"), { maxLength: 1 }),
    subcategories: fc.array(fc.constantFrom("Dog", "Solana memes"), { maxLength: 1 }),
    explicitlyEnabledSymbols: fc.array(fc.constantFrom("BTC", "ETH", "SOL", "@107", "kPEPE", "HPOS"), { maxLength: 4 }),
    explicitlyDisabledSymbols: fc.array(listed, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const validPrompt = fc.record(
  {
    enabled: fc.boolean(),
    decisionCadenceSec: fc.integer({ min: 60, max: 86_400 }),
    candidatePolicy: fc.constantFrom("all", "round_robin"),
    coverageMode: fc.constantFrom("global", "global_with_asset_overrides", "asset_specific_only"),
    assetOverrides: fc.dictionary(
      listed,
      fc.record({ enabled: maybe(fc.boolean()), decisionCadenceSec: maybe(fc.integer({ min: 60, max: 999 })) }),
    ),
    maxAssetsPerRun: maybe(fc.integer()),
  },
  { requiredKeys: [] },
);
const structuredGraph = fc
  .tuple(validStream, validSelection, fc.array(validPrompt, { minLength: 1, maxLength: 2 }))
  .map(([ds, sel, prompts]) => ({
    nodes: [
      { id: "a", type: "data_stream", config: ds as Record<string, unknown> },
      { id: "b", type: "asset_selection", config: sel as Record<string, unknown> },
      ...prompts.map((config, i) => ({ id: `c${i}`, type: "trading_prompt", config: config as Record<string, unknown> })),
    ],
    edges: [{ id: "e1", source: "a", target: "b" }, ...prompts.map((_, i) => ({ id: `e${i + 2}`, source: "b", target: `c${i}` }))],
  }));
type G = {
  nodes: Array<{ id: string; type: string; config: Record<string, unknown> }>;
  edges: Array<{ id: string; source: string; target: string }>;
};
const mutation: fc.Arbitrary<(g: G) => void> = fc.oneof(
  fc.nat(2).map((i) => (g: G) => void g.nodes.splice(i, 1)),
  fc.nat(2).map((i) => (g: G) => {
    const n = g.nodes[i];
    if (n) g.nodes.push(structuredClone(n));
  }),
  fc.tuple(fc.nat(1), ids).map(([i, t]) => (g: G) => {
    const e = g.edges[i];
    if (e) e.target = t;
  }),
  fc.tuple(fc.nat(2), nodeType).map(([i, t]) => (g: G) => {
    const n = g.nodes[i];
    if (n) n.type = t;
  }),
  fc.tuple(fc.nat(2), config).map(([i, c]) => (g: G) => {
    const n = g.nodes[i];
    if (n) n.config = c as Record<string, unknown>;
  }),
);
const mutatedGraph = fc.tuple(structuredGraph, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([graph, ms]) => {
  const g = structuredClone(graph) as G;
  for (const m of ms) m(g);
  return g;
});
const layout = fc.oneof(
  fc.constant({}),
  fc.record({ nodes: fc.dictionary(ids, fc.record({ x: fc.integer(), y: fc.integer() })) }),
  fc.record({ strategyClone: fc.record({ connectedPromptNodeIds: fc.array(ids, { maxLength: 2 }) }) }),
);
const version = fc.constantFrom("current", "current", "current", "stale", "negative", "text");
const body = fc.oneof(
  { weight: 8, arbitrary: fc.record({ graph: fc.oneof(randomGraph, mutatedGraph, structuredGraph), layout, version }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((junk) => ({ junk })) },
);

const ERROR_CODES = new Set(["validation_failed", "bad_request", "conflict", "unprocessable"]);

beforeAll(async () => {
  await seedRecordedRegistry();
  cloneId = (await call("POST", "/clones", { name: "Fuzzed", modelId: "gpt-5" })).body.id;
});

describe("pipeline PUT under random and mutated bodies", () => {
  it("answers 200 with a compiling plan or 400/409/422 with codes, never a 500", async () => {
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(body, async (sample) => {
        const current = (await call("GET", `/clones/${cloneId}/pipeline`)).body.version as number;
        const payload =
          "junk" in sample
            ? sample.junk
            : {
                ...sample,
                version: { current, stale: current + 7, negative: -1, text: "1" }[sample.version as "current"],
              };
        const put = await call("PUT", `/clones/${cloneId}/pipeline`, payload);
        expect([200, 400, 409, 422]).toContain(put.status);
        seen.add(put.status);
        if (put.status === 200) {
          expect(put.body.version).toBe(current + 1);
          const compiled = await call("GET", `/clones/${cloneId}/pipeline/compiled`);
          expect(compiled.status).toBe(200);
          const prompts = put.body.graph.nodes.filter((n: { type: string }) => n.type === "trading_prompt").length;
          expect(compiled.body.strategies).toHaveLength(prompts);
          expect((await call("GET", `/clones/${cloneId}/pipeline/compiled`)).text).toBe(compiled.text);
          return;
        }
        expect(ERROR_CODES).toContain(put.body.error.code);
        if (put.status === 422) {
          expect(put.body.error.details.problems.length).toBeGreaterThan(0);
          for (const p of put.body.error.details.problems) {
            expect(PROBLEM_CODES).toContain(p.code);
            // Every problem names a node or an edge (entitlement problems name the prompt that publishes most).
            expect(typeof p.nodeId === "string" || typeof p.edgeId === "string", JSON.stringify(p)).toBe(true);
            if (p.pointer !== undefined) expect(p.pointer).toMatch(/^(\/([^~/]|~[01])*)+$/);
          }
          const check = await call("POST", `/clones/${cloneId}/pipeline/validate`, payload);
          expect(check.body).toEqual({ valid: false, problems: put.body.error.details.problems });
        }
      }),
      { numRuns: 200 },
    );
    // The generators reach every outcome (so the property is not vacuous).
    expect([...seen].sort()).toEqual([200, 400, 409, 422]);
    // ~800 requests through the Worker (limited routes add a RateLimiter round trip each): 25 s alone on a
    // loaded 2-core machine, too close to the 30 s default.
  }, 120_000);
});
