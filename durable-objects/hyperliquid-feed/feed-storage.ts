/**
 * The feed object's own SQLite storage (versioned through durable-objects/shared/storage-migrations):
 *   feed_config  the last configuration (shard, coins, URLs, settings), so an evicted object that
 *                is woken by its alarm reconnects on its own;
 *   feed_coins   per coin, the open time of the newest candle committed to D1: where a cold start's
 *                backfill resumes. Advanced only after the D1 write succeeded.
 */
import { type FeedConfig, FeedConfigSchema } from "../../src/domains/market-data";
import type { StorageMigration } from "../shared/storage-migrations";

export const FEED_STORAGE_MIGRATIONS: StorageMigration[] = [
  {
    version: 1,
    statements: [
      "CREATE TABLE feed_config (id INTEGER PRIMARY KEY CHECK (id = 1), config_json TEXT NOT NULL, updated_at_ms INTEGER NOT NULL)",
      "CREATE TABLE feed_coins (coin TEXT PRIMARY KEY NOT NULL, last_persisted_t INTEGER)",
    ],
  },
];

export class FeedStorage {
  constructor(private readonly storage: DurableObjectStorage) {}

  loadConfig(): FeedConfig | undefined {
    const row = this.storage.sql.exec<{ config_json: string }>("SELECT config_json FROM feed_config WHERE id = 1").toArray()[0];
    return row ? FeedConfigSchema.parse(JSON.parse(row.config_json)) : undefined;
  }

  /** Stores `config` and keeps one feed_coins row per configured coin (removed coins go). */
  saveConfig(config: FeedConfig, nowMs: number): void {
    const sql = this.storage.sql;
    this.storage.transactionSync(() => {
      sql.exec(
        "INSERT INTO feed_config (id, config_json, updated_at_ms) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET config_json = excluded.config_json, updated_at_ms = excluded.updated_at_ms",
        JSON.stringify(config),
        nowMs,
      );
      const wanted = new Set(config.coins);
      for (const { coin } of sql.exec<{ coin: string }>("SELECT coin FROM feed_coins").toArray()) {
        if (!wanted.has(coin)) sql.exec("DELETE FROM feed_coins WHERE coin = ?", coin);
      }
      for (const coin of config.coins) sql.exec("INSERT INTO feed_coins (coin) VALUES (?) ON CONFLICT(coin) DO NOTHING", coin);
    });
  }

  /** Newest committed open time per coin (undefined when none yet). */
  lastPersisted(): Map<string, number | undefined> {
    const rows = this.storage.sql
      .exec<{ coin: string; last_persisted_t: number | null }>("SELECT coin, last_persisted_t FROM feed_coins")
      .toArray();
    return new Map(rows.map((r) => [r.coin, r.last_persisted_t ?? undefined]));
  }

  /** Records committed minutes; never moves a coin backwards. */
  markPersisted(newest: ReadonlyMap<string, number>): void {
    const sql = this.storage.sql;
    this.storage.transactionSync(() => {
      for (const [coin, t] of newest) {
        sql.exec("UPDATE feed_coins SET last_persisted_t = max(coalesce(last_persisted_t, 0), ?) WHERE coin = ?", t, coin);
      }
    });
  }
}
