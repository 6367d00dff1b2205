-- Credits are append-only in the schema for DELETE too (issue 24 item 21): a grant, consume or refund row
-- is never removed. Restores insert into an empty database (src/domains/ops/backups/restore.service.ts),
-- so no path of the backend deletes these rows.
CREATE TRIGGER audition_credit_entries_no_delete BEFORE DELETE ON audition_credit_entries
BEGIN
  SELECT RAISE(ABORT, 'audition_credit_entries is append-only');
END;
