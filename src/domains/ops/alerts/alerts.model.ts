/**
 * Alerts, pure: what a rule observes, the episode lifecycle of one dedup key (a transition table), the
 * decision whether to notify, silences, delivery backoff and the notification payloads.
 *
 * Invariants:
 *   - A dedup key (`<rule>:<subject>`) has at most one open episode (pending or firing).
 *   - An alert fires only after its condition has held for the minimum duration (no flapping): a
 *     condition that clears while pending ends the episode `discarded`, and nobody is notified.
 *   - `firing -> resolved` is the only way a fired alert ends, and it notifies (unless silenced).
 *   - Silences and acknowledgements only suppress notifications; they never change what is firing.
 * Callers: alerts.service.ts (evaluation), notify.service.ts (payloads), the routes (schemas).
 */
import { z } from "@hono/zod-openapi";

export const RULES = [
  "job_stale",
  "job_failing",
  "ingestion_lag",
  "hyperliquid_429",
  "hyperliquid_budget_exhausted",
  "decision_dead_letters",
  "decision_failures",
  "prop_outbox_lag",
  "payment_rpc",
  "backup_verify",
] as const;
export const RuleSchema = z.enum(RULES);
export type Rule = z.infer<typeof RuleSchema>;

export const SEVERITIES = ["warning", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_STATES = ["pending", "firing", "resolved", "discarded"] as const;
export const AlertStateSchema = z.enum(ALERT_STATES);
export type AlertState = z.infer<typeof AlertStateSchema>;

export const CHANNELS = ["webhook", "slack"] as const;
export const ChannelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof ChannelSchema>;

export const NOTIFICATION_KINDS = ["firing", "resolved", "reminder", "test"] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export const NOTIFICATION_STATUSES = ["pending", "delivered", "failed"] as const;
export const DELIVERY_STATUSES = ["delivered", "failed"] as const;
export const DeliveryStatusSchema = z.enum(DELIVERY_STATUSES);

/** One condition a rule saw at an evaluation: `active` means "something is wrong with `subject` now". */
export interface Observation {
  rule: Rule;
  subject: string;
  severity: Severity;
  active: boolean;
  summary: string;
  details: Record<string, unknown>;
}

export const dedupKey = (o: Pick<Observation, "rule" | "subject">) => `${o.rule}:${o.subject}`;

// ---------- the episode lifecycle ----------

/** `hold`: still active, not yet held long enough; `elapse`: active for at least the minimum duration; `clear`: condition gone. */
export const ALERT_EVENTS = ["hold", "elapse", "clear"] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

export const ALERT_TRANSITIONS: Readonly<Record<AlertState, Readonly<Partial<Record<AlertEvent, AlertState>>>>> = {
  pending: { hold: "pending", elapse: "firing", clear: "discarded" },
  firing: { hold: "firing", elapse: "firing", clear: "resolved" },
  resolved: {},
  discarded: {},
};

export interface InvalidTransition {
  kind: "invalid_transition";
  from: AlertState;
  event: AlertEvent;
}

/** The state after `event`, or InvalidTransition (ended episodes accept nothing: a new one is opened). */
export function transition(state: AlertState, event: AlertEvent): AlertState | InvalidTransition {
  return ALERT_TRANSITIONS[state][event] ?? { kind: "invalid_transition", from: state, event };
}

/** The open episode of a key as the evaluation needs it. */
export interface OpenAlert {
  state: "pending" | "firing";
  firstSeenMs: number;
  lastNotifiedMs: number | null;
  ackExpiresMs: number | null;
}

export interface Step {
  /** The state after this evaluation (a new pending episode when there was none and the condition is active). */
  state: AlertState;
  /** What to tell the channels, if anything (before silences are applied). */
  notify: "firing" | "resolved" | "reminder" | null;
}

/**
 * One evaluation of one key: the previous open episode (or none), whether the condition holds now,
 * and the settings. Returns undefined when there is nothing to record (no episode, condition clear).
 */
export function step(
  open: OpenAlert | undefined,
  active: boolean,
  nowMs: number,
  settings: { minDurationMs: number; renotifyMs: number },
): Step | undefined {
  if (!open && !active) return undefined;
  const since = open?.firstSeenMs ?? nowMs;
  const event: AlertEvent = !active ? "clear" : nowMs - since >= settings.minDurationMs ? "elapse" : "hold";
  const from: AlertState = open?.state ?? "pending";
  const next = transition(from, event);
  if (typeof next !== "string") throw new Error(`alert transition ${next.from} --${next.event}--> is not allowed`);
  if (from === "pending" && next === "firing") return { state: next, notify: "firing" };
  if (from === "firing" && next === "resolved") return { state: next, notify: "resolved" };
  if (next === "firing" && open?.lastNotifiedMs != null && settings.renotifyMs > 0) {
    const acked = open.ackExpiresMs !== null && open.ackExpiresMs > nowMs;
    if (!acked && nowMs - open.lastNotifiedMs >= settings.renotifyMs) return { state: next, notify: "reminder" };
  }
  return { state: next, notify: null };
}

// ---------- silences ----------

export const SilenceMatcherSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9_]+(:[^*\s]*)?\*?$/, "a dedup key (`rule:subject`) or a prefix ending in `*`");

