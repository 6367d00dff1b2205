-- Per-user clone cap (issue 14): part of the capacity entitlement. Existing rows get the default.
ALTER TABLE clone_entitlements ADD COLUMN max_clones INTEGER NOT NULL DEFAULT 10;
