/**
 * Versioned schema for a Durable Object's own SQLite storage. Each object runs this inside
 * `blockConcurrencyWhile` at construction: migrations past the stored `user_version` are applied in
 * order, each in its own transaction, so a half-applied migration never persists.
 */
export type StorageMigration = { version: number; statements: string[] };

/** Applies pending migrations; returns the resulting schema version. */
export function migrateStorage(storage: DurableObjectStorage, migrations: readonly StorageMigration[]): number {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS _schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM _schema_version WHERE id = 1").toArray()[0];
  let current = row?.version ?? 0;
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version <= current) continue;
    storage.transactionSync(() => {
      for (const statement of migration.statements) sql.exec(statement);
      sql.exec(
        "INSERT INTO _schema_version (id, version) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET version = excluded.version",
        migration.version,
      );
    });
    current = migration.version;
  }
  return current;
}
