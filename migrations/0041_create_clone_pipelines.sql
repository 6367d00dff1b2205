-- strategy: one pipeline document per clone (graph + layout as JSON), versioned for optimistic concurrency.
CREATE TABLE clone_pipelines (
  clone_id TEXT PRIMARY KEY NOT NULL,
  version INTEGER NOT NULL,
  graph_json TEXT NOT NULL,
  layout_json TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
