/**
 * Clones and pipelines through the real Worker, with the asset registry seeded by the
 * `market-data.refresh-assets` job from the replay exchange (recorded answers): clone CRUD, owner
 * isolation, the versioned pipeline document (409 on stale versions, one winner of two concurrent saves),
 * 422 with every problem and nothing stored, layout round trip, validate, compiled plans, entitlements
 * with the capacity and model-strength refusals.
 */

import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { bearer } from "../support/auth";
import { VALID_GRAPH } from "../support/graphs";
import { seedRecordedRegistry } from "../support/registry-seed";

const BASE = "https://api.test/api/v1";

async function call(user: string, method: string, path: string, body?: unknown, role: "user" | "admin" = "user") {
  const headers: Record<string, string> = { ...(await bearer(user, role)), "content-type": "application/json" };
  const res = await SELF.fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON answers
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any, text };
}

async function newClone(user: string, modelId = "gpt-5", name = "Momentum") {
  const res = await call(user, "POST", "/clones", { name, modelId });
  expect(res.status).toBe(201);
  return res.body as { id: string; name: string; modelId: string; tradingEnabled: boolean; pipelineVersion: number };
}

const LAYOUT = {
  nodes: { stream: { x: 10, y: 20.5 }, majors: { x: 300, y: 20 }, prompt: { x: 600, y: -4 } },
  strategyClone: { position: { x: 900, y: 0 }, connectedPromptNodeIds: ["prompt"] },
};

beforeAll(async () => {
  await seedRecordedRegistry();
});

describe("models and clones", () => {
  it("lists the model catalog with strength tiers", async () => {
    const res = await call("alice", "GET", "/models");
    expect(res.status).toBe(200);
    expect(res.body).toContainEqual(expect.objectContaining({ id: "gpt-5", name: "GPT-5", provider: "openai", strength: 2 }));
    expect(res.body.every((m: { strength: number }) => [1, 2, 3].includes(m.strength))).toBe(true);
  });

  it("creates, lists, reads, updates and deletes own clones", async () => {
    const clone = await newClone("carol");
    expect(clone).toMatchObject({ name: "Momentum", modelId: "gpt-5", tradingEnabled: false, ownerId: "carol", pipelineVersion: 0 });
    expect(clone.id).toMatch(/^clone_/);
    const second = await newClone("carol", "claude-haiku-4-5", "Scalper");
    expect((await call("carol", "GET", "/clones")).body.clones.map((c: { id: string }) => c.id)).toEqual([clone.id, second.id]);

    const patched = await call("carol", "PATCH", `/clones/${clone.id}`, { name: "Renamed", tradingEnabled: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: "Renamed", tradingEnabled: true, modelId: "gpt-5" });
    expect((await call("carol", "GET", `/clones/${clone.id}`)).body).toMatchObject({ name: "Renamed", tradingEnabled: true });

    expect((await call("carol", "DELETE", `/clones/${clone.id}`)).status).toBe(204);
    expect((await call("carol", "GET", `/clones/${clone.id}`)).status).toBe(404);
    expect((await call("carol", "GET", `/clones/${clone.id}/pipeline`)).status).toBe(404);
  });

  it("refuses an unknown model (422) and a malformed body (400)", async () => {
    const unknown = await call("carol", "POST", "/clones", { name: "x", modelId: "gpt-9000" });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details).toEqual({ code: "unknown_model", modelId: "gpt-9000" });
    expect((await call("carol", "POST", "/clones", { name: "", modelId: "gpt-5" })).status).toBe(400);
  });
});

describe("owner isolation", () => {
  it("answers another user's token with 404 and no data on every clone route", async () => {
    const clone = await newClone("owner-1", "gpt-5", "Secret sauce");
    const routes: Array<[string, string, unknown?]> = [
      ["GET", `/clones/${clone.id}`],
      ["PATCH", `/clones/${clone.id}`, { name: "mine now" }],
      ["DELETE", `/clones/${clone.id}`],
      ["GET", `/clones/${clone.id}/pipeline`],
      ["PUT", `/clones/${clone.id}/pipeline`, { version: 0, graph: VALID_GRAPH, layout: {} }],
      ["POST", `/clones/${clone.id}/pipeline/validate`, { version: 0, graph: VALID_GRAPH, layout: {} }],
      ["GET", `/clones/${clone.id}/pipeline/compiled`],
      ["GET", `/clones/${clone.id}/entitlements`],
    ];
    for (const [method, path, body] of routes) {
      const res = await call("intruder", method, path, body);
      expect([res.status, res.body.error.code]).toEqual([404, "not_found"]);
      expect(res.text).not.toContain("Secret sauce");
      expect(res.text).not.toContain("owner-1");
    }
    expect((await call("intruder", "GET", "/clones")).body.clones).toEqual([]);
    // Nothing changed, and an admin sees the clone.
    const admin = await call("ops", "GET", `/clones/${clone.id}`, undefined, "admin");
    expect(admin.body).toMatchObject({ name: "Secret sauce", pipelineVersion: 0 });
  });
});

