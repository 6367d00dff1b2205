/**
 * HyperliquidFeed: one Durable Object per feed shard (named `shard-<i>`). It holds one outbound
 * WebSocket to Hyperliquid for its coins and persists closed 1-minute candles into D1. The class is
 * a thin shell: RPC input is validated with the shared zod schema and the behaviour lives in
 * FeedEngine (src/domains/market-data/hyperliquid/feed/feed-engine.ts) with its I/O adapters (exchange-io.ts) and storage (feed-storage.ts).
 *
 * The alarm is the only timer and the watchdog: it reconnects a dropped or silent socket, pings,
 * flushes and re-arms itself. It also wakes an evicted object, which then resumes from its stored
 * configuration and committed-minute marks.
 */
import { DurableObject } from "cloudflare:workers";
import { openDb } from "../../src/db/client";
import {
  budgetGate,
  type FeedConfigInput,
  FeedConfigSchema,
  FeedEngine,
  type FeedStatus,
  upsertCandles1m,
} from "../../src/domains/market-data";
import { migrateStorage } from "../shared/storage-migrations";
import { fetchCandleSnapshot, openExchangeSocket } from "./exchange-io";
import { FEED_STORAGE_MIGRATIONS, FeedStorage } from "./feed-storage";

export class HyperliquidFeed extends DurableObject<Env> {
  private readonly engine: FeedEngine;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const db = openDb(env.DB);
    const gate = budgetGate(env.HYPERLIQUID_BUDGET);
    this.engine = new FeedEngine({
      nowMs: () => Date.now(),
      random: Math.random,
      openSocket: openExchangeSocket,
      fetchSnapshot: (infoUrl, coin, start, options) => fetchCandleSnapshot(gate, infoUrl, coin, start, options),
      persist: (candles) => upsertCandles1m(db, candles, Date.now()),
      storage: new FeedStorage(ctx.storage),
      setAlarm: (atMs) => void ctx.storage.setAlarm(atMs),
      deleteAlarm: () => void ctx.storage.deleteAlarm(),
    });
    ctx.blockConcurrencyWhile(async () => {
      migrateStorage(ctx.storage, FEED_STORAGE_MIGRATIONS);
      this.engine.restore(await ctx.storage.getAlarm());
    });
  }

  /** Sets this shard's coins, URLs and settings; subscribes the difference. An empty list stops the feed. */
  async configure(input: FeedConfigInput): Promise<FeedStatus> {
    return this.engine.configure(FeedConfigSchema.parse(input));
  }

  /** Connection and ingestion counters of this shard. */
  async status(): Promise<FeedStatus> {
    return this.engine.status();
  }

  /** Writes every pending closed candle now (tests and shutdown). */
  async flush(): Promise<FeedStatus> {
    await this.engine.flush();
    return this.engine.status();
  }

  override async alarm(): Promise<void> {
    await this.engine.watchdog();
  }
}
