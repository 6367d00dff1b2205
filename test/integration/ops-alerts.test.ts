/**
 * Alerts on a manual clock (issue 21): every rule fires after the minimum duration and resolves over
 * the real signal it reads (heartbeats, ingestion health, the budget object's counters, decision runs,
 * the prop projection, the payment RPC, backup verifications); notifications reach the webhook stand-in
 * signed with a valid HMAC (checked here in workerd and by the stand-in), in both formats; a failing
 * channel is retried with backoff and every attempt is recorded; silence and acknowledge suppress
 * notifications and are audited; the admin routes list, test and refuse what they must.
 */
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { createApp } from "../../src/app";
import { MINUTE_MS, manualClock } from "../../src/core/clock";
import { randomIds, sequentialIds } from "../../src/core/ids";
import { claimRun, finishRun } from "../../src/cron/job-runs.service";
import { openDb } from "../../src/db/client";
import { BUDGET_OBJECT_NAME } from "../../src/domains/market-data";
import { readOpsSettings } from "../../src/domains/ops";
import type { Rule } from "../../src/domains/ops/alerts/alerts.model";
import {
  acknowledgeAlert,
  createSilence,
  endSilence,
  evaluateAlerts,
  listAlerts,
  listAudit,
  listDeliveries,
} from "../../src/domains/ops/alerts/alerts.service";
import { hmacHex } from "../../src/domains/ops/alerts/notify.service";
import { bearer } from "../support/auth";
import { TEST_JOB_CATALOG, testTickJob } from "../support/test-job-catalog";

const hook = inject("webhook");
const RPC = inject("evmRpcUrl");
const T0 = Date.UTC(2026, 11, 2, 12, 0, 0);
const MIN_SEC = 120;
let seq = 0;
const unique = (name: string) => `${name}-${++seq}-${Math.floor(Math.random() * 1e9).toString(36)}`;

const tick = testTickJob;
const CATALOG = TEST_JOB_CATALOG;

function setup(channels: { webhookPath?: string; slackPath?: string } = {}, overrides: Record<string, string> = {}, testEnv: Env = env) {
  const clock = manualClock(T0);
  const ids = sequentialIds();
  const settings = readOpsSettings({
    ALERT_MIN_DURATION_SEC: String(MIN_SEC),
    ALERT_DELIVERY_MAX_ATTEMPTS: "3",
    ALERT_DELIVERY_BACKOFF_SEC: "30",
    ALERT_RENOTIFY_MIN: "0",
    ...(channels.webhookPath ? { ALERT_WEBHOOK_URL: `${hook.url}${channels.webhookPath}`, ALERT_WEBHOOK_SECRET: hook.secret } : {}),
    ...(channels.slackPath ? { ALERT_SLACK_WEBHOOK_URL: `${hook.url}${channels.slackPath}` } : {}),
    ...overrides,
  });
  const deps = { clock, ids };
  const a = { db: openDb(env.DB), env: testEnv, deps, settings };
  return { clock, a, evaluate: (rules: Rule[], e: Env = testEnv) => evaluateAlerts({ ...a, env: e }, CATALOG, rules) };
}

async function received(path: string) {
  const res = await fetch(`${hook.url}/__received?path=${encodeURIComponent(path)}`);
  return (await res.json()) as { headers: Record<string, string>; body: string; signatureValid: boolean | null }[];
}

async function stateOf(key: string) {
  const rows = await listAlerts(openDb(env.DB), { key, limit: 10 });
  return rows[0]?.state;
}

beforeEach(async () => {
  await env.DB.batch(
    [
      "ops_alerts",
      "ops_alert_silences",
      "ops_audit",
      "ops_alert_notifications",
      "ops_alert_deliveries",
      "ops_signal_memory",
      "job_runs",
      "decision_runs",
      "prop_accounts",
      "ops_backup_verifications",
    ].map((t) => env.DB.prepare(`DELETE FROM ${t}`)),
  );
});

