/**
 * Pinned pipeline versions (issue 23, item 3), inside workerd with real D1 and the PropAccount object:
 * every saved graph is stored as a version (a layout-only save adds none); an audition or race account
 * pins the clone's current version and model in the prop-account open path, whoever opens it; its runs
 * compile that version and decide with that model, and the run and packet record them, while saves
 * during the race change only accounts opened later. The account read exposes the pins.
 */
import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { decisionRuns, decisionRuntime, executeRun, scheduleDueRuns } from "../../src/domains/decision";
import { graphHash, pipelineVersions } from "../../src/domains/strategy";
import { openPropAccount } from "../../src/domains/trading";
import { bearer } from "../support/auth";
import { allEnabledCandidates, arrayQueue } from "../support/decision-ports";
import { seedRecordedRegistry } from "../support/registry-seed";

const BASE = "https://api.test/api/v1";
const T = Date.UTC(2026, 10, 29, 14, 0, 0);
const HOUR = 3_600_000;
const db = openDb(env.DB);
const ids = sequentialIds();

async function call(user: string, method: string, path: string, body?: unknown) {
  const headers = { ...(await bearer(user)), "content-type": "application/json" };
  const res = await SELF.fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON answers
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

const graphOf = (symbols: string[]) => ({
  nodes: [
    { id: "stream", type: "data_stream", config: { blocks: [{ id: "rsi", source: "hyperliquid", channel: "rsi" }] } },
    { id: "sel", type: "asset_selection", config: { explicitlyEnabledSymbols: symbols } },
    { id: "prompt", type: "trading_prompt", config: { decisionCadenceSec: 60 } },
  ],
  edges: [
    { id: "e1", source: "stream", target: "sel" },
    { id: "e2", source: "sel", target: "prompt" },
  ],
});
const V1 = graphOf(["BTC", "ETH"]);
const V2 = graphOf(["BTC"]);

const versionsOf = (cloneId: string) => db.select().from(pipelineVersions).where(eq(pipelineVersions.cloneId, cloneId));

const openKind = (cloneId: string, ownerId: string, kind: "audition" | "race" | "sandbox", pins?: Record<string, string | number>) =>
  openPropAccount(
    { env, ids },
    {
      cloneId,
      ownerId,
      kind,
      startingBalanceMicroUsd: 10_000_000_000,
      startMs: T - HOUR,
      endMs: T + 24 * HOUR,
      allowedSymbols: ["BTC", "ETH"],
      ...(pins ? { pins } : {}),
    },
  );

beforeAll(async () => {
  await seedRecordedRegistry();
});

describe("pinned pipeline versions", () => {
  it("pinned version: audition and race accounts decide with the version and model pinned at open; later saves change only future accounts", async () => {
    const owner = "pin-owner";
    const created = await call(owner, "POST", "/clones", { name: "Pinned", modelId: "rules-v1" });
    expect(created.status).toBe(201);
    const cloneId = created.body.id as string;
    expect((await call(owner, "PUT", `/clones/${cloneId}/pipeline`, { version: 0, graph: V1, layout: {} })).status).toBe(200);
    expect((await call(owner, "PATCH", `/clones/${cloneId}`, { tradingEnabled: true })).status).toBe(200);
    const h1 = await graphHash(V1);
    expect((await versionsOf(cloneId)).map((v) => [v.hash, v.version])).toEqual([[h1, 1]]);

    // A layout-only save bumps the document version but is the same trading version.
    const layout = { nodes: { prompt: { x: 10, y: 20 } } };
    const moved = await call(owner, "PUT", `/clones/${cloneId}/pipeline`, { version: 1, graph: V1, layout });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(await versionsOf(cloneId)).toHaveLength(1);

    // The open path pins, whatever the caller passed (the audition adapter's own keys are kept).
    const audition = await openKind(cloneId, owner, "audition", { auditionId: "aud_pin", pipelineVersion: 99, modelId: "hold" });
    const race = await openKind(cloneId, owner, "race");

    // The owner saves a new graph (BTC only) and switches model during the race.
    const saved = await call(owner, "PUT", `/clones/${cloneId}/pipeline`, { version: 2, graph: V2, layout });
    expect(saved.status).toBe(200);
    expect((await call(owner, "PATCH", `/clones/${cloneId}`, { modelId: "hold" })).status).toBe(200);
    const h2 = await graphHash(V2);
    expect((await versionsOf(cloneId)).map((v) => [v.hash, v.version]).sort()).toEqual(
      [
        [h1, 1],
        [h2, 3],
      ].sort(),
    );
    const later = await openKind(cloneId, owner, "race");

    // The account read exposes the pins.
    const readA = await call(owner, "GET", `/prop-accounts/${audition.accountId}`);
    expect(readA.status).toBe(200);
    expect(readA.body).toMatchObject({ pipelineVersionHash: h1, model: "rules-v1" });
    expect((await call(owner, "GET", `/prop-accounts/${later.accountId}`)).body).toMatchObject({ pipelineVersionHash: h2, model: "hold" });

    // Scheduling: the pinned accounts keep V1 (BTC and ETH) and rules-v1; the later one runs V2 and hold.
    const queue = arrayQueue();
    const rt = { ...decisionRuntime(env, { clock: { nowMs: () => T + 5_000 }, ids }), queue, candidates: allEnabledCandidates };
    await scheduleDueRuns(rt, T, { cloneId });
    const runs = await db.select().from(decisionRuns).where(eq(decisionRuns.cloneId, cloneId));
    const of = (accountId: string) =>
      runs
        .filter((r) => r.accountId === accountId)
        .map((r) => ({ symbol: r.symbol, modelId: r.modelId, hash: r.pipelineVersionHash, version: r.pipelineVersion }))
        .sort((a, b) => a.symbol.localeCompare(b.symbol));
    for (const account of [audition, race]) {
      expect(of(account.accountId)).toEqual([
        { symbol: "BTC", modelId: "rules-v1", hash: h1, version: 1 },
        { symbol: "ETH", modelId: "rules-v1", hash: h1, version: 1 },
      ]);
    }
    expect(of(later.accountId)).toEqual([{ symbol: "BTC", modelId: "hold", hash: h2, version: 3 }]);

    // Executing the pinned ETH run (absent from the current graph) resolves the packet from V1 and records rules-v1.
    const eth = runs.find((r) => r.accountId === audition.accountId && r.symbol === "ETH");
    if (!eth) throw new Error("no ETH run");
    const done = await executeRun(rt, eth.id);
    expect(done.kind).toBe("done");
    const [row] = await db.select().from(decisionRuns).where(eq(decisionRuns.id, eth.id));
    expect(row?.status, JSON.stringify(row)).toBe("succeeded");
    expect(row?.engine).toBe("rules");
    const packetJson = await rt.artifacts.get(row?.packetKey ?? "");
    const packet = JSON.parse(packetJson ?? "{}");
    expect(packet.clone.modelId).toBe("rules-v1");
    expect(packet.pipelineVersionHash).toBe(h1);
  });

  it("pinned version: a sandbox records what it was given and follows the clone (no pinned hash on the read)", async () => {
    const owner = "pin-sandbox";
    const created = await call(owner, "POST", "/clones", { name: "Sandboxed", modelId: "rules-v1" });
    const cloneId = created.body.id as string;
    expect((await call(owner, "PUT", `/clones/${cloneId}/pipeline`, { version: 0, graph: V1, layout: {} })).status).toBe(200);
    const sandbox = await openKind(cloneId, owner, "sandbox", { pipelineVersion: 1, modelId: "rules-v1" });
    const read = await call(owner, "GET", `/prop-accounts/${sandbox.accountId}`);
    expect(read.status).toBe(200);
    expect(read.body.pipelineVersionHash).toBeUndefined();
    expect(read.body.model).toBeUndefined();
  });
});
