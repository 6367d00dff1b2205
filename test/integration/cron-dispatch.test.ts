/**
 * Cron dispatch through the Worker's real `scheduled` handler: a tick runs its jobs and writes a
 * heartbeat, a re-delivered tick is a no-op, an unknown expression is an error, and the workers
 * health endpoint turns a job fresh after its run and stale when it has not run for two cadences.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { fixedClock, HOUR_MS } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import worker from "../../src/index";
import { dispatchCron } from "../../src/jobs";
import { SCHEDULE } from "../../src/schedule";
import wranglerToml from "../../wrangler.toml?raw";
import { bearer } from "../support/auth";

const TICK_MS = Date.UTC(2026, 10, 25, 13, 0, 0);
const ids = sequentialIds();

async function heartbeats(job: string) {
  const { results } = await env.DB.prepare("SELECT * FROM job_runs WHERE job_name = ? ORDER BY started_at_ms").bind(job).all();
  return results;
}

async function health(nowMs: number) {
  const app = createApp({ clock: fixedClock(nowMs), ids });
  const res = await app.request("/api/v1/internal/health/workers", { headers: await bearer("ops", "service", nowMs) }, env);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { jobs: Array<{ job: string; stale: boolean; lastRun: { status: string; ageMs: number } | null }> };
  return new Map(body.jobs.map((j) => [j.job, j]));
}

describe("cron dispatch", () => {
  it("keeps wrangler.toml triggers and the dispatch table equal", () => {
    const crons = /crons\s*=\s*\[([^\]]*)\]/.exec(wranglerToml)?.[1] ?? "";
    const declared = [...crons.matchAll(/"([^"]+)"/g)].map((m) => m[1]).sort();
    expect(declared).toEqual(Object.keys(SCHEDULE).sort());
  });

  it("shows a job with no heartbeat as stale", async () => {
    const before = await health(TICK_MS);
    expect(before.get("ops.prune-job-runs")).toMatchObject({ stale: true, lastRun: null });
  });

  it("runs the scheduled handler, writes a heartbeat, and the job turns fresh then stale", async () => {
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "0 * * * *", scheduledTime: TICK_MS }), env, ctx);
    await waitOnExecutionContext(ctx);

    const rows = await heartbeats("ops.prune-job-runs");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ trigger: "cron", status: "ok", scheduled_at_ms: TICK_MS, error: null });
    expect(rows[0]?.finished_at_ms).toEqual(expect.any(Number));

    // Health uses its own clock: fresh shortly after the run, stale after two hourly cadences.
    const startedAt = rows[0]?.started_at_ms as number;
    expect((await health(startedAt + 5 * 60_000)).get("ops.prune-job-runs")).toMatchObject({ stale: false, lastRun: { status: "ok" } });
    expect((await health(startedAt + 2 * HOUR_MS + 1)).get("ops.prune-job-runs")?.stale).toBe(true);
  });

  it("treats a re-delivered tick as a no-op", async () => {
    const deps = { clock: fixedClock(TICK_MS + HOUR_MS), ids };
    const first = await dispatchCron(env, deps, "0 * * * *", TICK_MS + HOUR_MS + 1234);
    const again = await dispatchCron(env, deps, "0 * * * *", TICK_MS + HOUR_MS);
    expect(first.map((o) => o.status)).toEqual(["ran"]);
    expect(again).toEqual([{ status: "skipped", reason: "already-ran" }]);
    const rows = await heartbeats("ops.prune-job-runs");
    expect(rows.filter((r) => r.scheduled_at_ms === TICK_MS + HOUR_MS)).toHaveLength(1);
  });

  it("rejects an unknown cron expression", async () => {
    const deps = { clock: fixedClock(TICK_MS), ids };
    await expect(dispatchCron(env, deps, "13 13 * * *", TICK_MS)).rejects.toThrow(/unknown cron/);
  });

  it("prunes heartbeats older than the retention window", async () => {
    const deps = { clock: fixedClock(TICK_MS + 30 * 24 * HOUR_MS), ids };
    const outcomes = await dispatchCron(env, deps, "0 * * * *", TICK_MS + 30 * 24 * HOUR_MS);
    expect(outcomes[0]).toMatchObject({ status: "ran", run: { status: "ok", itemsProcessed: 2 } });
    expect(await heartbeats("ops.prune-job-runs")).toHaveLength(1);
  });
});
