-- strategy: every saved trading version of a clone's pipeline (issue 23, item 3). One row per distinct
-- graph (content hash of its canonical JSON): a layout-only save keeps the graph, so it adds no row.
-- Audition and race accounts pin a (clone, hash) at open and decide with that graph for their whole
-- life; saves during a race change only accounts opened later. Forward only.
CREATE TABLE pipeline_versions (
  clone_id TEXT NOT NULL,
  hash TEXT NOT NULL,
  version INTEGER NOT NULL,
  graph_json TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (clone_id, hash)
);

-- decision: the pinned pipeline version a run decided with (null: the clone's current graph).
ALTER TABLE decision_runs ADD COLUMN pipeline_version_hash TEXT;
