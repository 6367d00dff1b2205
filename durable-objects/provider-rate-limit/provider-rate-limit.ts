/**
 * ProviderRateLimit: one object per model provider (`idFromName(provider)`), holding that provider's
 * token bucket in SQLite storage. A thin shell over src/domains/decision/provider-rate.model.ts; the
 * decision consumer asks it before every model request (decision.wiring.ts `providerThrottle`). The
 * caller passes the time and the rate (settings live in the Worker's vars, not here).
 */
import { DurableObject } from "cloudflare:workers";
import { type BucketState, type ProviderRate, ProviderRateSchema, takeToken } from "../../src/domains/decision";
import { migrateStorage, type StorageMigration } from "../shared/storage-migrations";

const MIGRATIONS: StorageMigration[] = [
  {
    version: 1,
    statements: ["CREATE TABLE bucket (id INTEGER PRIMARY KEY CHECK (id = 1), tokens REAL NOT NULL, updated_at_ms INTEGER NOT NULL)"],
  },
];

export class ProviderRateLimit extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrateStorage(ctx.storage, MIGRATIONS);
    });
  }

  /** Takes one token at `nowMs` under `rate`; denied: how long until one is there. */
  async take(nowMs: number, rate: ProviderRate): Promise<{ granted: boolean; retryAfterMs: number }> {
    const parsed = ProviderRateSchema.parse(rate);
    const sql = this.ctx.storage.sql;
    const row = sql.exec<{ tokens: number; updated_at_ms: number }>("SELECT tokens, updated_at_ms FROM bucket WHERE id = 1").toArray()[0];
    const previous: BucketState | undefined = row ? { tokens: row.tokens, updatedAtMs: row.updated_at_ms } : undefined;
    const result = takeToken(previous, nowMs, parsed);
    sql.exec(
      "INSERT INTO bucket (id, tokens, updated_at_ms) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET tokens = excluded.tokens, updated_at_ms = excluded.updated_at_ms",
      result.state.tokens,
      result.state.updatedAtMs,
    );
    return { granted: result.granted, retryAfterMs: result.granted ? 0 : result.retryAfterMs };
  }
}