/** Bad at T0 -> pending; still bad after the minimum duration -> firing; `fix` -> resolved. */
async function firesAndResolves(
  rule: Rule,
  key: string,
  options: {
    bad?: (t: ReturnType<typeof setup>) => Promise<void>;
    fix: (t: ReturnType<typeof setup>) => Promise<void>;
    env?: Env;
    fixedEnv?: Env;
    after?: (t: ReturnType<typeof setup>) => Promise<void>;
  },
) {
  const path = `/hooks/${unique(rule)}`;
  const t = setup({ webhookPath: path });
  await options.after?.(t);
  await options.bad?.(t);
  const first = await t.evaluate([rule], options.env);
  expect(first.errors).toEqual([]);
  expect(await stateOf(key)).toBe("pending");
  t.clock.advance(MINUTE_MS);
  await t.evaluate([rule], options.env);
  expect(await stateOf(key), "not before the minimum duration").toBe("pending");
  t.clock.advance(MINUTE_MS);
  const fired = await t.evaluate([rule], options.env);
  expect(fired.transitions).toContainEqual({ key, from: "pending", to: "firing", notified: true, silenced: false });
  await options.fix(t);
  const resolved = await t.evaluate([rule], options.fixedEnv ?? options.env);
  expect(resolved.transitions).toContainEqual({ key, from: "firing", to: "resolved", notified: true, silenced: false });
  expect(await stateOf(key)).toBe("resolved");
  const bodies = (await received(path)).map((r) => JSON.parse(r.body) as { kind: string; alert: { key: string } });
  expect(bodies.filter((b) => b.alert.key === key).map((b) => [b.kind, b.alert.key])).toEqual([
    ["firing", key],
    ["resolved", key],
  ]);
  return t;
}

async function heartbeat(t: ReturnType<typeof setup>, status: "ok" | "error") {
  const db = openDb(env.DB);
  const claim = await claimRun(db, t.a.deps, { jobName: tick.name, trigger: "cron", scheduledAtMs: t.clock.nowMs() });
  if (!claim) throw new Error("claim");
  await finishRun(db, t.a.deps, claim, { status, itemsProcessed: 0, ...(status === "error" ? { error: "boom" } : {}) });
}

async function decisionRun(id: string, status: string, reason: string | null, atMs: number) {
  await env.DB.prepare(
    `INSERT INTO decision_runs (id, scope_key, clone_id, strategy_id, symbol, slot_ms, cadence_sec, pipeline_version, status, reason, engine, model_id,
       as_of_ms, input_tokens, output_tokens, cost_micro_usd, attempts, created_at_ms, finished_at_ms)
     VALUES (?1, ?1, 'clone', 'strat', 'BTC', ?2, 60, 1, ?3, ?4, 'rules', 'rules-v1', ?2, 0, 0, 0, 1, ?2, ?5)`,
  )
    .bind(id, atMs, status, reason, status === "pending" ? null : atMs)
    .run();
}

