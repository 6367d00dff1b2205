-- A candidate scan of (scope, strategy, cadence, slot) that selected nothing still marks the slot
-- scanned, so an hourly cadence scans once an hour (issue 23, item 4). Forward only.
CREATE TABLE decision_scans (
  scope_key TEXT NOT NULL,
  strategy_id TEXT NOT NULL,
  cadence_sec INTEGER NOT NULL,
  slot_ms INTEGER NOT NULL,
  scanned_at_ms INTEGER NOT NULL,
  PRIMARY KEY (scope_key, strategy_id, cadence_sec, slot_ms)
);
