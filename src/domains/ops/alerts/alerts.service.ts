/**
 * Alert use cases: evaluate every rule (the `ops.evaluate-alerts` job, every minute), acknowledge,
 * silence, send a test notification, and the listings behind the admin routes.
 *
 * Invariants: evaluation only moves the alerts of rules it evaluated successfully; an alert opens with
 * an insert guarded by the one-open-episode-per-key index, so overlapping evaluations cannot open it
 * twice; acknowledge and silence write their change and the audit row in one D1 batch.
 * Callers: ops.jobs.ts, alerts.routes.ts, tests.
 */
import { and, desc, eq, gt, gte, inArray, isNull, type SQL } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import type { JobCatalog } from "../../../cron/job";
import type { Db } from "../../../db/client";
import type { OpsSettings } from "../ops.config";
import { type AlertState, dedupKey, isSilenced, type Observation, RULES, type Rule, step } from "./alerts.model";
import { RULE_READERS } from "./alerts.rules";
import { type AlertRow, opsAlertDeliveries, opsAlertNotifications, opsAlertSilences, opsAlerts, opsAudit } from "./alerts.tables";
import { attempt, configuredChannels, deliverDue, enqueue } from "./notify.service";

export interface AlertsDeps {
  db: Db;
  env: Env;
  deps: AppDeps;
  settings: OpsSettings;
}

export interface Evaluation {
  evaluated: Rule[];
  errors: { rule: Rule; message: string }[];
  transitions: { key: string; from: AlertState | null; to: AlertState; notified: boolean; silenced: boolean }[];
  deliveries: { delivered: number; failed: number };
}

const openStates: AlertState[] = ["pending", "firing"];

async function activeSilences(db: Db, nowMs: number) {
  return db
    .select()
    .from(opsAlertSilences)
    .where(and(isNull(opsAlertSilences.endedAtMs), gt(opsAlertSilences.expiresAtMs, nowMs)));
}

/** Evaluates `rules` (all enabled rules by default), records transitions, queues and delivers notifications. */
export async function evaluateAlerts(a: AlertsDeps, catalog: JobCatalog, rules: readonly Rule[] = RULES): Promise<Evaluation> {
  const nowMs = a.deps.clock.nowMs();
  const s = a.settings;
  const disabled = new Set(s.ALERT_DISABLED_RULES);
  const out: Evaluation = { evaluated: [], errors: [], transitions: [], deliveries: { delivered: 0, failed: 0 } };
  const observed = new Map<string, Observation>();
  for (const rule of rules) {
    if (disabled.has(rule)) continue;
    try {
      for (const o of await RULE_READERS[rule]({ env: a.env, db: a.db, catalog, settings: s, nowMs })) observed.set(dedupKey(o), o);
      out.evaluated.push(rule);
    } catch (error) {
      out.errors.push({ rule, message: error instanceof Error ? error.message : String(error) });
    }
  }
  const evaluated = new Set<string>(out.evaluated);
  const open = await a.db.select().from(opsAlerts).where(inArray(opsAlerts.state, openStates));
  const openByKey = new Map(open.map((r) => [r.dedupKey, r]));
  const silences = await activeSilences(a.db, nowMs);
  const timing = { minDurationMs: s.ALERT_MIN_DURATION_SEC * 1000, renotifyMs: s.ALERT_RENOTIFY_MIN * 60_000 };

  const subjects: { key: string; row: AlertRow | undefined; obs: Observation | undefined }[] = [];
  for (const [key, obs] of observed) subjects.push({ key, row: openByKey.get(key), obs });
  for (const row of open)
    if (evaluated.has(row.rule) && !observed.has(row.dedupKey)) subjects.push({ key: row.dedupKey, row, obs: undefined });

  for (const { key, row, obs } of subjects) {
    const prior = row
      ? {
          state: row.state as "pending" | "firing",
          firstSeenMs: row.firstSeenMs,
          lastNotifiedMs: row.lastNotifiedMs,
          ackExpiresMs: row.ackExpiresMs,
        }
      : undefined;
    const next = step(prior, obs?.active ?? false, nowMs, timing);
    if (!next) continue;
    const silenced = isSilenced(silences, key, nowMs);
    const notify = next.notify !== null && !silenced;
    const firedAtMs = next.state === "firing" && prior?.state !== "firing" ? nowMs : (row?.firedAtMs ?? null);
    const endedAtMs = next.state === "resolved" || next.state === "discarded" ? nowMs : null;
    let id = row?.id;
    const fields = {
      state: next.state,
      lastEvaluatedMs: nowMs,
      firedAtMs,
      endedAtMs,
      ...(obs ? { summary: obs.summary, detailsJson: JSON.stringify(obs.details), severity: obs.severity } : {}),
      ...(notify ? { lastNotifiedMs: nowMs } : {}),
    };
    if (!row) {
      if (!obs) continue;
      id = a.deps.ids.next("alert");
      const inserted = await a.db
        .insert(opsAlerts)
        .values({
          id,
          dedupKey: key,
          rule: obs.rule,
          summary: obs.summary,
          detailsJson: "{}",
          severity: obs.severity,
          firstSeenMs: nowMs,
          ...fields,
        })
        .onConflictDoNothing()
        .returning({ id: opsAlerts.id });
      if (!inserted.length) continue; // another evaluation opened it first
    } else {
      await a.db
        .update(opsAlerts)
        .set(fields)
        .where(and(eq(opsAlerts.id, row.id), eq(opsAlerts.state, row.state)));
    }
    if (next.state !== prior?.state || notify)
      out.transitions.push({ key, from: prior?.state ?? null, to: next.state, notified: notify, silenced });
    if (notify && next.notify) {
      await enqueue(
        a,
        {
          kind: next.notify,
          sentAtMs: nowMs,
          environment: a.env.APP_ENV ?? "development",
          alert: {
            id: id ?? null,
            key,
            rule: obs?.rule ?? (row?.rule as string),
            severity: obs?.severity ?? (row?.severity as "warning" | "critical"),
            state: next.state,
            summary: obs?.summary ?? (row?.summary as string),
            firstSeenMs: row?.firstSeenMs ?? nowMs,
            firedAtMs,
            endedAtMs,
            details: obs?.details ?? (row ? (JSON.parse(row.detailsJson) as Record<string, unknown>) : {}),
          },
        },
        id ?? null,
      );
    }
  }
  out.deliveries = await deliverDue(a);
  return out;
}