describe("each rule fires after the minimum duration and resolves", () => {
  it("job_stale: a job that never ran, until it runs", async () => {
    await firesAndResolves("job_stale", "job_stale:test.tick", { fix: (t) => heartbeat(t, "ok") });
  });

  it("job_failing: the last run failed, until a run succeeds", async () => {
    await firesAndResolves("job_failing", "job_failing:test.tick", {
      bad: (t) => heartbeat(t, "error"),
      fix: async (t) => {
        t.clock.advance(1000);
        await heartbeat(t, "ok");
      },
    });
  });

  it("ingestion_lag: a channel with no data, until it is switched off", async () => {
    await firesAndResolves("ingestion_lag", "ingestion_lag:defillama:tvl", {
      fix: async () => {},
      fixedEnv: { ...env, INGEST_DISABLED_CHANNELS: "defillama:tvl" },
    });
  });

  it("hyperliquid_429: a 429 reported to the budget object, until the window passes", async () => {
    const budget = env.HYPERLIQUID_BUDGET.get(env.HYPERLIQUID_BUDGET.idFromName(BUDGET_OBJECT_NAME));
    await firesAndResolves("hyperliquid_429", "hyperliquid_429:egress-default", {
      after: async (t) => {
        await t.evaluate(["hyperliquid_429"]); // the baseline of the counter
      },
      bad: async () => {
        await budget.penalize();
      },
      fix: async (t) => t.clock.advance(16 * MINUTE_MS),
    });
  });

  it("hyperliquid_budget_exhausted: a request the budget refused, until the window passes", async () => {
    const budget = env.HYPERLIQUID_BUDGET.get(env.HYPERLIQUID_BUDGET.idFromName(BUDGET_OBJECT_NAME));
    await firesAndResolves("hyperliquid_budget_exhausted", "hyperliquid_budget_exhausted:egress-default", {
      after: async (t) => {
        await t.evaluate(["hyperliquid_budget_exhausted"]);
      },
      bad: async () => {
        const r = await budget.reserve({ weight: 10_000, priority: "poll", maxWaitMs: 0 });
        expect(r.granted).toBe(false);
      },
      fix: async (t) => t.clock.advance(16 * MINUTE_MS),
    });
  });

  it("decision_dead_letters: a dead-lettered run, until it leaves the window", async () => {
    await firesAndResolves("decision_dead_letters", "decision_dead_letters:decision-runs", {
      bad: (t) => decisionRun("run_dl", "failed", "dead_lettered", t.clock.nowMs()),
      fix: async (t) => t.clock.advance(16 * MINUTE_MS),
    });
  });

  it("decision_failures: failed and expired runs above the rate, until they leave the window", async () => {
    await firesAndResolves("decision_failures", "decision_failures:decision-runs", {
      bad: async (t) => {
        for (let i = 0; i < 3; i++) await decisionRun(`run_ok_${i}`, "succeeded", "filled", t.clock.nowMs());
        await decisionRun("run_failed", "failed", "intake_failed", t.clock.nowMs());
        // Pending since 20 minutes: expired.
        await decisionRun("run_expired", "pending", null, t.clock.nowMs() - 20 * MINUTE_MS);
      },
      fix: async (t) => {
        await env.DB.prepare(
          "UPDATE decision_runs SET status = 'skipped', reason = 'trading_disabled', finished_at_ms = ?1 WHERE id = 'run_expired'",
        )
          .bind(t.clock.nowMs() - 30 * MINUTE_MS)
          .run();
        t.clock.advance(16 * MINUTE_MS);
      },
    });
  });

  it("decision_failures stays quiet below the rate and below the minimum number of runs", async () => {
    const t = setup();
    for (let i = 0; i < 9; i++) await decisionRun(`run_ok_${i}`, "succeeded", "filled", T0);
    await decisionRun("run_failed", "failed", "intake_failed", T0); // 10 %
    await t.evaluate(["decision_failures"]);
    expect(await stateOf("decision_failures:decision-runs")).toBeUndefined();
    await env.DB.prepare("DELETE FROM decision_runs WHERE id LIKE 'run_ok_%'").run(); // 1 run: too few to judge
    await t.evaluate(["decision_failures"]);
    expect(await stateOf("decision_failures:decision-runs")).toBeUndefined();
  });

  it("prop_outbox_lag: an active account not projected for 10 minutes, until it is", async () => {
    await firesAndResolves("prop_outbox_lag", "prop_outbox_lag:prop-accounts", {
      bad: async (t) => {
        await env.DB.prepare(
          `INSERT INTO prop_accounts (id, clone_id, owner_id, kind, status, start_ms, end_ms, starting_balance_micro_usd, cash_micro_usd, equity_micro_usd,
             unrealized_pnl_micro_usd, margin_used_micro_usd, peak_equity_micro_usd, drawdown_pct, rules_json, created_at_ms, updated_at_ms, projected_seq)
           VALUES ('acct_lag', 'clone', 'owner', 'sandbox', 'active', ?1, ?2, 1, 1, 1, 0, 0, 1, 0, '{}', ?1, ?1, 1)`,
        )
          .bind(t.clock.nowMs() - 10 * MINUTE_MS, t.clock.nowMs() + 60 * MINUTE_MS)
          .run();
      },
      fix: async (t) => {
        await env.DB.prepare("UPDATE prop_accounts SET updated_at_ms = ?1").bind(t.clock.nowMs()).run();
      },
    });
  });

  it("payment_rpc: an unreachable node, until the configured one answers with the right chain", async () => {
    const fee = { AUDITION_FEE_TREASURY: "0x2df1c51e09aecf9cacb7bc98cb1742757f163df7", LIFECYCLE_RPC_TIMEOUT_MS: "2000" };
    await firesAndResolves("payment_rpc", "payment_rpc:127.0.0.1:9", {
      env: { ...env, ...fee, LIFECYCLE_RPC_URL: "http://127.0.0.1:9" },
      fix: async () => {},
      // The same key resolves once the node at that key answers: the rule reports the configured host,
      // so the fixed configuration is checked under its own key and the old one clears.
      fixedEnv: { ...env, ...fee, LIFECYCLE_RPC_URL: RPC },
    });
  });

  it("backup_verify: a failed verification, until a newer one passes", async () => {
    const verification = async (id: string, ok: boolean, atMs: number) => {
      await env.DB.prepare(
        "INSERT INTO ops_backup_verifications (id, backup_id, manifest_key, checked_at_ms, ok, problems_json) VALUES (?1, 'b', 'k', ?2, ?3, ?4)",
      )
        .bind(id, atMs, ok ? 1 : 0, JSON.stringify(ok ? [] : ["prop_accounts: object differs"]))
        .run();
    };
    await firesAndResolves("backup_verify", "backup_verify:d1", {
      bad: (t) => verification("v1", false, t.clock.nowMs()),
      fix: (t) => verification("v2", true, t.clock.nowMs()),
    });
  });

  it("a condition that clears before the minimum duration never fires (discarded, nobody notified)", async () => {
    const path = `/hooks/${unique("flap")}`;
    const t = setup({ webhookPath: path });
    await t.evaluate(["job_failing"]);
    await heartbeat(t, "error");
    await t.evaluate(["job_failing"]);
    t.clock.advance(MINUTE_MS);
    await heartbeat(t, "ok");
    const e = await t.evaluate(["job_failing"]);
    expect(e.transitions).toEqual([{ key: "job_failing:test.tick", from: "pending", to: "discarded", notified: false, silenced: false }]);
    expect(await received(path)).toEqual([]);
  });
});

