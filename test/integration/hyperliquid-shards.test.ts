/**
 * Stable feed shards (`ensureFeeds`, `assignShards`) on the recorded registry: a perp listed and one
 * delisted between two `ensure-feeds` runs moves no other coin; lowering the shard size moves only
 * the overflow, and each moved coin carries its newest stored minute to its new shard. The feed
 * objects are replaced by a recorder (this test is about the assignment, not the sockets).
 */
import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { openDb } from "../../src/db/client";
import type { FeedConfigInput } from "../../src/domains/market-data/hyperliquid/feed.model";
import { ensureFeeds } from "../../src/domains/market-data/hyperliquid/feeds.service";
import { seedRecordedRegistry } from "../support/registry-seed";

const replay = inject("replayExchange");
const NOW = Date.UTC(2026, 10, 25, 12);

/** A namespace whose objects record their last configuration. */
function recordingNamespace() {
  const configs = new Map<string, FeedConfigInput>();
  const ns = {
    idFromName: (name: string) => name,
    get: (id: string) => ({
      configure: async (input: FeedConfigInput) => {
        configs.set(id, input);
        return {};
      },
    }),
  } as unknown as Env["HYPERLIQUID_FEED"];
  return { ns, configs };
}

const shardOf = (configs: Map<string, FeedConfigInput>) => {
  const out = new Map<string, string>();
  for (const [id, config] of configs) for (const coin of config.coins) out.set(coin, id);
  return out;
};

describe("stable feed shards", () => {
  it("a listing and a delisting between two runs move no other coin", async () => {
    await seedRecordedRegistry(NOW);
    const db = openDb(env.DB);
    const input = { wsUrl: replay.wsUrl, infoUrl: replay.infoUrl, shardSize: 50, maxShards: 10 };
    const first = recordingNamespace();
    await ensureFeeds(db, first.ns, input, NOW);
    const before = shardOf(first.configs);
    expect(before.size).toBeGreaterThan(150);

    // Delist a coin in the first shard (every later coin would shift under id-order slicing) and list a new perp.
    const delisted = first.configs.get("shard-0")?.coins[3] ?? "";
    await env.DB.prepare("UPDATE hyperliquid_assets SET is_delisted = 1 WHERE symbol = ?").bind(delisted).run();
    // A copy of BTC's row under a new name and id (every column, whatever the table holds).
    const btc = await env.DB.prepare("SELECT * FROM hyperliquid_assets WHERE symbol = 'BTC'").first<Record<string, unknown>>();
    const listed = { ...btc, symbol: "NEWPERP", asset_id: 9999 };
    const cols = Object.keys(listed);
    await env.DB.prepare(`INSERT INTO hyperliquid_assets (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`)
      .bind(...Object.values(listed))
      .run();
    const second = recordingNamespace();
    await ensureFeeds(db, second.ns, input, NOW + 300_000);
    const after = shardOf(second.configs);

    expect(after.has(delisted)).toBe(false);
    expect(after.get("NEWPERP")).toBeDefined();
    for (const [coin, shard] of before) if (coin !== delisted) expect(after.get(coin), coin).toBe(shard);
    // The listing took the freed place in the first shard with room, not a reshuffle.
    expect(after.get("NEWPERP")).toBe("shard-0");
  });

  it("a coin moved by a smaller shard size carries its newest stored minute", async () => {
    const db = openDb(env.DB);
    const previous = recordingNamespace();
    await ensureFeeds(db, previous.ns, { wsUrl: replay.wsUrl, infoUrl: replay.infoUrl, shardSize: 50, maxShards: 10 }, NOW);
    const overflow = previous.configs.get("shard-0")?.coins.at(-1) ?? "";
    await env.DB.prepare(
      "INSERT INTO hyperliquid_candles_1m (symbol, open_time_ms, close_time_ms, open, high, low, close, volume, trades, ingested_at_ms) VALUES (?, ?, ?, '1', '1', '1', '1', '1', 1, 0), (?, ?, ?, '1', '1', '1', '1', '1', 1, 0)",
    )
      .bind(overflow, NOW - 120_000, NOW - 60_001, overflow, NOW - 60_000, NOW - 1)
      .run();
    const next = recordingNamespace();
    await ensureFeeds(db, next.ns, { wsUrl: replay.wsUrl, infoUrl: replay.infoUrl, shardSize: 49, maxShards: 10 }, NOW + 300_000);
    const moved = [...next.configs.entries()].find(([, c]) => c.coins.includes(overflow));
    expect(moved?.[0]).not.toBe("shard-0");
    expect(moved?.[1].floors).toEqual({ [overflow]: NOW - 60_000 });
    // Coins that did not overflow stay put.
    const before = shardOf(previous.configs);
    const after = shardOf(next.configs);
    const movedCoins = [...before].filter(([coin, shard]) => after.get(coin) !== shard).map(([coin]) => coin);
    expect(movedCoins.length).toBeLessThanOrEqual(5);
    expect(movedCoins).toContain(overflow);
  });
});
