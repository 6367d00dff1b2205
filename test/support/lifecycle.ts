/**
 * A lifecycle test harness: the real app on an injected manual clock and sequential ids, with settings
 * overridden per harness (e.g. the JSON-RPC stand-in network a test uses), the audition port injected,
 * JSON calls with tokens minted at the harness clock, and manual job runs on the same deps.
 */
import { env } from "cloudflare:test";
import { createApp } from "../../src/app";
import { manualClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import type { AuditionAccounts, LifecycleDeps } from "../../src/domains/lifecycle";
import { runJobNow } from "../../src/jobs";
import { bearer } from "./auth";

export type Role = "user" | "admin" | "service";

/** One id sequence per test file (modules are per file), shared by every harness so ids never collide. */
const ids = sequentialIds();
/** Manual job runs are keyed by (job, time): runs of one file must never share a time. */
let lastJobMs = 0;

export function lifecycleHarness(startMs: number, vars: Record<string, string> = {}, auditionAccounts?: AuditionAccounts) {
  const clock = manualClock(startMs);
  const deps: LifecycleDeps = { clock, ids, auditionAccounts };
  const app = createApp(deps);
  const settings = { ...vars };
  const workerEnv = () => ({ ...env, ...settings }) as Env;

  /** `idempotencyKey`: sent as the Idempotency-Key header (Arena tickets and withdrawals). */
  async function call(user: string, method: string, path: string, body?: unknown, role: Role = "user", idempotencyKey?: string) {
    const headers: Record<string, string> = { ...(await bearer(user, role, clock.nowMs())), "content-type": "application/json" };
    if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
    const res = await app.request(
      `/api/v1${path}`,
      { method, headers, body: body === undefined ? undefined : JSON.stringify(body) },
      workerEnv(),
    );
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
  }

  /** Runs a job now; the clock moves ≥ 1 s first so each manual run of the file has its own heartbeat key. */
  async function runJob(name: string, params: Record<string, unknown> = {}) {
    clock.set(Math.max(clock.nowMs(), lastJobMs) + 1000);
    lastJobMs = clock.nowMs();
    const outcome = await runJobNow(workerEnv(), deps, name, params);
    if (!outcome.ok || outcome.value.status !== "ran") throw new Error(`job ${name} did not run`);
    const run = outcome.value.run;
    if (run.status !== "ok") throw new Error(`job ${name} failed: ${run.error}`);
    return { items: run.itemsProcessed, summary: JSON.parse(run.summaryJson ?? "{}") };
  }

  return { clock, deps, call, runJob, settings, workerEnv };
}