describe("notifications", () => {
  it("the generic webhook is signed: HMAC-SHA256 over `<timestamp>.<body>` with the secret; Slack gets its format", async () => {
    const webhookPath = `/hooks/${unique("signed")}`;
    const slackPath = `/hooks/${unique("slack")}`;
    const t = setup({ webhookPath, slackPath }, { ALERT_MIN_DURATION_SEC: "0" });
    await heartbeat(t, "error");
    await t.evaluate(["job_failing"]);
    const [got] = await received(webhookPath);
    if (!got) throw new Error("no webhook received");
    const ts = got.headers["x-clash-timestamp"] as string;
    expect(ts).toBe(String(Math.floor(T0 / 1000)));
    expect(got.headers["x-clash-signature"]).toBe(`v1=${await hmacHex(hook.secret, `${ts}.${got.body}`)}`);
    expect(got.signatureValid).toBe(true);
    // A signature over another body (or another timestamp) does not verify.
    expect(got.headers["x-clash-signature"]).not.toBe(`v1=${await hmacHex(hook.secret, `${Number(ts) + 1}.${got.body}`)}`);
    expect(got.headers["x-clash-delivery"]).toMatch(/^ntf_/);
    expect(JSON.parse(got.body)).toMatchObject({
      version: 1,
      kind: "firing",
      environment: "test",
      alert: { key: "job_failing:test.tick", severity: "critical", state: "firing" },
    });
    const [slack] = await received(slackPath);
    expect(JSON.parse(slack?.body ?? "{}")).toMatchObject({ text: expect.stringContaining("FIRING job_failing:test.tick") });
    expect(slack?.headers["x-clash-signature"]).toBeUndefined();
    const deliveries = await listDeliveries(openDb(env.DB), { limit: 10 });
    expect(deliveries.map((d) => [d.channel, d.status, d.httpStatus, d.attempt, d.atMs]).sort()).toEqual([
      ["slack", "delivered", 200, 1, T0],
      ["webhook", "delivered", 200, 1, T0],
    ]);
  });

  it("a failing channel is retried with backoff, every attempt recorded, until it gives up", async () => {
    const path = `/down/${unique("down")}`;
    const t = setup({ webhookPath: path }, { ALERT_MIN_DURATION_SEC: "0" });
    await heartbeat(t, "error");
    await t.evaluate(["job_failing"]);
    t.clock.advance(10_000);
    await t.evaluate(["job_failing"]); // not due yet (backoff 30 s)
    t.clock.advance(20_000);
    await t.evaluate(["job_failing"]); // attempt 2 at +30 s
    t.clock.advance(59_000);
    await t.evaluate(["job_failing"]); // not due (60 s after attempt 2)
    t.clock.advance(1_000);
    await t.evaluate(["job_failing"]); // attempt 3, the last
    t.clock.advance(10 * MINUTE_MS);
    await t.evaluate(["job_failing"]);
    const attempts = (await listDeliveries(openDb(env.DB), { limit: 10 })).reverse();
    expect(attempts.map((d) => [d.attempt, d.status, d.httpStatus, d.atMs - T0])).toEqual([
      [1, "failed", 500, 0],
      [2, "failed", 500, 30_000],
      [3, "failed", 500, 90_000],
    ]);
    expect(await received(path)).toHaveLength(3);
    const [n] = await env.DB.prepare("SELECT status, attempts FROM ops_alert_notifications")
      .all()
      .then((r) => r.results);
    expect(n).toEqual({ status: "failed", attempts: 3 });
  });

  it("a channel that fails once is delivered on the retry", async () => {
    const path = `/fail/1/${unique("flaky")}`;
    const t = setup({ webhookPath: path }, { ALERT_MIN_DURATION_SEC: "0" });
    await heartbeat(t, "error");
    await t.evaluate(["job_failing"]);
    t.clock.advance(30_000);
    await t.evaluate(["job_failing"]);
    const attempts = (await listDeliveries(openDb(env.DB), { limit: 10 })).reverse();
    expect(attempts.map((d) => [d.attempt, d.status, d.httpStatus])).toEqual([
      [1, "failed", 503],
      [2, "delivered", 200],
    ]);
  });
});

