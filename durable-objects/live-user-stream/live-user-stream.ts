/**
 * LiveUserStream: one object per live account (`idFromName(liveAccountId)`), holding one outbound
 * WebSocket to the exchange with the account's `userEvents` and `orderUpdates` subscriptions. A thin
 * shell: RPC input is validated with the domain's zod schema, the behaviour is UserStreamEngine
 * (src/domains/trading/live/user-stream.engine.ts) and every frame is applied by live-stream.service.ts
 * `applyUserFrame` into the same D1 tables the reconciliation poll writes (idempotent by tid and by
 * (coin, time)). The config is kept in the object's SQLite storage so an evicted object resumes on its
 * alarm (outbound sockets do not hibernate; the alarm is the watchdog, as in the market-data feed).
 * Started by `ensureUserStreams` (the `trading.live-reconcile` job and account opening).
 */
import { DurableObject } from "cloudflare:workers";
import { randomIds } from "../../src/core/ids";
import {
  applyUserFrame,
  isStreamable,
  type UserStreamConfig,
  UserStreamConfigSchema,
  UserStreamEngine,
  type UserStreamStatus,
} from "../../src/domains/trading";
import { openExchangeSocket } from "../hyperliquid-feed/exchange-io";
import { migrateStorage, type StorageMigration } from "../shared/storage-migrations";

const MIGRATIONS: StorageMigration[] = [
  { version: 1, statements: ["CREATE TABLE stream_config (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)"] },
];

export class LiveUserStream extends DurableObject<Env> {
  private readonly engine: UserStreamEngine;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    const deps = { env, clock: { nowMs: () => Date.now() }, ids: randomIds };
    this.engine = new UserStreamEngine({
      nowMs: () => Date.now(),
      random: Math.random,
      openSocket: openExchangeSocket,
      apply: (liveAccountId, text) => applyUserFrame(deps, liveAccountId, text),
      stillLive: (liveAccountId) => isStreamable(env, liveAccountId),
      saveConfig: (config) => {
        if (config)
          sql.exec(
            "INSERT INTO stream_config (id, json) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json",
            JSON.stringify(config),
          );
        else sql.exec("DELETE FROM stream_config");
      },
      setAlarm: (atMs) => void ctx.storage.setAlarm(atMs),
      deleteAlarm: () => void ctx.storage.deleteAlarm(),
    });
    ctx.blockConcurrencyWhile(async () => {
      migrateStorage(ctx.storage, MIGRATIONS);
      const row = sql.exec<{ json: string }>("SELECT json FROM stream_config WHERE id = 1").toArray()[0];
      this.engine.restore(row ? (UserStreamConfigSchema.parse(JSON.parse(row.json)) as UserStreamConfig) : null);
    });
  }

  /** Holds the account's stream (connects now if needed). */
  async start(input: UserStreamConfig): Promise<UserStreamStatus> {
    return this.engine.start(UserStreamConfigSchema.parse(input));
  }

  /** Connection and delivery counters, after every frame received so far was applied. */
  async status(): Promise<UserStreamStatus> {
    await this.engine.settled();
    return this.engine.status();
  }

  /** Closes the socket and forgets the account. */
  async stop(): Promise<void> {
    this.engine.stop();
  }

  override async alarm(): Promise<void> {
    await this.engine.watchdog();
  }
}
