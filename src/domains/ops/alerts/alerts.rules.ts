/**
 * The alert rules: a typed registry, rule -> reader of signals the backend already has, each read
 * through the owning domain's index (workers health from src/cron). A reader returns one observation
 * per subject it knows, active or not; a subject it does not return is treated as clear. A reader that
 * throws leaves its rule's alerts as they are (the evaluation reports the error instead).
 *
 * Event-counting rules (429s, refusals) keep their last counter in `ops_signal_memory` and count the
 * increments inside the window, so a counter reset (the budget object restarted) is not a negative.
 * Callers: alerts.service.ts.
 */
import { eq } from "drizzle-orm";
import { MINUTE_MS as MINUTE } from "../../../core/clock";
import { workersHealth } from "../../../cron/health";
import type { JobCatalog } from "../../../cron/job";
import type { Db } from "../../../db/client";
import { decisionRunHealth } from "../../decision";
import { paymentRpcHealth } from "../../lifecycle";
import { budgetStatus, ingestionHealth, readMarketDataConfig } from "../../market-data";
import { projectionLag } from "../../trading";
import { latestVerification } from "../backups/verify.service";
import type { OpsSettings } from "../ops.config";
import type { Observation, Rule } from "./alerts.model";
import { opsSignalMemory } from "./alerts.tables";

export interface RuleContext {
  env: Env;
  db: Db;
  catalog: JobCatalog;
  settings: OpsSettings;
  nowMs: number;
}

type Reader = (ctx: RuleContext) => Promise<Observation[]>;

/** Counter increments seen within the window, remembered between evaluations. */
async function windowedIncrements(ctx: RuleContext, name: string, counter: number): Promise<number> {
  const [row] = await ctx.db.select().from(opsSignalMemory).where(eq(opsSignalMemory.name, name));
  const memory = row ? (JSON.parse(row.valueJson) as { last: number; events: [number, number][] }) : undefined;
  const delta = memory === undefined ? 0 : counter < memory.last ? counter : counter - memory.last;
  const since = ctx.nowMs - ctx.settings.ALERT_WINDOW_MIN * MINUTE;
  const events = (memory?.events ?? []).filter(([at]) => at > since);
  if (delta > 0) events.push([ctx.nowMs, delta]);
  const value = JSON.stringify({ last: counter, events });
  await ctx.db
    .insert(opsSignalMemory)
    .values({ name, valueJson: value, updatedAtMs: ctx.nowMs })
    .onConflictDoUpdate({ target: opsSignalMemory.name, set: { valueJson: value, updatedAtMs: ctx.nowMs } });
  return events.reduce((n, [, d]) => n + d, 0);
}

async function budgetCounters(ctx: RuleContext) {
  return budgetStatus(ctx.env.HYPERLIQUID_BUDGET);
}