describe("silence and acknowledge", () => {
  it("a silence suppresses notifications of the keys it matches until it ends; both audited", async () => {
    const path = `/hooks/${unique("silenced")}`;
    const t = setup({ webhookPath: path }, { ALERT_MIN_DURATION_SEC: "0" });
    const silence = await createSilence(t.a, {
      matcher: "job_*",
      actor: "ops-1",
      reason: "maintenance window",
      expiresAtMs: T0 + 60 * MINUTE_MS,
    });
    await heartbeat(t, "error");
    const e = await t.evaluate(["job_failing"]);
    expect(e.transitions).toEqual([{ key: "job_failing:test.tick", from: null, to: "firing", notified: false, silenced: true }]);
    expect(await received(path)).toEqual([]);
    const ended = await endSilence(t.a, { silenceId: silence.id, actor: "ops-2", reason: "maintenance done" });
    expect(ended.ok).toBe(true);
    expect((await endSilence(t.a, { silenceId: silence.id, actor: "ops-2", reason: "again" })).ok).toBe(false);
    t.clock.advance(1000);
    await heartbeat(t, "ok");
    await t.evaluate(["job_failing"]);
    expect((await received(path)).map((r) => (JSON.parse(r.body) as { kind: string }).kind)).toEqual(["resolved"]);
    const audit = await listAudit(openDb(env.DB), 10);
    expect(audit.map((r) => [r.action, r.actor, r.target, r.reason]).reverse()).toEqual([
      ["silence", "ops-1", "job_*", "maintenance window"],
      ["end_silence", "ops-2", "job_*", "maintenance done"],
    ]);
    expect(audit.at(-1)?.expiresAtMs).toBe(T0 + 60 * MINUTE_MS);
  });

  it("an expired silence no longer suppresses", async () => {
    const path = `/hooks/${unique("expired")}`;
    const t = setup({ webhookPath: path }, { ALERT_MIN_DURATION_SEC: "0" });
    await createSilence(t.a, { matcher: "job_failing:test.tick", actor: "ops", reason: "short", expiresAtMs: T0 + MINUTE_MS });
    t.clock.advance(2 * MINUTE_MS);
    await heartbeat(t, "error");
    await t.evaluate(["job_failing"]);
    expect(await received(path)).toHaveLength(1);
  });

  it("an acknowledgement stops reminders until it expires; audited; only open alerts can be acknowledged", async () => {
    const path = `/hooks/${unique("ack")}`;
    const t = setup({ webhookPath: path }, { ALERT_MIN_DURATION_SEC: "0", ALERT_RENOTIFY_MIN: "10" });
    await heartbeat(t, "error");
    await t.evaluate(["job_failing"]);
    const [alert] = await listAlerts(openDb(env.DB), { key: "job_failing:test.tick", limit: 1 });
    if (!alert) throw new Error("no alert");
    const acked = await acknowledgeAlert(t.a, {
      alertId: alert.id,
      actor: "ops-1",
      reason: "looking into it",
      expiresAtMs: T0 + 30 * MINUTE_MS,
    });
    expect(acked.ok).toBe(true);
    t.clock.advance(11 * MINUTE_MS);
    await t.evaluate(["job_failing"]);
    expect((await received(path)).map((r) => (JSON.parse(r.body) as { kind: string }).kind)).toEqual(["firing"]);
    t.clock.set(T0 + 31 * MINUTE_MS); // acknowledgement expired: the reminder goes out
    await t.evaluate(["job_failing"]);
    expect((await received(path)).map((r) => (JSON.parse(r.body) as { kind: string }).kind)).toEqual(["firing", "reminder"]);
    const audit = await listAudit(openDb(env.DB), 10);
    expect(audit.map((r) => [r.action, r.actor, r.target, r.reason, r.expiresAtMs])).toEqual([
      ["acknowledge", "ops-1", "job_failing:test.tick", "looking into it", T0 + 30 * MINUTE_MS],
    ]);
    expect((await acknowledgeAlert(t.a, { alertId: "alert_missing", actor: "x", reason: "why", expiresAtMs: T0 })).ok).toBe(false);
  });
});

