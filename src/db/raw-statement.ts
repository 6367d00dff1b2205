/**
 * Conditional writes (`INSERT ... SELECT ... WHERE`) are the lifecycle's tool for atomic checks inside
 * one D1 batch, and drizzle's query builder cannot express them. `db.run(sql)` can, but drizzle-orm
 * 0.45's D1 `batch` binds parameters through `preparedQuery.stmt`, which a raw query lacks (TypeError
 * on any raw statement with parameters). `rawStatement` attaches the D1 statement so the raw query
 * joins a batch like any builder query.
 */
import type { SQL } from "drizzle-orm";
import type { Db } from "./client";

export function rawStatement(db: Db, query: SQL) {
  const raw = db.run(query);
  const { sql } = raw.getQuery();
  return Object.assign(raw, { stmt: db.$client.prepare(sql) });
}