export const RULE_READERS: Readonly<Record<Rule, Reader>> = {
  async job_stale(ctx) {
    return (await workersHealth(ctx.catalog, ctx.db, ctx.nowMs))
      .filter((j) => j.expectedCadenceSec !== null)
      .map((j) => ({
        rule: "job_stale",
        subject: j.job,
        severity: "warning",
        active: j.stale,
        summary: j.lastRun
          ? `job ${j.job} last started ${Math.round(j.lastRun.ageMs / 1000)} s ago (cadence ${j.expectedCadenceSec} s)`
          : `job ${j.job} has never run (cadence ${j.expectedCadenceSec} s)`,
        details: { crons: j.crons, lastRunId: j.lastRun?.id ?? null, ageMs: j.lastRun?.ageMs ?? null },
      }));
  },
  async job_failing(ctx) {
    return (await workersHealth(ctx.catalog, ctx.db, ctx.nowMs)).map((j) => ({
      rule: "job_failing",
      subject: j.job,
      severity: "critical",
      active: j.lastRun?.status === "error",
      summary: `job ${j.job} last run failed: ${j.lastRun?.error ?? "(no error)"}`,
      details: { lastRunId: j.lastRun?.id ?? null },
    }));
  },
  async ingestion_lag(ctx) {
    const rows = await ingestionHealth(ctx.env.DB, readMarketDataConfig(ctx.env), ctx.nowMs);
    return rows.map((h) => {
      const limitMs = Math.round((h.staleAfterMs * ctx.settings.ALERT_INGESTION_LAG_PCT) / 100);
      const lagging = h.lagMs === null || h.lagMs > limitMs;
      return {
        rule: "ingestion_lag",
        subject: `${h.source}:${h.channel}`,
        severity: "warning",
        active: h.status !== "disabled" && (h.status === "failing" || lagging),
        summary:
          h.status === "failing"
            ? `${h.source}:${h.channel} failing (${h.consecutiveFailures} consecutive failures)`
            : `${h.source}:${h.channel} lag ${h.lagMs === null ? "unknown (no data)" : `${Math.round(h.lagMs / 1000)} s`} > ${Math.round(limitMs / 1000)} s`,
        details: { status: h.status, lagMs: h.lagMs, limitMs, lastError: h.lastError },
      };
    });
  },
  async hyperliquid_429(ctx) {
    const status = await budgetCounters(ctx);
    const n = await windowedIncrements(ctx, "hyperliquid_budget.penalties", status.penalties);
    return [
      {
        rule: "hyperliquid_429",
        subject: "egress-default",
        severity: "warning",
        active: n >= ctx.settings.ALERT_HL_429_COUNT,
        summary: `${n} Hyperliquid 429s in the last ${ctx.settings.ALERT_WINDOW_MIN} min`,
        details: { count: n, threshold: ctx.settings.ALERT_HL_429_COUNT },
      },
    ];
  },
  async hyperliquid_budget_exhausted(ctx) {
    const status = await budgetCounters(ctx);
    const n = await windowedIncrements(ctx, "hyperliquid_budget.refused", status.refused);
    return [
      {
        rule: "hyperliquid_budget_exhausted",
        subject: "egress-default",
        severity: "warning",
        active: n >= ctx.settings.ALERT_HL_REFUSED_COUNT,
        summary: `${n} requests refused by the Hyperliquid weight budget in the last ${ctx.settings.ALERT_WINDOW_MIN} min (${status.waiting} waiting)`,
        details: { refused: n, waiting: status.waiting, available: status.available },
      },
    ];
  },
  async decision_dead_letters(ctx) {
    const h = await decisionRunHealth(ctx.env.DB, ctx.nowMs - ctx.settings.ALERT_WINDOW_MIN * MINUTE, ctx.nowMs);
    return [
      {
        rule: "decision_dead_letters",
        subject: "decision-runs",
        severity: "critical",
        active: h.deadLettered >= ctx.settings.ALERT_DECISION_DEAD_LETTERS,
        summary: `${h.deadLettered} decision runs dead-lettered in the last ${ctx.settings.ALERT_WINDOW_MIN} min`,
        details: { ...h },
      },
    ];
  },
  async decision_failures(ctx) {
    const s = ctx.settings;
    const h = await decisionRunHealth(
      ctx.env.DB,
      ctx.nowMs - s.ALERT_WINDOW_MIN * MINUTE,
      ctx.nowMs - s.ALERT_DECISION_EXPIRED_MIN * MINUTE,
    );
    const judged = h.finished + h.expired;
    const bad = h.failed + h.expired;
    const pct = judged ? (100 * bad) / judged : 0;
    return [
      {
        rule: "decision_failures",
        subject: "decision-runs",
        severity: "critical",
        active: judged >= s.ALERT_DECISION_MIN_RUNS && pct >= s.ALERT_DECISION_FAILURE_PCT,
        summary: `${bad} of ${judged} decision runs failed or expired in the last ${s.ALERT_WINDOW_MIN} min (${pct.toFixed(0)} %)`,
        details: { ...h, pct },
      },
    ];
  },
  async prop_outbox_lag(ctx) {
    const lag = await projectionLag(ctx.env.DB, ctx.nowMs, ctx.settings.ALERT_PROP_OUTBOX_LAG_SEC * 1000);
    return [
      {
        rule: "prop_outbox_lag",
        subject: "prop-accounts",
        severity: "critical",
        active: lag.lagging > 0,
        summary: `${lag.lagging} of ${lag.active} active prop accounts not projected for over ${ctx.settings.ALERT_PROP_OUTBOX_LAG_SEC} s`,
        details: { ...lag },
      },
    ];
  },
  async payment_rpc(ctx) {
    const h = await paymentRpcHealth(ctx.env);
    if (!h.configured) return [];
    return [
      {
        rule: "payment_rpc",
        subject: h.rpcHost,
        severity: "critical",
        active: !h.ok,
        summary: h.ok ? `payment RPC ${h.rpcHost} answers` : `payment RPC ${h.rpcHost} unavailable: ${h.message}`,
        details: { message: h.message },
      },
    ];
  },
  async backup_verify(ctx) {
    const v = await latestVerification(ctx.db);
    if (!v) return [];
    // A verification older than two days means the verify job itself stopped (job_stale says so too).
    const overdue = ctx.nowMs - v.checkedAtMs > 2 * 24 * 3_600_000;
    const problems = JSON.parse(v.problemsJson) as string[];
    return [
      {
        rule: "backup_verify",
        subject: "d1",
        severity: "critical",
        active: !v.ok || overdue,
        summary: overdue
          ? "no backup verification for over 2 days"
          : v.ok
            ? "newest backup verified"
            : `backup check failed: ${problems.join("; ")}`,
        details: { backupId: v.backupId, manifestKey: v.manifestKey, checkedAtMs: v.checkedAtMs, problems },
      },
    ];
  },
};
