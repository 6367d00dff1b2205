/**
 * HyperliquidFeed: holds one outbound WebSocket to Hyperliquid for a shard of coins and persists
 * closed 1-minute candles. (Shell: the feed itself lands with the market-data issue.)
 */
import { DurableObject } from "cloudflare:workers";
import { migrateStorage } from "../shared/storage-migrations";

export class HyperliquidFeed extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrateStorage(ctx.storage, []);
    });
  }

  /** Current status of this feed shard. */
  async status(): Promise<{ connected: boolean }> {
    return { connected: false };
  }
}
