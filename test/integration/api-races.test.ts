/**
 * Issue 14, found #2: a pipeline save, validate, compile or read racing `DELETE /clones/{id}` used to
 * reach `getPipeline` after the ownership check passed and throw a plain Error (500). A resource that
 * vanished mid-request is a 404. The first tests pin the check-then-read window deterministically at the
 * service level; the last fires real concurrent requests through the Worker and counts 5xx (must be 0).
 * Also the per-user clone cap (`maxClones`), which must hold under concurrent creates.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { deleteClone, findClone, updateClone } from "../../src/domains/strategy/clones/clones.service";
import { compileStored, getPipeline, loadRegistry, savePipeline } from "../../src/domains/strategy/pipeline/pipeline.service";
import { callApi, isEnvelope } from "../support/api";
import { seedRecordedRegistry } from "../support/registry-seed";

const deps = { clock: fixedClock(Date.UTC(2026, 10, 25, 12)), ids: sequentialIds() };
const EMPTY = { version: 0, graph: { nodes: [], edges: [] }, layout: {} };

beforeAll(async () => {
  await seedRecordedRegistry();
});

async function newClone(user: string): Promise<string> {
  const res = await callApi(user, "POST", "/clones", { name: "Racer", modelId: "gpt-5" });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe("a clone deleted between the ownership check and the read", () => {
  it("save, compile, read and update answer not-found values instead of throwing", async () => {
    const db = openDb(env.DB);
    const id = await newClone("race-a");
    const clone = await findClone(db, id);
    if (!clone) throw new Error("clone missing");
    const ctx = {
      clone,
      entitlement: {
        userId: "race-a",
        maxActiveAssets: 20,
        maxModelStrength: 2,
        maxClones: 10,
        source: "default" as const,
        updatedAtMs: null,
      },
      registry: await loadRegistry(db),
    };
    // The route's ownership check passed (clone loaded); now the concurrent DELETE lands.
    await deleteClone(db, id);
    expect(await getPipeline(db, id)).toBeUndefined();
    expect(await compileStored(db, clone, ctx.registry)).toBeUndefined();
    expect(await savePipeline(db, deps, EMPTY, ctx)).toEqual({ ok: false, error: { kind: "not_found" } });
    expect(await updateClone(db, deps, clone, { name: "ghost" })).toEqual({ ok: false, error: { kind: "not_found" } });
    expect(await findClone(db, id)).toBeUndefined();
  });

  it("30 rounds of DELETE racing save, validate, compile, read and patch: no 5xx, every error an envelope", async () => {
    const statuses: number[] = [];
    for (let round = 0; round < 30; round++) {
      const id = await newClone("race-b");
      const answers = await Promise.all([
        callApi("race-b", "PUT", `/clones/${id}/pipeline`, EMPTY),
        callApi("race-b", "POST", `/clones/${id}/pipeline/validate`, EMPTY),
        callApi("race-b", "DELETE", `/clones/${id}`),
        callApi("race-b", "GET", `/clones/${id}/pipeline/compiled`),
        callApi("race-b", "GET", `/clones/${id}/pipeline`),
        callApi("race-b", "GET", `/clones/${id}/entitlements`),
        callApi("race-b", "PATCH", `/clones/${id}`, { name: "renamed" }),
      ]);
      for (const a of answers) {
        statuses.push(a.status);
        if (a.status >= 400) expect(isEnvelope(a.body)).toBe(true);
      }
    }
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.every((s) => [200, 204, 404, 409].includes(s))).toBe(true);
  });
});

describe("per-user clone cap (entitlement maxClones)", () => {
  it("defaults to 10 and answers 403 clone_limit_reached with the envelope above it", async () => {
    const ent = await callApi("cap-a", "GET", `/clones/${await newClone("cap-a")}/entitlements`);
    expect(ent.body.maxClones).toBe(10);
    for (let i = 1; i < 10; i++) await newClone("cap-a");
    const refused = await callApi("cap-a", "POST", "/clones", { name: "eleventh", modelId: "gpt-5" });
    expect(refused.status).toBe(403);
    expect(isEnvelope(refused.body)).toBe(true);
    expect(refused.body.error.details).toMatchObject({ code: "clone_limit_reached", maxClones: 10 });
    expect((await callApi("cap-a", "GET", "/clones")).body.clones).toHaveLength(10);
  });

  it("holds under concurrent creates: with a cap of 3, exactly 3 of 8 parallel creates win", async () => {
    const set = await callApi(
      "admin",
      "PUT",
      "/admin/users/cap-b/entitlements",
      { maxActiveAssets: 20, maxModelStrength: 2, maxClones: 3 },
      "admin",
    );
    expect(set.status).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => callApi("cap-b", "POST", "/clones", { name: `c${i}`, modelId: "gpt-5" })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 403)).toHaveLength(5);
    const listed = (await callApi("cap-b", "GET", "/clones")).body.clones as Array<{ id: string }>;
    expect(listed).toHaveLength(3);
    // Every surviving clone has its pipeline row (the conditional inserts stayed paired).
    for (const c of listed) expect((await callApi("cap-b", "GET", `/clones/${c.id}/pipeline`)).status).toBe(200);
  });
});
