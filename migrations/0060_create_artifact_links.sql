-- artifacts: the owner index. Links an owner (a context packet, a decision run) to the content-addressed
-- keys of its artifacts in the artifact store (R2/S3/file); the blobs themselves never live in D1.
CREATE TABLE artifact_links (
  owner_kind TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  role TEXT NOT NULL,
  artifact_key TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  stored_bytes INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (owner_kind, owner_id, role)
);
CREATE INDEX artifact_links_by_key ON artifact_links (artifact_key);
