-- Issue 24 item 21. Clone deletion lives in the strategy domain (one DELETE of `clones`); the lifecycle's
-- consequences run in an AFTER DELETE trigger, so they commit in the same statement as the deletion
-- (atomic, no cross-domain import): the slot and the name claim are released, the queue entry moves to
-- `removed`, in-progress auditions are voided and audited, and an `opening` audition's credit is refunded
-- (a `running` one is not: see doc/domains/lifecycle.md). Times come from the database clock here.
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

-- Credits are append-only: a grant, consume or refund row is never rewritten.
CREATE TRIGGER audition_credit_entries_no_update BEFORE UPDATE ON audition_credit_entries
BEGIN
  SELECT RAISE(ABORT, 'audition_credit_entries is append-only');
END;
