/**
 * Ops settings (alerts, notification channels, backups), composed into the Worker configuration
 * (src/config.ts) so a bad value fails at the edge before anything is served. Every threshold has a
 * default; an empty string means "unset" (the default applies, or the channel is off), so
 * wrangler.toml can list every setting with an empty value.
 *
 * Invariants enforced here: a webhook URL needs its signing secret; backup exclusions name only
 * re-derivable market-data tables (money and lifecycle tables are never excludable).
 */
import { z } from "zod";
import { withoutBlankSettings } from "../../core/config-values";
import { EXCLUDABLE_TABLES } from "./backups/backup.model";

/** "" and undefined are both "unset". */
const unset = (v: unknown) => (v === "" || v === undefined || v === null ? undefined : v);
const num = (fallback: number, min = 0, max = 1_000_000_000) =>
  z.preprocess(unset, z.coerce.number().int().min(min).max(max).default(fallback));
const optionalUrl = z.preprocess(unset, z.url().optional());
const optionalText = z.preprocess(unset, z.string().optional());
const list = z.preprocess(
  unset,
  z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
);

export const OpsConfigSchema = z.object({
  /** A condition must hold this long before its alert fires (no flapping). */
  ALERT_MIN_DURATION_SEC: num(180),
  /** A firing, unacknowledged alert is re-sent after this long; 0 = never. */
  ALERT_RENOTIFY_MIN: num(240),
  /** Rules switched off (comma list of rule names, see alerts.model.ts RULES). */
  ALERT_DISABLED_RULES: list,
  /** Generic JSON webhook (HMAC-SHA256 signed); unset = channel off. */
  ALERT_WEBHOOK_URL: optionalUrl,
  /** Secret of the webhook signature (a Worker secret, at least 16 characters). */
  ALERT_WEBHOOK_SECRET: optionalText,
  /** Slack-compatible incoming webhook; unset = channel off. */
  ALERT_SLACK_WEBHOOK_URL: optionalUrl,
  ALERT_DELIVERY_MAX_ATTEMPTS: num(5, 1, 20),
  /** First retry delay; doubles per attempt (capped at one hour). */
  ALERT_DELIVERY_BACKOFF_SEC: num(30, 1),
  ALERT_DELIVERY_TIMEOUT_MS: num(5000, 100, 60_000),
  /** A channel is lagging when its lag exceeds its own stale threshold times this factor (percent). */
  ALERT_INGESTION_LAG_PCT: num(100, 1),
  /** 429s from Hyperliquid (budget penalties) within the window that fire `hyperliquid_429`. */
  ALERT_HL_429_COUNT: num(1, 1),
  /** Requests refused by the weight budget within the window that fire `hyperliquid_budget_exhausted`. */
  ALERT_HL_REFUSED_COUNT: num(1, 1),
  /** Window of the event-counting rules (429s, refusals, dead letters, run failures). */
  ALERT_WINDOW_MIN: num(15, 1),
  ALERT_DECISION_DEAD_LETTERS: num(1, 1),
  /** Failed or expired decision runs, in percent of the runs finished in the window. */
  ALERT_DECISION_FAILURE_PCT: num(20, 1, 100),
  /** Fewer finished runs than this in the window never fire `decision_failures` (too few to judge). */
  ALERT_DECISION_MIN_RUNS: num(5, 1),
  /** A decision run still pending this long after its creation has expired. */
  ALERT_DECISION_EXPIRED_MIN: num(10, 1),
  /** An active prop account whose D1 projection is older than this is lagging (the outbox is not draining). */
  ALERT_PROP_OUTBOX_LAG_SEC: num(300, 1),
  /** R2 key prefix of the logical D1 backups. */
  BACKUP_PREFIX: z.preprocess(
    unset,
    z
      .string()
      .regex(/^[a-z0-9/_-]+\/$/, "a key prefix ending in /")
      .default("backups/d1/"),
  ),
  /** Re-derivable market-data tables left out of the backup (comma list; see EXCLUDABLE_TABLES). */
  BACKUP_EXCLUDE_TABLES: list.pipe(z.array(z.enum(EXCLUDABLE_TABLES, "only re-derivable market-data tables may be excluded"))),
  BACKUP_ROWS_PER_PART: num(5000, 1, 1_000_000),
  /** Rows one invocation writes before it saves its cursor and leaves the rest to the next run. */
  BACKUP_ROWS_PER_RUN: num(200_000, 1),
  /** The newest backup must be younger than this (the verify job alerts otherwise). */
  BACKUP_MAX_AGE_HOURS: num(26, 1),
});

export type OpsSettings = z.infer<typeof OpsConfigSchema>;

/** Cross-field checks, run by the composed configuration (src/config.ts) and by readOpsSettings. */
export function refineOpsSettings(s: OpsSettings, ctx: z.RefinementCtx): void {
  if (s.ALERT_WEBHOOK_URL && (!s.ALERT_WEBHOOK_SECRET || s.ALERT_WEBHOOK_SECRET.length < 16)) {
    ctx.addIssue({
      code: "custom",
      path: ["ALERT_WEBHOOK_SECRET"],
      message: "ALERT_WEBHOOK_SECRET (at least 16 characters) is required when ALERT_WEBHOOK_URL is set",
    });
  }
}

const memo = new WeakMap<object, OpsSettings>();

/** The ops part of `env`, parsed once per env object (ops code reads its own part; src/config.ts validates the whole at the edge). */
export function readOpsSettings(env: object): OpsSettings {
  const cached = memo.get(env);
  if (cached) return cached;
  const parsed = OpsConfigSchema.superRefine(refineOpsSettings).safeParse(withoutBlankSettings(env));
  if (!parsed.success) throw new Error(`invalid ops settings: ${z.prettifyError(parsed.error)}`);
  memo.set(env, parsed.data);
  return parsed.data;
}
