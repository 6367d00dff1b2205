/**
 * PropAccount: serializes every state change of one prop account (orders, fills, balances).
 * (Shell: trading lands with the prop-account issue.)
 */
import { DurableObject } from "cloudflare:workers";
import { migrateStorage } from "../shared/storage-migrations";

export class PropAccount extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrateStorage(ctx.storage, []);
    });
  }

  /** Schema version of this object's storage (a liveness probe until trading lands). */
  async schemaVersion(): Promise<number> {
    return this.ctx.storage.sql.exec<{ version: number }>("SELECT coalesce(max(version), 0) AS version FROM _schema_version").one().version;
  }
}
