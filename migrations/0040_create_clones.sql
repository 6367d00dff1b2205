-- strategy: trading clones (owner-scoped) and the capacity entitlements of their owners.
CREATE TABLE clones (
  id TEXT PRIMARY KEY NOT NULL,
  owner_id TEXT NOT NULL,
  name TEXT NOT NULL,
  model_id TEXT NOT NULL,
  trading_enabled INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX clones_owner_idx ON clones (owner_id, created_at_ms);

CREATE TABLE clone_entitlements (
  user_id TEXT PRIMARY KEY NOT NULL,
  max_active_assets INTEGER NOT NULL,
  max_model_strength INTEGER NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('default', 'admin')),
  updated_at_ms INTEGER NOT NULL
);
