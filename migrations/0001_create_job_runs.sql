-- ops: one heartbeat row per cron/manual job run. (job, trigger, scheduled time) is unique so a
-- re-delivered cron event is a no-op.
CREATE TABLE job_runs (
  id TEXT PRIMARY KEY NOT NULL,
  job_name TEXT NOT NULL,
  trigger TEXT NOT NULL CHECK (trigger IN ('cron', 'manual')),
  scheduled_at_ms INTEGER NOT NULL,
  started_at_ms INTEGER NOT NULL,
  finished_at_ms INTEGER,
  status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'error')),
  error TEXT,
  duration_ms INTEGER,
  items_processed INTEGER,
  summary_json TEXT
);
CREATE UNIQUE INDEX job_runs_job_trigger_scheduled_uq ON job_runs (job_name, trigger, scheduled_at_ms);
CREATE INDEX job_runs_job_started_idx ON job_runs (job_name, started_at_ms);
