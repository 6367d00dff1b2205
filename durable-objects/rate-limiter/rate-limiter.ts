/**
 * RateLimiter: one object per limited key (`user:<sub>` or `ip:<address>`, via idFromName), holding a
 * fixed-window counter per rule in its SQLite storage. A thin shell over src/http/rate-limit.model.ts.
 * The caller passes the time (the Worker's injected clock), so windows are deterministic in tests.
 */
import { DurableObject } from "cloudflare:workers";
import { type HitResult, hitWindow, type WindowState } from "../../src/http/rate-limit.model";
import { migrateStorage, type StorageMigration } from "../shared/storage-migrations";

const MIGRATIONS: StorageMigration[] = [
  { version: 1, statements: ["CREATE TABLE windows (rule TEXT PRIMARY KEY, window_start_ms INTEGER NOT NULL, count INTEGER NOT NULL)"] },
];

export class RateLimiter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrateStorage(ctx.storage, MIGRATIONS);
    });
  }

  /** Counts one request under `rule` at `nowMs` against `limit`. */
  async hit(rule: string, nowMs: number, limit: number): Promise<Omit<HitResult, "state">> {
    const sql = this.ctx.storage.sql;
    const row = sql
      .exec<{ window_start_ms: number; count: number }>("SELECT window_start_ms, count FROM windows WHERE rule = ?", rule)
      .toArray()[0];
    const previous: WindowState | undefined = row ? { windowStartMs: row.window_start_ms, count: row.count } : undefined;
    const { state, ...result } = hitWindow(previous, nowMs, limit);
    if (result.allowed) {
      sql.exec(
        "INSERT INTO windows (rule, window_start_ms, count) VALUES (?, ?, ?) ON CONFLICT(rule) DO UPDATE SET window_start_ms = excluded.window_start_ms, count = excluded.count",
        rule,
        state.windowStartMs,
        state.count,
      );
    }
    return result;
  }
}
