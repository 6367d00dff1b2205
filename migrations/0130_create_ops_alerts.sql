-- Operations alerts (issue 21, src/domains/ops/alerts): one row per alert episode (a dedup key may have
-- many episodes over time but at most one open, pending or firing, at a time), the silences and the
-- audit trail of operator actions, the notification outbox and one row per delivery attempt, and the
-- small memory some rules keep between evaluations (e.g. the last seen 429 counter).
CREATE TABLE ops_alerts (
  id TEXT PRIMARY KEY NOT NULL,
  dedup_key TEXT NOT NULL,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL,
  summary TEXT NOT NULL,
  details_json TEXT NOT NULL,
  first_seen_ms INTEGER NOT NULL,
  fired_at_ms INTEGER,
  ended_at_ms INTEGER,
  last_evaluated_ms INTEGER NOT NULL,
  last_notified_ms INTEGER,
  acked_by TEXT,
  ack_reason TEXT,
  acked_at_ms INTEGER,
  ack_expires_ms INTEGER
);
CREATE UNIQUE INDEX ops_alerts_open_uq ON ops_alerts (dedup_key) WHERE state IN ('pending', 'firing');
CREATE INDEX ops_alerts_state_idx ON ops_alerts (state, first_seen_ms);
CREATE INDEX ops_alerts_recent_idx ON ops_alerts (first_seen_ms);

CREATE TABLE ops_alert_silences (
  id TEXT PRIMARY KEY NOT NULL,
  matcher TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  ended_at_ms INTEGER
);
CREATE INDEX ops_alert_silences_expires_idx ON ops_alert_silences (expires_at_ms);

CREATE TABLE ops_audit (
  id TEXT PRIMARY KEY NOT NULL,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  reason TEXT NOT NULL,
  expires_at_ms INTEGER,
  details_json TEXT
);
CREATE INDEX ops_audit_at_idx ON ops_audit (at_ms);

CREATE TABLE ops_alert_notifications (
  id TEXT PRIMARY KEY NOT NULL,
  alert_id TEXT,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at_ms INTEGER,
  created_at_ms INTEGER NOT NULL,
  finished_at_ms INTEGER
);
CREATE INDEX ops_alert_notifications_due_idx ON ops_alert_notifications (status, next_attempt_at_ms);

CREATE TABLE ops_alert_deliveries (
  id TEXT PRIMARY KEY NOT NULL,
  notification_id TEXT NOT NULL,
  alert_id TEXT,
  channel TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL,
  http_status INTEGER,
  error TEXT,
  at_ms INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX ops_alert_deliveries_attempt_uq ON ops_alert_deliveries (notification_id, attempt);
CREATE INDEX ops_alert_deliveries_at_idx ON ops_alert_deliveries (at_ms);

CREATE TABLE ops_signal_memory (
  name TEXT PRIMARY KEY NOT NULL,
  value_json TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