export type OpsActionError = { kind: "not_found"; message: string } | { kind: "conflict"; message: string };

/** Acknowledges an open alert until `expiresAtMs`: no reminders until then; audited. */
export async function acknowledgeAlert(
  a: Pick<AlertsDeps, "db" | "deps">,
  input: { alertId: string; actor: string; reason: string; expiresAtMs: number },
): Promise<Result<AlertRow, OpsActionError>> {
  const nowMs = a.deps.clock.nowMs();
  const [row] = await a.db.select().from(opsAlerts).where(eq(opsAlerts.id, input.alertId));
  if (!row) return err({ kind: "not_found", message: `alert ${input.alertId} not found` });
  if (row.state !== "pending" && row.state !== "firing")
    return err({ kind: "conflict", message: `alert ${input.alertId} is ${row.state}` });
  const set = { ackedBy: input.actor, ackReason: input.reason, ackedAtMs: nowMs, ackExpiresMs: input.expiresAtMs };
  await a.db.batch([
    a.db.update(opsAlerts).set(set).where(eq(opsAlerts.id, row.id)),
    a.db.insert(opsAudit).values({
      id: a.deps.ids.next("audit"),
      atMs: nowMs,
      actor: input.actor,
      action: "acknowledge",
      target: row.dedupKey,
      reason: input.reason,
      expiresAtMs: input.expiresAtMs,
      detailsJson: JSON.stringify({ alertId: row.id }),
    }),
  ]);
  return ok({ ...row, ...set });
}

/** Silences every key the matcher covers until `expiresAtMs`: no notifications; audited. */
export async function createSilence(
  a: Pick<AlertsDeps, "db" | "deps">,
  input: { matcher: string; actor: string; reason: string; expiresAtMs: number },
) {
  const nowMs = a.deps.clock.nowMs();
  const silence = {
    id: a.deps.ids.next("silence"),
    matcher: input.matcher,
    reason: input.reason,
    createdBy: input.actor,
    createdAtMs: nowMs,
    expiresAtMs: input.expiresAtMs,
    endedAtMs: null,
  };
  await a.db.batch([
    a.db.insert(opsAlertSilences).values(silence),
    a.db.insert(opsAudit).values({
      id: a.deps.ids.next("audit"),
      atMs: nowMs,
      actor: input.actor,
      action: "silence",
      target: input.matcher,
      reason: input.reason,
      expiresAtMs: input.expiresAtMs,
      detailsJson: JSON.stringify({ silenceId: silence.id }),
    }),
  ]);
  return silence;
}

