-- lifecycle: auditions, public profile versions and name claims, the Promotion Queue, Arena slots, retirements.
CREATE TABLE auditions (
  id TEXT PRIMARY KEY NOT NULL,
  clone_id TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('opening', 'running', 'passed', 'failed', 'voided')),
  account_id TEXT,
  pipeline_version INTEGER NOT NULL,
  model_id TEXT NOT NULL,
  starts_at_ms INTEGER NOT NULL,
  ends_at_ms INTEGER NOT NULL,
  criteria_json TEXT NOT NULL,
  result_json TEXT,
  score INTEGER,
  reason TEXT,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  evaluated_at_ms INTEGER
);
-- At most one audition in progress per clone.
CREATE UNIQUE INDEX auditions_in_progress_uq ON auditions (clone_id) WHERE status IN ('opening', 'running');
CREATE INDEX auditions_clone_idx ON auditions (clone_id, created_at_ms);
CREATE INDEX auditions_status_idx ON auditions (status, ends_at_ms);

CREATE TABLE clone_profile_versions (
  id TEXT PRIMARY KEY NOT NULL,
  clone_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  display_name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  avatar_url TEXT,
  bio TEXT NOT NULL,
  strategy_summary TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  reason TEXT,
  submitted_by TEXT NOT NULL,
  submitted_at_ms INTEGER NOT NULL,
  moderated_by TEXT,
  moderated_at_ms INTEGER
);
CREATE UNIQUE INDEX clone_profile_versions_clone_version_uq ON clone_profile_versions (clone_id, version);
CREATE INDEX clone_profile_versions_status_idx ON clone_profile_versions (status, submitted_at_ms);

CREATE TABLE clone_profile_names (
  name_key TEXT PRIMARY KEY NOT NULL,
  clone_id TEXT NOT NULL,
  claimed_at_ms INTEGER NOT NULL
);

CREATE TABLE promotion_queue (
  clone_id TEXT PRIMARY KEY NOT NULL,
  owner_id TEXT NOT NULL,
  audition_id TEXT NOT NULL,
  score INTEGER NOT NULL,
  queued_at_ms INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'seated', 'removed', 'retired')),
  updated_at_ms INTEGER NOT NULL
);
CREATE INDEX promotion_queue_order_idx ON promotion_queue (status, score, queued_at_ms);

CREATE TABLE arena_slots (
  slot INTEGER PRIMARY KEY NOT NULL,
  clone_id TEXT NOT NULL,
  admitted_at_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX arena_slots_clone_uq ON arena_slots (clone_id);

CREATE TABLE retired_clones (
  clone_id TEXT PRIMARY KEY NOT NULL,
  retired_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  retired_at_ms INTEGER NOT NULL
);