describe("admin routes", () => {
  const routeEnv = (path: string) => ({ ...env, ALERT_WEBHOOK_URL: `${hook.url}${path}`, ALERT_WEBHOOK_SECRET: hook.secret });
  const call = async (method: string, path: string, e: object, body?: unknown, role: "admin" | "user" = "admin") => {
    const app = createApp({ clock: manualClock(T0), ids: randomIds });
    const res = await app.request(
      `/api/v1${path}`,
      {
        method,
        headers: { ...(await bearer("ops-admin", role, T0)), "content-type": "application/json" },
        ...(body ? { body: JSON.stringify(body) } : {}),
      },
      e,
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("POST /admin/alerts/test reaches every channel signed, is audited, and shows in deliveries", async () => {
    const path = `/hooks/${unique("route-test")}`;
    const res = await call("POST", "/admin/alerts/test", routeEnv(path), { message: "hello from the test" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      channels: ["webhook"],
      results: [{ channel: "webhook", delivered: true, httpStatus: 200, attempt: 1 }],
    });
    const [got] = await received(path);
    expect(got?.signatureValid).toBe(true);
    expect(JSON.parse(got?.body ?? "{}")).toMatchObject({ kind: "test", alert: { summary: "hello from the test" } });
    const deliveries = await call("GET", "/admin/alerts/deliveries?channel=webhook", routeEnv(path));
    expect((deliveries.body.items as unknown[]).length).toBe(1);
    const audit = await call("GET", "/admin/alerts/audit", routeEnv(path));
    expect(audit.body.items).toMatchObject([{ action: "test_notification", actor: "ops-admin" }]);
  });

  it("lists current and recent alerts with filters; acknowledge and silence through the API; refusals", async () => {
    const t = setup({}, { ALERT_MIN_DURATION_SEC: "0" });
    await heartbeat(t, "error");
    await t.evaluate(["job_failing", "job_stale"]);
    const list = await call("GET", "/admin/alerts?rule=job_failing", env);
    expect(list.status).toBe(200);
    const current = list.body.current as { id: string; key: string; state: string }[];
    expect(current.map((a) => [a.key, a.state])).toEqual([["job_failing:test.tick", "firing"]]);
    const id = current[0]?.id as string;
    const ack = await call("POST", `/admin/alerts/${id}/ack`, env, { reason: "on it", expiresInMin: 30 });
    expect(ack.status).toBe(200);
    expect(ack.body.acknowledged).toMatchObject({ by: "ops-admin", reason: "on it", expiresAtMs: T0 + 30 * MINUTE_MS });
    expect((await call("POST", "/admin/alerts/alert_nope/ack", env, { reason: "on it", expiresInMin: 30 })).status).toBe(404);
    expect((await call("POST", `/admin/alerts/${id}/ack`, env, { reason: "x", expiresInMin: 30 })).status).toBe(400);
    expect((await call("POST", `/admin/alerts/${id}/ack`, env, { reason: "no expiry" })).status).toBe(400);
    const silence = await call("POST", "/admin/alerts/silences", env, { matcher: "job_stale:*", reason: "known", expiresInMin: 60 });
    expect(silence.status).toBe(201);
    expect((await call("POST", "/admin/alerts/silences", env, { matcher: "not a key!", reason: "known", expiresInMin: 60 })).status).toBe(
      400,
    );
    const listed = await call("GET", "/admin/alerts", env);
    expect((listed.body.silences as { matcher: string }[]).map((s) => s.matcher)).toEqual(["job_stale:*"]);
    const end = await call("POST", `/admin/alerts/silences/${silence.body.id}/end`, env, { reason: "fixed it" });
    expect(end.status).toBe(200);
    expect((await call("POST", `/admin/alerts/silences/${silence.body.id}/end`, env, { reason: "fixed it" })).status).toBe(409);
    expect((await call("GET", "/admin/alerts", env, undefined, "user")).status).toBe(403);
    expect((await call("GET", "/admin/alerts?state=burning", env)).status).toBe(400);
  });
});