/** Ends a silence before its expiry; audited. */
export async function endSilence(
  a: Pick<AlertsDeps, "db" | "deps">,
  input: { silenceId: string; actor: string; reason: string },
): Promise<Result<{ id: string; endedAtMs: number }, OpsActionError>> {
  const nowMs = a.deps.clock.nowMs();
  const [row] = await a.db.select().from(opsAlertSilences).where(eq(opsAlertSilences.id, input.silenceId));
  if (!row) return err({ kind: "not_found", message: `silence ${input.silenceId} not found` });
  if (row.endedAtMs !== null || row.expiresAtMs <= nowMs)
    return err({ kind: "conflict", message: `silence ${input.silenceId} is no longer active` });
  await a.db.batch([
    a.db.update(opsAlertSilences).set({ endedAtMs: nowMs }).where(eq(opsAlertSilences.id, row.id)),
    a.db.insert(opsAudit).values({
      id: a.deps.ids.next("audit"),
      atMs: nowMs,
      actor: input.actor,
      action: "end_silence",
      target: row.matcher,
      reason: input.reason,
      detailsJson: JSON.stringify({ silenceId: row.id }),
    }),
  ]);
  return ok({ id: row.id, endedAtMs: nowMs });
}

/** Sends a test notification through every configured channel now (first attempt inline; retries follow); audited. */
export async function sendTestNotification(a: AlertsDeps, input: { actor: string; message: string }) {
  const nowMs = a.deps.clock.nowMs();
  const ids = await enqueue(
    a,
    {
      kind: "test",
      sentAtMs: nowMs,
      environment: a.env.APP_ENV ?? "development",
      alert: {
        id: null,
        key: "test:notification",
        rule: "test",
        severity: "warning",
        state: "test",
        summary: input.message,
        firstSeenMs: nowMs,
        firedAtMs: null,
        endedAtMs: null,
        details: { requestedBy: input.actor },
      },
    },
    null,
  );
  await a.db.insert(opsAudit).values({
    id: a.deps.ids.next("audit"),
    atMs: nowMs,
    actor: input.actor,
    action: "test_notification",
    target: "all channels",
    reason: input.message,
    detailsJson: JSON.stringify({ notificationIds: ids }),
  });
  const results = [];
  for (const id of ids) {
    const [row] = await a.db.select().from(opsAlertNotifications).where(eq(opsAlertNotifications.id, id));
    if (!row) continue;
    const r = await attempt(a, row);
    results.push({
      notificationId: id,
      channel: row.channel,
      delivered: r.delivered,
      httpStatus: r.httpStatus,
      error: r.error,
      attempt: r.attempt,
    });
  }
  return { channels: configuredChannels(a.settings), results };
}

export interface AlertFilters {
  state?: AlertState;
  rule?: string;
  key?: string;
  sinceMs?: number;
  limit: number;
}

/** Open alerts (pending and firing) and recent ones, newest first, filtered. */
export async function listAlerts(db: Db, f: AlertFilters) {
  const where: SQL[] = [];
  if (f.state) where.push(eq(opsAlerts.state, f.state));
  if (f.rule) where.push(eq(opsAlerts.rule, f.rule));
  if (f.key) where.push(eq(opsAlerts.dedupKey, f.key));
  if (f.sinceMs !== undefined) where.push(gte(opsAlerts.firstSeenMs, f.sinceMs));
  const rows = await db
    .select()
    .from(opsAlerts)
    .where(and(...where))
    .orderBy(desc(opsAlerts.firstSeenMs), desc(opsAlerts.id))
    .limit(f.limit);
  return rows;
}

export async function listSilences(db: Db, nowMs: number) {
  return activeSilences(db, nowMs);
}

export async function listDeliveries(
  db: Db,
  f: { channel?: "webhook" | "slack"; status?: "delivered" | "failed"; alertId?: string; limit: number },
) {
  const where: SQL[] = [];
  if (f.channel) where.push(eq(opsAlertDeliveries.channel, f.channel));
  if (f.status) where.push(eq(opsAlertDeliveries.status, f.status));
  if (f.alertId) where.push(eq(opsAlertDeliveries.alertId, f.alertId));
  return db
    .select()
    .from(opsAlertDeliveries)
    .where(and(...where))
    .orderBy(desc(opsAlertDeliveries.atMs), desc(opsAlertDeliveries.id))
    .limit(f.limit);
}

export async function listAudit(db: Db, limit: number) {
  return db.select().from(opsAudit).orderBy(desc(opsAudit.atMs), desc(opsAudit.id)).limit(limit);
}
