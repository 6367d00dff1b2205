-- Issue 24 item 16: operator wallet bindings are audited as `wallet` subjects. SQLite cannot alter a CHECK,
-- so lifecycle_events is rebuilt with the new kind (same columns, rows and indexes). The clone-deletion
-- trigger of 0110 writes into lifecycle_events, so it is dropped first and recreated unchanged after the
-- rebuild (a table rename must not meet a trigger naming a table that is gone).
DROP TRIGGER clones_delete_lifecycle;

CREATE TABLE lifecycle_events_0112 (
  id TEXT PRIMARY KEY NOT NULL,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('payment', 'audition', 'profile', 'queue', 'wallet')),
  subject_id TEXT NOT NULL,
  clone_id TEXT,
  from_state TEXT,
  to_state TEXT NOT NULL,
  event TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT,
  at_ms INTEGER NOT NULL
);
INSERT INTO lifecycle_events_0112 (id, subject_kind, subject_id, clone_id, from_state, to_state, event, actor, reason, at_ms)
  SELECT id, subject_kind, subject_id, clone_id, from_state, to_state, event, actor, reason, at_ms FROM lifecycle_events;
DROP TABLE lifecycle_events;
ALTER TABLE lifecycle_events_0112 RENAME TO lifecycle_events;
CREATE INDEX lifecycle_events_subject_idx ON lifecycle_events (subject_kind, subject_id, at_ms);
CREATE INDEX lifecycle_events_clone_idx ON lifecycle_events (clone_id, at_ms);

-- Unchanged from 0110.
CREATE TRIGGER clones_delete_lifecycle AFTER DELETE ON clones
BEGIN
  DELETE FROM arena_slots WHERE clone_id = OLD.id;
  DELETE FROM clone_profile_names WHERE clone_id = OLD.id;
  INSERT INTO lifecycle_events (id, subject_kind, subject_id, clone_id, from_state, to_state, event, actor, reason, at_ms)
    SELECT 'lcev_del_q_' || clone_id, 'queue', clone_id, clone_id, status, 'removed', 'remove', 'system:clone-deletion', 'clone_deleted',
      CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    FROM promotion_queue WHERE clone_id = OLD.id AND status IN ('queued', 'seated');
  UPDATE promotion_queue SET status = 'removed', updated_at_ms = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    WHERE clone_id = OLD.id AND status IN ('queued', 'seated');
  INSERT OR IGNORE INTO audition_credit_entries (id, user_id, kind, credits, payment_id, audition_id, created_at_ms)
    SELECT 'credit_del_' || c.audition_id, c.user_id, 'refund', 1, NULL, c.audition_id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    FROM audition_credit_entries c JOIN auditions a ON a.id = c.audition_id
    WHERE a.clone_id = OLD.id AND a.status = 'opening' AND c.kind = 'consume';
  INSERT INTO lifecycle_events (id, subject_kind, subject_id, clone_id, from_state, to_state, event, actor, reason, at_ms)
    SELECT 'lcev_del_a_' || id, 'audition', id, clone_id, status, 'voided', 'void', 'system:clone-deletion', 'clone_deleted',
      CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    FROM auditions WHERE clone_id = OLD.id AND status IN ('opening', 'running');
  UPDATE auditions SET status = 'voided', reason = 'clone_deleted', updated_at_ms = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    WHERE clone_id = OLD.id AND status IN ('opening', 'running');
END;
