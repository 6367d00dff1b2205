/**
 * LiveNonceSerializer: one object per agent key (`idFromName(agentAddress)`), the only issuer of that
 * key's exchange nonces. A thin shell over src/domains/trading/live/hyperliquid/nonce.model.ts: it keeps
 * `last` in SQLite storage and issues `max(now, last + 1)`, so two concurrent submissions for one agent
 * never sign the same nonce (the object's input gate serializes `issue`; storage writes are awaited
 * implicitly before the answer leaves). The clock is the wall clock on purpose: nonces are checked
 * against the exchange's clock, not a decision's virtual time. Called by live-orders.service.ts.
 */
import { DurableObject } from "cloudflare:workers";
import { type NonceIssue, nextNonce } from "../../src/domains/trading";
import { migrateStorage, type StorageMigration } from "../shared/storage-migrations";

const MIGRATIONS: StorageMigration[] = [
  { version: 1, statements: ["CREATE TABLE nonce_state (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL)"] },
];

export class LiveNonceSerializer extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrateStorage(ctx.storage, MIGRATIONS);
    });
  }

  /** Issues the next nonce (strictly above every nonce this object issued before). */
  async issue(): Promise<NonceIssue> {
    const sql = this.ctx.storage.sql;
    const last = sql.exec<{ last: number }>("SELECT last FROM nonce_state WHERE id = 1").toArray()[0]?.last ?? 0;
    const issued = nextNonce({ last }, Date.now());
    if (issued.ok)
      sql.exec("INSERT INTO nonce_state (id, last) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET last = excluded.last", issued.state.last);
    return issued;
  }

  /** The last issued nonce (0 before the first); for tests and the operator view. */
  async last(): Promise<number> {
    return this.ctx.storage.sql.exec<{ last: number }>("SELECT last FROM nonce_state WHERE id = 1").toArray()[0]?.last ?? 0;
  }
}