describe("pipeline document", () => {
  it("starts empty at version 0, saves with a version bump and round-trips the layout", async () => {
    const clone = await newClone("dave");
    expect((await call("dave", "GET", `/clones/${clone.id}/pipeline`)).body).toEqual({
      version: 0,
      graph: { nodes: [], edges: [] },
      layout: {},
    });

    const saved = await call("dave", "PUT", `/clones/${clone.id}/pipeline`, { version: 0, graph: VALID_GRAPH, layout: LAYOUT });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ version: 1, graph: VALID_GRAPH, layout: LAYOUT });
    expect((await call("dave", "GET", `/clones/${clone.id}/pipeline`)).body).toEqual({ version: 1, graph: VALID_GRAPH, layout: LAYOUT });
    expect((await call("dave", "GET", `/clones/${clone.id}`)).body.pipelineVersion).toBe(1);
  });

  it("refuses a stale version with 409 and the current version", async () => {
    const clone = await newClone("erin");
    await call("erin", "PUT", `/clones/${clone.id}/pipeline`, { version: 0, graph: VALID_GRAPH, layout: {} });
    const stale = await call("erin", "PUT", `/clones/${clone.id}/pipeline`, { version: 0, graph: VALID_GRAPH, layout: {} });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: "conflict", details: { currentVersion: 1 } });
  });

  it("lets exactly one of two concurrent saves from the same version win", async () => {
    const clone = await newClone("frank");
    const put = (x: number) =>
      call("frank", "PUT", `/clones/${clone.id}/pipeline`, { version: 0, graph: VALID_GRAPH, layout: { nodes: { prompt: { x, y: 0 } } } });
    const results = await Promise.all([put(1), put(2), put(3)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const doc = (await call("frank", "GET", `/clones/${clone.id}/pipeline`)).body;
    expect(doc.version).toBe(1);
    expect(doc.layout).toEqual(results.find((r) => r.status === 200)?.body.layout);
  });

  it("refuses an invalid graph with 422 listing every problem, and stores nothing", async () => {
    const clone = await newClone("gina");
    await call("gina", "PUT", `/clones/${clone.id}/pipeline`, { version: 0, graph: VALID_GRAPH, layout: LAYOUT });
    const broken = {
      nodes: [...VALID_GRAPH.nodes, { id: "x", type: "webhook", config: {} }, { id: "lonely", type: "trading_prompt", config: {} }],
      edges: [...VALID_GRAPH.edges, { id: "e3", source: "stream", target: "prompt" }, { id: "e4", source: "majors", target: "ghost" }],
    };
    const res = await call("gina", "PUT", `/clones/${clone.id}/pipeline`, {
      version: 1,
      graph: broken,
      layout: { nodes: { nope: { x: 0, y: 0 } } },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("unprocessable");
    expect(res.body.error.details.problems).toEqual([
      { code: "unknown_node_type", message: 'node x has unknown type "webhook"', nodeId: "x" },
      { code: "disallowed_edge", message: "edge e3: data_stream -> trading_prompt is not an allowed v1 path", edgeId: "e3" },
      { code: "dangling_edge", message: "edge e4 points at missing node ghost", edgeId: "e4" },
      { code: "missing_asset_selection", message: "trading prompt lonely has no asset selection upstream", nodeId: "lonely" },
      { code: "unknown_layout_node", message: "layout positions missing node nope", nodeId: "nope" },
    ]);
    expect((await call("gina", "GET", `/clones/${clone.id}/pipeline`)).body).toEqual({ version: 1, graph: VALID_GRAPH, layout: LAYOUT });
  });

  it("refuses a document over the size cap with 400 and stores nothing", async () => {
    const clone = await newClone("gus");
    const symbols = Array.from({ length: 500 }, (_, i) => `SYMBOL${String(i).padStart(34, "0")}`);
    const nodes = Array.from({ length: 20 }, (_, i) => ({
      id: `s${i}`,
      type: "asset_selection",
      config: { explicitlyEnabledSymbols: symbols },
    }));
    const res = await call("gus", "PUT", `/clones/${clone.id}/pipeline`, { version: 0, graph: { nodes, edges: [] }, layout: {} });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "validation_failed", details: { kind: "too_large", maxBytes: 262_144 } });
    expect((await call("gus", "GET", `/clones/${clone.id}/pipeline`)).body.version).toBe(0);
  });

  it("validates without storing", async () => {
    const clone = await newClone("hank");
    const bad = await call("hank", "POST", `/clones/${clone.id}/pipeline/validate`, {
      version: 0,
      graph: { nodes: [{ id: "p", type: "trading_prompt", config: {} }], edges: [] },
    });
    expect(bad.body).toEqual({
      valid: false,
      problems: [{ code: "missing_asset_selection", message: "trading prompt p has no asset selection upstream", nodeId: "p" }],
    });
    const good = await call("hank", "POST", `/clones/${clone.id}/pipeline/validate`, { version: 0, graph: VALID_GRAPH, layout: LAYOUT });
    expect(good.body).toEqual({ valid: true, problems: [] });
    expect((await call("hank", "GET", `/clones/${clone.id}/pipeline`)).body.version).toBe(0);
  });

  it("compiles the stored graph into per-asset read plans (cross-asset reads included)", async () => {
    const clone = await newClone("ivy");
    await call("ivy", "PUT", `/clones/${clone.id}/pipeline`, { version: 0, graph: VALID_GRAPH, layout: LAYOUT });
    const plan = (await call("ivy", "GET", `/clones/${clone.id}/pipeline/compiled`)).body;
    expect(plan).toMatchObject({ cloneId: clone.id, pipelineVersion: 1, activeSymbols: ["BTC", "SOL"] });
    expect(plan.strategies).toHaveLength(1);
    expect(
      plan.strategies[0].executions.map((e: { symbol: string; reads: Array<{ contextSymbol: string }> }) => [
        e.symbol,
        e.reads[0]?.contextSymbol,
      ]),
    ).toEqual([
      ["BTC", "ETH"],
      ["SOL", "ETH"],
    ]);
  });
});

