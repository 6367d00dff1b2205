-- Admin page sessions (issue 14): one row per sign-in, so sign-out revokes server-side and a session
-- never outlives the admin token that created it (expires_at_ms = min(token exp, sign-in + 15 min)).
CREATE TABLE admin_sessions (
  id TEXT PRIMARY KEY NOT NULL,
  subject TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER
);
CREATE INDEX admin_sessions_expires_idx ON admin_sessions (expires_at_ms);