/** Whether a silence matcher covers `key`: exact, or a prefix when it ends in `*`. */
export function silenceMatches(matcher: string, key: string): boolean {
  return matcher.endsWith("*") ? key.startsWith(matcher.slice(0, -1)) : matcher === key;
}

export function isSilenced(
  silences: readonly { matcher: string; expiresAtMs: number; endedAtMs: number | null }[],
  key: string,
  nowMs: number,
): boolean {
  return silences.some((s) => s.endedAtMs === null && s.expiresAtMs > nowMs && silenceMatches(s.matcher, key));
}

// ---------- deliveries ----------

/** Delay before attempt `attempt + 1` after `attempt` failed: base, 2x base, 4x base, ... capped at one hour. */
export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 3_600_000);
}

/** What one notification says, whatever the channel. */
export interface NotificationContent {
  notificationId: string;
  kind: NotificationKind;
  sentAtMs: number;
  environment: string;
  alert: {
    id: string | null;
    key: string;
    rule: string;
    severity: Severity;
    state: AlertState | "test";
    summary: string;
    firstSeenMs: number;
    firedAtMs: number | null;
    endedAtMs: number | null;
    details: Record<string, unknown>;
  };
}

/** The generic JSON webhook body (signed, see signatureBase). */
export function webhookBody(content: NotificationContent): string {
  return JSON.stringify({ version: 1, ...content });
}

/** A Slack-compatible incoming-webhook body: `text` (the fallback) and one mrkdwn section. */
export function slackBody(content: NotificationContent): string {
  const icon =
    content.kind === "resolved" ? ":white_check_mark:" : content.alert.severity === "critical" ? ":rotating_light:" : ":warning:";
  const head = `${icon} [${content.environment}] ${content.kind.toUpperCase()} ${content.alert.key}`;
  const text = `${head}: ${content.alert.summary}`;
  return JSON.stringify({
    text,
    blocks: [{ type: "section", text: { type: "mrkdwn", text: `*${head}*\n${content.alert.summary}` } }],
  });
}

/** Header names of the signed webhook. */
export const SIGNATURE_HEADER = "x-clash-signature";
export const TIMESTAMP_HEADER = "x-clash-timestamp";
export const DELIVERY_HEADER = "x-clash-delivery";
/** Receivers reject a timestamp further than this from their clock (and dedupe by the delivery header within it). */
export const REPLAY_WINDOW_SEC = 300;

/** What is signed: `<timestamp seconds>.<raw body>`, so a captured body cannot be replayed with a new timestamp. */
export function signatureBase(timestampSec: number, body: string): string {
  return `${timestampSec}.${body}`;
}
