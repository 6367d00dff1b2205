/**
 * Spend caps (issue 23 item 15): a clone's recorded model cost in the UTC day (dry-runs included) is
 * checked before a model call; at or over the cap the run ends `skipped`/`spend_cap_reached`, recorded,
 * without a packet or a model call, and a dry-run is refused with 429. Local engines are not capped,
 * yesterday's spend does not count, and an admin-set entitlement overrides the setting. Real D1 in
 * workerd, models on the LLM wire-protocol stand-in.
 */
import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_GRAPH } from "../../src/cli/lib/demo-graph";
import { DAY_MS } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { createRuns, type DecisionDeps, decisionRuns, executeRun, type NewRun, readDecisionSettings } from "../../src/domains/decision";
import { bearer } from "../support/auth";
import { catalogWithScenarios, fixedPackets, memoryArtifacts, recordingIntake } from "../support/decision-ports";
import { seedRecordedRegistry } from "../support/registry-seed";

const T = Date.UTC(2026, 10, 29, 14, 0, 0);
const db = openDb(env.DB);
const ids = sequentialIds();
const llm = inject("llmBaseUrl");
const MODEL = "test-openai-valid:BTC:spend-cap";

async function call(user: string, method: string, path: string, body?: unknown, role: "user" | "admin" = "user") {
  const headers = { ...(await bearer(user, role)), "content-type": "application/json" };
  const res = await SELF.fetch(`https://api.test/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON answers
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

async function clone(user: string, modelId = "rules-v1"): Promise<string> {
  const created = await call(user, "POST", "/clones", { name: `${user} clone`, modelId });
  expect(created.status).toBe(201);
  expect((await call(user, "PUT", `/clones/${created.body.id}/pipeline`, { version: 0, graph: DEMO_GRAPH, layout: {} })).status).toBe(200);
  return created.body.id;
}

function deps(capMicroUsd: number) {
  const packets = fixedPackets();
  const intake = recordingIntake();
  const d: DecisionDeps = {
    db,
    clock: { nowMs: () => T + 1_000 },
    ids,
    settings: readDecisionSettings({
      OPENAI_BASE_URL: llm,
      OPENAI_API_KEY: "test-key",
      DECISION_MODEL_TIMEOUT_MS: "3000",
      DECISION_DAILY_SPEND_CAP_MICRO_USD: String(capMicroUsd),
    } as unknown as Env),
    packets,
    artifacts: memoryArtifacts(),
    intake,
    engineOptions: { findModel: catalogWithScenarios },
  };
  return { deps: d, packets, intake };
}

let slot = 0;
function newRun(cloneId: string, modelId: string, scope: string, engine = "llm"): NewRun {
  const dry = scope.startsWith("dryrun:");
  return {
    scopeKey: scope,
    accountId: dry ? null : scope,
    dryRunId: dry ? scope.slice(7) : null,
    cloneId,
    strategyId: "prompt",
    symbol: "BTC",
    slotMs: T + 60_000 * slot++,
    cadenceSec: 3600,
    pipelineVersion: 1,
    modelId,
    engine,
    asOfMs: T,
  };
}

async function execute(d: DecisionDeps, run: NewRun) {
  const [created] = await createRuns(db, ids, T, [run]);
  await executeRun(d, created?.id ?? "");
  const [row] = await db
    .select()
    .from(decisionRuns)
    .where(eq(decisionRuns.id, created?.id ?? ""));
  if (!row) throw new Error("run missing");
  return row;
}

beforeAll(async () => {
  await seedRecordedRegistry();
});

describe("per-clone daily spend cap", () => {
  it("a dry-run's model cost counts; the next model run is skipped and recorded before any packet or model call", async () => {
    const cloneId = await clone("spender");
    const first = deps(1);
    const dry = await execute(first.deps, newRun(cloneId, MODEL, "dryrun:dry_spend"));
    expect(dry).toMatchObject({ status: "succeeded", reason: "filled" });
    expect(dry.costMicroUsd).toBeGreaterThan(1);

    const second = deps(1);
    const capped = await execute(second.deps, newRun(cloneId, MODEL, "acct_spender"));
    expect(capped).toMatchObject({ status: "skipped", reason: "spend_cap_reached", costMicroUsd: 0, finishedAtMs: T + 1_000 });
    expect(JSON.parse(capped.errorJson ?? "{}")).toEqual({
      code: "spend_cap_reached",
      message: `the clone spent ${dry.costMicroUsd} micro-USD on models in the UTC day starting 2026-11-29T00:00:00.000Z; its daily cap is 1`,
    });
    expect(second.packets.resolved).toBe(0);
    expect(second.intake.submissions).toEqual([]);

    // A local engine costs nothing: not capped.
    const rules = await execute(second.deps, newRun(cloneId, "rules-v1", "acct_spender_rules", "rules"));
    expect(rules.status).toBe("succeeded");
    // Under a cap above the day's spend the model runs again.
    const raised = await execute(deps(dry.costMicroUsd + 1).deps, newRun(cloneId, MODEL, "acct_spender"));
    expect(raised).toMatchObject({ status: "succeeded", reason: "filled" });
  });

  it("counts only the current UTC day and only this clone", async () => {
    const cloneId = await clone("frugal");
    const other = await clone("frugal-other");
    const [yesterday] = await createRuns(db, ids, T - DAY_MS, [newRun(cloneId, MODEL, "acct_frugal_y")]);
    const [neighbour] = await createRuns(db, ids, T, [newRun(other, MODEL, "acct_frugal_n")]);
    await db
      .update(decisionRuns)
      .set({ costMicroUsd: 1_000_000_000 })
      .where(eq(decisionRuns.id, yesterday?.id ?? ""));
    await db
      .update(decisionRuns)
      .set({ costMicroUsd: 1_000_000_000 })
      .where(eq(decisionRuns.id, neighbour?.id ?? ""));
    const row = await execute(deps(1_000).deps, newRun(cloneId, MODEL, "acct_frugal"));
    expect(row).toMatchObject({ status: "succeeded", reason: "filled" });
  });

  it("an admin-set entitlement overrides the setting for the owner's clones", async () => {
    const cloneId = await clone("capped-user");
    const set = await call(
      "root",
      "PUT",
      "/admin/users/capped-user/entitlements",
      {
        maxActiveAssets: 20,
        maxModelStrength: 2,
        maxDailySpendMicroUsd: 0,
      },
      "admin",
    );
    expect(set.status).toBe(200);
    expect(set.body.maxDailySpendMicroUsd).toBe(0);
    const row = await execute(deps(1_000_000_000).deps, newRun(cloneId, MODEL, "acct_capped_user"));
    expect(row).toMatchObject({ status: "skipped", reason: "spend_cap_reached" });
    expect(
      (
        await call(
          "root",
          "PUT",
          "/admin/users/capped-user/entitlements",
          { maxActiveAssets: 20, maxModelStrength: 2, maxDailySpendMicroUsd: -1 },
          "admin",
        )
      ).status,
    ).toBe(400);
  });

  it("refuses a dry-run over the cap with 429 and creates no run; under it the dry-run runs", async () => {
    const cloneId = await clone("dry-spender", "gpt-5-mini");
    expect(
      (
        await call(
          "root",
          "PUT",
          "/admin/users/dry-spender/entitlements",
          { maxActiveAssets: 20, maxModelStrength: 2, maxDailySpendMicroUsd: 500 },
          "admin",
        )
      ).status,
    ).toBe(200);
    const [spent] = await createRuns(db, ids, Date.now(), [newRun(cloneId, "gpt-5-mini", "dryrun:dry_earlier")]);
    await db
      .update(decisionRuns)
      .set({ costMicroUsd: 499 })
      .where(eq(decisionRuns.id, spent?.id ?? ""));
    const under = await call("dry-spender", "POST", `/clones/${cloneId}/dry-run`, { symbols: ["BTC"] });
    expect(under.status, JSON.stringify(under.body)).toBe(200);
    expect(under.body.runs).toHaveLength(1); // skipped: the test Worker has no OpenAI key

    await db
      .update(decisionRuns)
      .set({ costMicroUsd: 500 })
      .where(eq(decisionRuns.id, spent?.id ?? ""));
    const before = (await db.select().from(decisionRuns).where(eq(decisionRuns.cloneId, cloneId))).length;
    const over = await call("dry-spender", "POST", `/clones/${cloneId}/dry-run`, { symbols: ["BTC"] });
    expect(over.status).toBe(429);
    expect(over.body.error).toMatchObject({
      code: "rate_limited",
      details: { code: "spend_cap_reached", capMicroUsd: 500, spentMicroUsd: 500 },
    });
    expect((await db.select().from(decisionRuns).where(eq(decisionRuns.cloneId, cloneId))).length).toBe(before);
  });
});
