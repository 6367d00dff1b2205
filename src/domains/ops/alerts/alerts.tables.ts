/**
 * D1 tables of the alerts room (migration 0130). `ops_alerts` holds one row per episode of a dedup key:
 * at most one open (pending or firing) row per key, enforced by a partial unique index, so two
 * overlapping evaluations can never open the same alert twice. Notifications are an outbox whose
 * delivery attempts are recorded one row each (`ops_alert_deliveries`), never updated.
 */

import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ALERT_STATES, CHANNELS, DELIVERY_STATUSES, NOTIFICATION_KINDS, NOTIFICATION_STATUSES, SEVERITIES } from "./alerts.model";

export const opsAlerts = sqliteTable(
  "ops_alerts",
  {
    id: text("id").primaryKey(),
    dedupKey: text("dedup_key").notNull(),
    rule: text("rule").notNull(),
    severity: text("severity", { enum: SEVERITIES }).notNull(),
    state: text("state", { enum: ALERT_STATES }).notNull(),
    summary: text("summary").notNull(),
    detailsJson: text("details_json").notNull(),
    firstSeenMs: integer("first_seen_ms").notNull(),
    firedAtMs: integer("fired_at_ms"),
    endedAtMs: integer("ended_at_ms"),
    lastEvaluatedMs: integer("last_evaluated_ms").notNull(),
    lastNotifiedMs: integer("last_notified_ms"),
    ackedBy: text("acked_by"),
    ackReason: text("ack_reason"),
    ackedAtMs: integer("acked_at_ms"),
    ackExpiresMs: integer("ack_expires_ms"),
  },
  (t) => [
    uniqueIndex("ops_alerts_open_uq").on(t.dedupKey).where(sql`state IN ('pending', 'firing')`),
    index("ops_alerts_state_idx").on(t.state, t.firstSeenMs),
    index("ops_alerts_recent_idx").on(t.firstSeenMs),
  ],
);
export type AlertRow = typeof opsAlerts.$inferSelect;

export const opsAlertSilences = sqliteTable(
  "ops_alert_silences",
  {
    id: text("id").primaryKey(),
    /** An exact dedup key, or a prefix ending in `*` (`job_stale:*`). */
    matcher: text("matcher").notNull(),
    reason: text("reason").notNull(),
    createdBy: text("created_by").notNull(),
    createdAtMs: integer("created_at_ms").notNull(),
    expiresAtMs: integer("expires_at_ms").notNull(),
    /** Set when an operator ends the silence before it expires. */
    endedAtMs: integer("ended_at_ms"),
  },
  (t) => [index("ops_alert_silences_expires_idx").on(t.expiresAtMs)],
);
export type SilenceRow = typeof opsAlertSilences.$inferSelect;

/** Operator actions of the ops domain (acknowledge, silence, end silence, test notification). */
export const opsAudit = sqliteTable(
  "ops_audit",
  {
    id: text("id").primaryKey(),
    atMs: integer("at_ms").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target").notNull(),
    reason: text("reason").notNull(),
    expiresAtMs: integer("expires_at_ms"),
    detailsJson: text("details_json"),
  },
  (t) => [index("ops_audit_at_idx").on(t.atMs)],
);
export type AuditRow = typeof opsAudit.$inferSelect;

export const opsAlertNotifications = sqliteTable(
  "ops_alert_notifications",
  {
    id: text("id").primaryKey(),
    /** Null for a test notification. */
    alertId: text("alert_id"),
    channel: text("channel", { enum: CHANNELS }).notNull(),
    kind: text("kind", { enum: NOTIFICATION_KINDS }).notNull(),
    payloadJson: text("payload_json").notNull(),
    status: text("status", { enum: NOTIFICATION_STATUSES }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAtMs: integer("next_attempt_at_ms"),
    createdAtMs: integer("created_at_ms").notNull(),
    finishedAtMs: integer("finished_at_ms"),
  },
  (t) => [index("ops_alert_notifications_due_idx").on(t.status, t.nextAttemptAtMs)],
);
export type NotificationRow = typeof opsAlertNotifications.$inferSelect;

export const opsAlertDeliveries = sqliteTable(
  "ops_alert_deliveries",
  {
    id: text("id").primaryKey(),
    notificationId: text("notification_id").notNull(),
    alertId: text("alert_id"),
    channel: text("channel", { enum: CHANNELS }).notNull(),
    attempt: integer("attempt").notNull(),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull(),
    httpStatus: integer("http_status"),
    error: text("error"),
    atMs: integer("at_ms").notNull(),
    durationMs: integer("duration_ms").notNull(),
  },
  (t) => [uniqueIndex("ops_alert_deliveries_attempt_uq").on(t.notificationId, t.attempt), index("ops_alert_deliveries_at_idx").on(t.atMs)],
);
export type DeliveryRow = typeof opsAlertDeliveries.$inferSelect;

/** What a rule remembers between evaluations (e.g. the last 429 counter it saw). */
export const opsSignalMemory = sqliteTable("ops_signal_memory", {
  name: text("name").primaryKey(),
  valueJson: text("value_json").notNull(),
  updatedAtMs: integer("updated_at_ms").notNull(),
});
