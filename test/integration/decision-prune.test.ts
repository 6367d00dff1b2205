/**
 * Retention of decision runs (issue 23 item 15): `decision.prune-runs` deletes runs past the retention
 * with their actions, artifact links and the R2 blobs no other owner links, in bounded chunks, and never
 * a run whose action a fill, a trigger order, a live order or an unknown intake outcome may reference,
 * nor an unfinished or recent run. Real D1 and R2 in workerd; the job runs through the job registry.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { DAY_MS } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { artifactLinks, artifactsOf, r2ArtifactStore, storeOwnedArtifacts } from "../../src/domains/artifacts";
import { createRuns, decisionActions, decisionRuns, decisionScans } from "../../src/domains/decision";
import { pruneDecisionRuns } from "../../src/domains/decision/decision.prune";
import { runJobNow } from "../../src/jobs";
import { SCHEDULE } from "../../src/schedule";

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const OLD = NOW - 31 * DAY_MS; // past the default 30-day retention
const RECENT = NOW - 29 * DAY_MS;
const db = openDb(env.DB);
const ids = sequentialIds();
const store = r2ArtifactStore(env.ARTIFACTS);

type Case = {
  status: "succeeded" | "failed" | "skipped" | "pending";
  createdAtMs: number;
  action?: { kind: string; outcome: "filled" | "denied" | "accepted" | null; stopLossPx?: string };
  live?: boolean;
  prompt?: string;
};
const CASES: Record<string, Case> = {
  skipped: { status: "skipped", createdAtMs: OLD, prompt: "prompt only this run has" },
  denied: { status: "succeeded", createdAtMs: OLD, action: { kind: "open_long", outcome: "denied" }, prompt: "shared prompt" },
  hold: { status: "succeeded", createdAtMs: OLD, action: { kind: "hold", outcome: "accepted" } },
  filled: { status: "succeeded", createdAtMs: OLD, action: { kind: "open_long", outcome: "filled" }, prompt: "shared prompt" },
  holdWithStop: { status: "succeeded", createdAtMs: OLD, action: { kind: "hold", outcome: "accepted", stopLossPx: "90000" } },
  unknownOutcome: { status: "failed", createdAtMs: OLD, action: { kind: "open_long", outcome: null } },
  liveOrder: { status: "succeeded", createdAtMs: OLD, action: { kind: "open_long", outcome: "denied" }, live: true },
  pending: { status: "pending", createdAtMs: OLD },
  recent: { status: "skipped", createdAtMs: RECENT },
};
const PRUNED = ["skipped", "denied", "hold"];
const runIds: Record<string, string> = {};
let slot = 0;

async function seed(name: string, c: Case) {
  const [run] = await createRuns(db, ids, c.createdAtMs, [
    {
      scopeKey: `acct_prune_${name}`,
      accountId: `acct_prune_${name}`,
      dryRunId: null,
      cloneId: "clone_prune",
      strategyId: "prompt",
      symbol: "BTC",
      slotMs: c.createdAtMs + 60_000 * slot++,
      cadenceSec: 60,
      pipelineVersion: 1,
      modelId: "rules-v1",
      engine: "rules",
      asOfMs: c.createdAtMs,
    },
  ]);
  const id = run?.id ?? "";
  runIds[name] = id;
  await db.update(decisionRuns).set({ status: c.status }).where(eq(decisionRuns.id, id));
  if (c.action) {
    const action = {
      actionId: `act_${id}`,
      action: c.action.kind,
      symbol: "BTC",
      ...(c.action.stopLossPx ? { stopLossPx: c.action.stopLossPx } : {}),
    };
    await db.insert(decisionActions).values({
      id: `act_${id}`,
      runId: id,
      cloneId: "clone_prune",
      accountId: `acct_prune_${name}`,
      symbol: "BTC",
      actionJson: JSON.stringify(action),
      kind: c.action.kind,
      outcomeStatus: c.action.outcome,
      fillId: c.action.outcome === "filled" ? `fill_${id}` : null,
      createdAtMs: c.createdAtMs,
    });
  }
  if (c.live) {
    await env.DB.prepare(
      `INSERT INTO live_orders (id, live_account_id, action_id, cloid, symbol, asset, is_buy, sz, limit_px, reference_px, reduce_only, status, created_at_ms, updated_at_ms)
       VALUES (?, 'live_1', ?, ?, 'BTC', 0, 1, '0.01', '90000', '90000', 0, 'rejected', ?, ?)`,
    )
      .bind(`lo_${id}`, `act_${id}`, `0x${id}`, c.createdAtMs, c.createdAtMs)
      .run();
  }
  if (c.prompt) {
    await storeOwnedArtifacts(
      db,
      store,
      { kind: "decision_run", id },
      [{ role: "prompt", content: c.prompt, contentType: "application/json" }],
      c.createdAtMs,
    );
  }
}

const remaining = async () => new Set((await db.select({ id: decisionRuns.id }).from(decisionRuns)).map((r) => r.id));

beforeAll(async () => {
  for (const [name, c] of Object.entries(CASES)) await seed(name, c);
  await db.insert(decisionScans).values([
    { scopeKey: "acct_prune_scan", strategyId: "prompt", cadenceSec: 3600, slotMs: OLD, scannedAtMs: OLD },
    { scopeKey: "acct_prune_scan", strategyId: "prompt", cadenceSec: 3600, slotMs: RECENT, scannedAtMs: RECENT },
  ]);
});

describe("decision run retention", () => {
  it("is a job of the five-minute tick", () => {
    expect(SCHEDULE["*/5 * * * *"]).toContain("decision.prune-runs");
  });

  it("deletes in bounded chunks only what nothing references, with artifacts no other owner links", async () => {
    const [onlyBlob] = await artifactsOf(db, { kind: "decision_run", id: runIds.skipped ?? "" });
    const [sharedBlob] = await artifactsOf(db, { kind: "decision_run", id: runIds.filled ?? "" });
    expect(await store.head(onlyBlob?.artifactKey ?? "")).not.toBeNull();

    // One chunk of two per invocation: two runs go, and the summary says more may be left.
    const first = await pruneDecisionRuns(db, store, { nowMs: NOW, retentionDays: 30, chunk: 2, maxChunks: 1 });
    expect(first).toMatchObject({ runs: 2, more: true, cutoffMs: NOW - 30 * DAY_MS });

    // The rest through the job registry (the cron's path), default retention 30 days.
    const ran = await runJobNow(env, { clock: { nowMs: () => NOW }, ids }, "decision.prune-runs", { chunk: 2 });
    expect(ran.ok && ran.value.status).toBe("ran");
    const left = await remaining();
    for (const name of PRUNED) expect(left.has(runIds[name] ?? ""), name).toBe(false);
    for (const name of Object.keys(CASES).filter((n) => !PRUNED.includes(n))) expect(left.has(runIds[name] ?? ""), name).toBe(true);
    const actions = new Set((await db.select({ runId: decisionActions.runId }).from(decisionActions)).map((a) => a.runId));
    expect(actions.has(runIds.denied ?? "")).toBe(false);
    expect(actions.has(runIds.hold ?? "")).toBe(false);
    expect(actions.has(runIds.filled ?? "")).toBe(true);

    // The pruned runs' links are gone; the blob only they linked is deleted, the shared one kept.
    const links = await db.select().from(artifactLinks).where(eq(artifactLinks.ownerKind, "decision_run"));
    expect(links.map((l) => l.ownerId)).toEqual([runIds.filled]);
    expect(await store.head(onlyBlob?.artifactKey ?? "")).toBeNull();
    expect(await store.head(sharedBlob?.artifactKey ?? "")).not.toBeNull();

    // Scan markers past retention go; recent ones stay.
    const scans = await db.select().from(decisionScans).where(eq(decisionScans.scopeKey, "acct_prune_scan"));
    expect(scans.map((s) => s.slotMs)).toEqual([RECENT]);

    // Idempotent: nothing more to delete.
    const again = await pruneDecisionRuns(db, store, { nowMs: NOW, retentionDays: 30, chunk: 2, maxChunks: 10 });
    expect(again).toMatchObject({ runs: 0, actions: 0, blobsDeleted: 0, scans: 0, more: false });
    expect(await remaining()).toEqual(left);
  });
});
