/**
 * Notifications: an outbox in D1 (`ops_alert_notifications`), delivered to every configured channel,
 * each attempt recorded in `ops_alert_deliveries` (delivered or failed, HTTP status, time). A failed
 * attempt is retried with exponential backoff at the next evaluation due (every minute), up to
 * ALERT_DELIVERY_MAX_ATTEMPTS, after which the notification is `failed`.
 *
 * Generic webhook: JSON body, `x-clash-timestamp` (unix seconds), `x-clash-signature: v1=<hex>` where
 * hex = HMAC-SHA256(ALERT_WEBHOOK_SECRET, "<timestamp>.<body>"), and `x-clash-delivery` (the notification
 * id, stable across retries) for receivers to dedupe inside the replay window (REPLAY_WINDOW_SEC).
 * Slack: the incoming-webhook body (`text` + blocks), unsigned as Slack expects (the URL is the secret).
 *
 * Invariants: an attempt row is unique per (notification, attempt), so two overlapping deliverers
 * cannot both record attempt n; a notification leaves `pending` only as delivered or after its last attempt.
 * Callers: alerts.service.ts (after each evaluation, test notifications).
 */
import { and, asc, eq, lte } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import type { Db } from "../../../db/client";
import type { OpsSettings } from "../ops.config";
import {
  backoffMs,
  type Channel,
  DELIVERY_HEADER,
  type NotificationContent,
  SIGNATURE_HEADER,
  signatureBase,
  slackBody,
  TIMESTAMP_HEADER,
  webhookBody,
} from "./alerts.model";
import { type NotificationRow, opsAlertDeliveries, opsAlertNotifications } from "./alerts.tables";

export type NotifySettings = Pick<
  OpsSettings,
  | "ALERT_WEBHOOK_URL"
  | "ALERT_WEBHOOK_SECRET"
  | "ALERT_SLACK_WEBHOOK_URL"
  | "ALERT_DELIVERY_MAX_ATTEMPTS"
  | "ALERT_DELIVERY_BACKOFF_SEC"
  | "ALERT_DELIVERY_TIMEOUT_MS"
>;

export interface NotifyDeps {
  db: Db;
  deps: AppDeps;
  settings: NotifySettings;
}

/** The channels with a URL configured. */
export function configuredChannels(s: NotifySettings): Channel[] {
  const out: Channel[] = [];
  if (s.ALERT_WEBHOOK_URL) out.push("webhook");
  if (s.ALERT_SLACK_WEBHOOK_URL) out.push("slack");
  return out;
}

export async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Queues one notification per configured channel; returns their ids. */
export async function enqueue(
  n: NotifyDeps,
  content: Omit<NotificationContent, "notificationId">,
  alertId: string | null,
): Promise<string[]> {
  const nowMs = n.deps.clock.nowMs();
  const rows = configuredChannels(n.settings).map((channel) => {
    const id = n.deps.ids.next("ntf");
    const payload: NotificationContent = { notificationId: id, ...content };
    return {
      id,
      alertId,
      channel,
      kind: content.kind,
      payloadJson: JSON.stringify(payload),
      status: "pending" as const,
      attempts: 0,
      nextAttemptAtMs: nowMs,
      createdAtMs: nowMs,
    };
  });
  if (rows.length) await n.db.insert(opsAlertNotifications).values(rows);
  return rows.map((r) => r.id);
}

interface AttemptResult {
  delivered: boolean;
  httpStatus: number | null;
  error: string | null;
}

async function send(n: NotifyDeps, row: NotificationRow): Promise<AttemptResult> {
  const content = JSON.parse(row.payloadJson) as NotificationContent;
  const s = n.settings;
  const url = row.channel === "webhook" ? s.ALERT_WEBHOOK_URL : s.ALERT_SLACK_WEBHOOK_URL;
  if (!url) return { delivered: false, httpStatus: null, error: `channel ${row.channel} is not configured` };
  const body = row.channel === "webhook" ? webhookBody(content) : slackBody(content);
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "clash-arena-alerts/1" };
  if (row.channel === "webhook") {
    const timestampSec = Math.floor(n.deps.clock.nowMs() / 1000);
    headers[TIMESTAMP_HEADER] = String(timestampSec);
    headers[SIGNATURE_HEADER] = `v1=${await hmacHex(s.ALERT_WEBHOOK_SECRET ?? "", signatureBase(timestampSec, body))}`;
    headers[DELIVERY_HEADER] = row.id;
  }
  try {
    const res = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(s.ALERT_DELIVERY_TIMEOUT_MS) });
    await res.body?.cancel();
    return { delivered: res.ok, httpStatus: res.status, error: res.ok ? null : `HTTP ${res.status}` };
  } catch (error) {
    return { delivered: false, httpStatus: null, error: (error instanceof Error ? error.message : String(error)).slice(0, 300) };
  }
}

/** One attempt of one notification, recorded; the row moves to delivered, failed, or its next due time. */
export async function attempt(n: NotifyDeps, row: NotificationRow): Promise<AttemptResult & { attempt: number }> {
  const started = n.deps.clock.nowMs();
  const result = await send(n, row);
  const number = row.attempts + 1;
  const atMs = n.deps.clock.nowMs();
  const last = number >= n.settings.ALERT_DELIVERY_MAX_ATTEMPTS;
  const status = result.delivered ? "delivered" : last ? "failed" : "pending";
  await n.db.batch([
    n.db
      .insert(opsAlertDeliveries)
      .values({
        id: `${row.id}_${number}`,
        notificationId: row.id,
        alertId: row.alertId,
        channel: row.channel,
        attempt: number,
        status: result.delivered ? "delivered" : "failed",
        httpStatus: result.httpStatus,
        error: result.error,
        atMs,
        durationMs: atMs - started,
      })
      .onConflictDoNothing(),
    n.db
      .update(opsAlertNotifications)
      .set({
        status,
        attempts: number,
        nextAttemptAtMs: status === "pending" ? atMs + backoffMs(number, n.settings.ALERT_DELIVERY_BACKOFF_SEC * 1000) : null,
        finishedAtMs: status === "pending" ? null : atMs,
      })
      .where(and(eq(opsAlertNotifications.id, row.id), eq(opsAlertNotifications.attempts, row.attempts))),
  ]);
  return { ...result, attempt: number };
}

/** Attempts every pending notification that is due (oldest first, at most `limit`). */
export async function deliverDue(n: NotifyDeps, limit = 50): Promise<{ delivered: number; failed: number }> {
  const nowMs = n.deps.clock.nowMs();
  const due = await n.db
    .select()
    .from(opsAlertNotifications)
    .where(and(eq(opsAlertNotifications.status, "pending"), lte(opsAlertNotifications.nextAttemptAtMs, nowMs)))
    .orderBy(asc(opsAlertNotifications.nextAttemptAtMs))
    .limit(limit);
  let delivered = 0;
  let failed = 0;
  for (const row of due) {
    const r = await attempt(n, row);
    if (r.delivered) delivered++;
    else failed++;
  }
  return { delivered, failed };
}