describe("one owner per symbol", () => {
  const twoPrompts = (second: string[]) => ({
    nodes: [
      { id: "majors", type: "asset_selection", config: { explicitlyEnabledSymbols: ["BTC", "ETH"] } },
      { id: "other", type: "asset_selection", config: { explicitlyEnabledSymbols: second } },
      { id: "p1", type: "trading_prompt", config: {} },
      { id: "p2", type: "trading_prompt", config: {} },
    ],
    edges: [
      { id: "e1", source: "majors", target: "p1" },
      { id: "e2", source: "other", target: "p2" },
    ],
  });

  it("rest: two trading prompts whose universes overlap are refused at save time with 409 universe_overlap, nothing stored", async () => {
    const clone = await newClone("olga");
    const refused = await call("olga", "PUT", `/clones/${clone.id}/pipeline`, {
      version: 0,
      graph: twoPrompts(["ETH", "SOL"]),
      layout: {},
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("conflict");
    expect(refused.body.error.message).toContain("universe_overlap");
    expect(refused.body.error.details).toMatchObject({
      reason: "universe_overlap",
      problems: [{ code: "universe_overlap", nodeId: "p2" }],
    });
    expect((await call("olga", "GET", `/clones/${clone.id}/pipeline`)).body.version).toBe(0);
    const check = await call("olga", "POST", `/clones/${clone.id}/pipeline/validate`, {
      version: 0,
      graph: twoPrompts(["ETH"]),
      layout: {},
    });
    expect(check.body).toMatchObject({ valid: false, problems: [{ code: "universe_overlap", nodeId: "p2" }] });
    // Disjoint universes save.
    expect((await call("olga", "PUT", `/clones/${clone.id}/pipeline`, { version: 0, graph: twoPrompts(["SOL"]), layout: {} })).status).toBe(
      200,
    );
  });
});

describe("entitlements", () => {
  const layer1 = (enabled = true) => ({
    nodes: [
      { id: "sel", type: "asset_selection", config: { highLevelCategories: ["layer-1"] } },
      { id: "p", type: "trading_prompt", config: { enabled } },
    ],
    edges: [{ id: "e", source: "sel", target: "p" }],
  });

  it("seeds the default row on the first clone and reads it with usage", async () => {
    const clone = await newClone("jack");
    await call("jack", "PUT", `/clones/${clone.id}/pipeline`, { version: 0, graph: VALID_GRAPH, layout: {} });
    const res = await call("jack", "GET", `/clones/${clone.id}/entitlements`);
    expect(res.body).toMatchObject({
      userId: "jack",
      maxActiveAssets: 20,
      maxModelStrength: 2,
      source: "default",
      usage: { activeAssets: 2 },
    });
    expect(res.body.updatedAtMs).toEqual(expect.any(Number));
  });

  it("refuses a universe above the capacity with both numbers, and accepts it after an admin raise", async () => {
    const clone = await newClone("kate");
    const refused = await call("kate", "PUT", `/clones/${clone.id}/pipeline`, { version: 0, graph: layer1(), layout: {} });
    expect(refused.status).toBe(422);
    const active = refused.body.error.details.activeAssets as number;
    expect(active).toBeGreaterThan(20);
    expect(refused.body.error.details).toMatchObject({ maxActiveAssets: 20 });
    expect(refused.body.error.message).toContain(`the enabled universe has ${active} assets; the entitlement allows at most 20`);
    // A disabled prompt publishes nothing and is accepted.
    expect((await call("kate", "PUT", `/clones/${clone.id}/pipeline`, { version: 0, graph: layer1(false), layout: {} })).status).toBe(200);

    const raised = await call("ops", "PUT", "/admin/users/kate/entitlements", { maxActiveAssets: 100, maxModelStrength: 2 }, "admin");
    expect(raised.body).toMatchObject({ userId: "kate", maxActiveAssets: 100, source: "admin" });
    expect((await call("kate", "PUT", `/clones/${clone.id}/pipeline`, { version: 1, graph: layer1(), layout: {} })).status).toBe(200);
    expect((await call("kate", "GET", `/clones/${clone.id}/entitlements`)).body).toMatchObject({
      source: "admin",
      usage: { activeAssets: active },
    });
    expect((await call("kate", "PUT", "/admin/users/kate/entitlements", { maxActiveAssets: 1, maxModelStrength: 2 })).status).toBe(403);
  });

  it("refuses models and strategy publication above the entitled strength", async () => {
    const create = await call("liam", "POST", "/clones", { name: "Big brain", modelId: "claude-opus-4-1" });
    expect(create.status).toBe(403);
    expect(create.body.error.details).toEqual({
      code: "model_strength_exceeded",
      message: "model claude-opus-4-1 has strength 3; the entitlement allows at most 2",
      modelId: "claude-opus-4-1",
      modelStrength: 3,
      maxModelStrength: 2,
    });
    const clone = await newClone("liam");
    expect((await call("liam", "PATCH", `/clones/${clone.id}`, { modelId: "claude-opus-4-1" })).status).toBe(403);

    await call("ops", "PUT", "/admin/users/liam/entitlements", { maxActiveAssets: 20, maxModelStrength: 3 }, "admin");
    expect((await call("liam", "PATCH", `/clones/${clone.id}`, { modelId: "claude-opus-4-1" })).status).toBe(200);
    await call("ops", "PUT", "/admin/users/liam/entitlements", { maxActiveAssets: 20, maxModelStrength: 2 }, "admin");

    const publish = await call("liam", "PUT", `/clones/${clone.id}/pipeline`, { version: 0, graph: VALID_GRAPH, layout: {} });
    expect(publish.status).toBe(422);
    expect(publish.body.error.details.problems).toEqual([
      {
        code: "model_strength_exceeded",
        message: "cannot publish strategies: model claude-opus-4-1 has strength 3; the entitlement allows at most 2",
        nodeId: "prompt",
      },
    ]);
    expect((await call("liam", "PATCH", `/clones/${clone.id}`, { tradingEnabled: true })).status).toBe(403);
    expect((await call("liam", "PATCH", `/clones/${clone.id}`, { modelId: "gpt-5", tradingEnabled: true })).status).toBe(200);
  });
});
