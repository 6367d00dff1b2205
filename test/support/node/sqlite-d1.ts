/**
 * A D1Database over Node's built-in SQLite (node:sqlite), for benchmarks that time the resolver's
 * CPU work and its SQL in one process (D1 is SQLite; the network hop of a real D1 call is left out,
 * on both sides of any ratio). Implements what drizzle-orm/d1 uses: prepare/bind/all/raw/run/first,
 * batch (one transaction) and exec. `log` records every statement so a bench can replay the exact SQL.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";

export interface SqliteD1 {
  d1: D1Database;
  sqlite: DatabaseSync;
  log: Array<{ sql: string; params: SQLInputValue[] }> | null;
}

export function sqliteD1(path = ":memory:"): SqliteD1 {
  const sqlite = new DatabaseSync(path);
  const cache = new Map<string, StatementSync>();
  const arrays = new Map<string, StatementSync>();
  const self: SqliteD1 = { d1: undefined as unknown as D1Database, sqlite, log: null };
  const stmt = (sql: string) => {
    let s = cache.get(sql);
    if (!s) {
      s = sqlite.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
  /** `raw()` returns row arrays straight from SQLite, as D1 does (no object per row). */
  const arrayStmt = (sql: string) => {
    let s = arrays.get(sql);
    if (!s) {
      s = sqlite.prepare(sql);
      s.setReturnArrays(true);
      arrays.set(sql, s);
    }
    return s;
  };
  const norm = (v: unknown): SQLInputValue => (typeof v === "boolean" ? (v ? 1 : 0) : (v as SQLInputValue));
  const prepared = (sql: string, params: SQLInputValue[]): D1PreparedStatement => {
    const record = () => self.log?.push({ sql, params });
    const api = {
      bind: (...p: unknown[]) => prepared(sql, p.map(norm)),
      all: async () => {
        record();
        return { results: stmt(sql).all(...params), success: true, meta: {} };
      },
      raw: async () => {
        record();
        return arrayStmt(sql).all(...params);
      },
      first: async (col?: string) => {
        record();
        const row = stmt(sql).get(...params) as Record<string, unknown> | undefined;
        return row === undefined ? null : col ? row[col] : row;
      },
      run: async () => {
        record();
        const r = stmt(sql).run(...params);
        return { results: [], success: true, meta: { changes: Number(r.changes), last_row_id: Number(r.lastInsertRowid) } };
      },
    };
    return api as unknown as D1PreparedStatement;
  };
  self.d1 = {
    prepare: (sql: string) => prepared(sql, []),
    batch: async (statements: D1PreparedStatement[]) => {
      sqlite.exec("BEGIN");
      try {
        const out = [];
        for (const s of statements) out.push(await s.all());
        sqlite.exec("COMMIT");
        return out;
      } catch (e) {
        sqlite.exec("ROLLBACK");
        throw e;
      }
    },
    exec: async (sql: string) => {
      sqlite.exec(sql);
      return { count: 1, duration: 0 };
    },
  } as unknown as D1Database;
  return self;
}

/** Applies every migration in `dir` in file-name order (what wrangler does). */
export function applyMigrations(sqlite: DatabaseSync, dir = "migrations"): void {
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort())
    sqlite.exec(readFileSync(join(dir, file), "utf8"));
}
