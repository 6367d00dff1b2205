/**
 * The feed's contract shared by the `HyperliquidFeed` Durable Object, the `market-data.ensure-feeds`
 * job and the feeds status route: configuration, timing settings, status, and the pure sharding of
 * active registry assets across objects (one WebSocket each).
 *
 * Sharding: stable, from the stored assignment (`assignShards`): a coin keeps its shard across
 * listings and delistings; shard i is the object named `shard-i`. Defaults stay well inside the exchange's per-IP limits (10
 * connections, 1000 subscriptions): 150 coins a shard, at most 6 shards.
 */
import { z } from "zod";
import type { Asset } from "./assets.model";

export const FeedSettingsSchema = z.object({
  /** Keepalive ping cadence; the exchange drops a socket that sent nothing for 60 s. */
  pingIntervalMs: z.number().int().positive().default(30_000),
  /** No message for this long on an open socket means it is dead: the watchdog reconnects. */
  silenceTimeoutMs: z.number().int().positive().default(45_000),
  /** Longest time between two alarms (the watchdog cadence). */
  watchdogIntervalMs: z.number().int().positive().default(10_000),
  /** Closed candles are written when this many are pending ... */
  flushBatchSize: z.number().int().positive().default(500),
  /** ... or when the oldest pending one is this old. */
  flushIntervalMs: z.number().int().positive().default(2_000),
  /** Reconnect delay: base × 2^attempt, capped, with full jitter in [½, 1]. */
  reconnectBaseMs: z.number().int().positive().default(1_000),
  reconnectMaxMs: z.number().int().positive().default(60_000),
  /** A coin with no stored candle starts this many minutes back (the exchange keeps 5000). */
  initialBackfillMinutes: z.number().int().min(0).max(5000).default(120),
  /** candleSnapshot requests in flight at once per shard (rate budget: 1200 weight a minute per IP). */
  backfillConcurrency: z.number().int().positive().max(16).default(2),
  /** Deadline of one candleSnapshot request (a hung info server must not stall the backfill). */
  infoTimeoutMs: z.number().int().positive().default(10_000),
  /** A failed backfill is retried after this long (× a jitter in [½, 1]); the budget also shrinks on 429. */
  backfillRetryMs: z.number().int().positive().default(5_000),
  /** A forming candle closes by time when a message arrives this long after its close time `T`. */
  closeGraceMs: z.number().int().min(0).default(10_000),
});
export type FeedSettings = z.infer<typeof FeedSettingsSchema>;

export const FeedConfigSchema = z.object({
  shardId: z.string().min(1).max(64),
  coins: z.array(z.string().min(1)).max(1000),
  wsUrl: z.url(),
  infoUrl: z.url(),
  settings: FeedSettingsSchema.partial().default({}),
  /** Newest stored minute of coins that moved here from another shard: the backfill resumes there. */
  floors: z.record(z.string(), z.number().int()).optional(),
});
export type FeedConfigInput = z.input<typeof FeedConfigSchema>;
export type FeedConfig = z.infer<typeof FeedConfigSchema>;

export const FeedStatusSchema = z.object({
  shardId: z.string().nullable(),
  connected: z.boolean(),
  coins: z.number().int(),
  subscriptions: z.number().int(),
  lastMessageAgeMs: z.number().int().nullable(),
  messagesPerMinute: z.number().int(),
  messagesTotal: z.number().int(),
  reconnects: z.number().int(),
  gapsBackfilled: z.number().int(),
  backfillFailures: z.number().int(),
  candlesBackfilled: z.number().int(),
  candlesPersisted: z.number().int(),
  pendingCandles: z.number().int(),
  /** Most minutes any coin holds above its floor: 0 once backfills are done (no-trade minutes do not pile up). */
  closedAboveMax: z.number().int(),
  /** Coins whose gap is not backfilled yet (waiting for weight, in flight, or failed and retried by the watchdog). */
  backfillsPending: z.number().int(),
  malformedMessages: z.number().int(),
  unexpectedMessages: z.number().int(),
  errorFrames: z.number().int(),
  lastError: z.string().nullable(),
});
export type FeedStatus = z.infer<typeof FeedStatusSchema>;

/** Shard id of the i-th shard (also the Durable Object name). */
export const shardId = (i: number) => `shard-${i}`;

/**
 * Stable sharding from the stored assignment (`previous`: coins per shard index, as last
 * configured). Every coin still active stays in its shard, whatever is listed or delisted around it;
 * delisted coins leave; new listings (in asset-id order) fill the lowest shard with room, then a new
 * shard. Only a shard over `shardSize` (the setting was lowered) gives up coins: its newest-listed
 * overflow moves, and `moved` names those coins so their stored floor can travel with them.
 * Trailing empty shards are dropped; an empty shard in the middle stays (configured with no coins).
 */
export function assignShards(
  previous: ReadonlyArray<readonly string[] | undefined>,
  assets: readonly Asset[],
  shardSize: number,
): { shards: string[][]; moved: string[] } {
  const active = assets.filter((a) => !a.isDelisted && a.channels.ohlcv_1m).sort((a, b) => a.assetId - b.assetId);
  const order = new Map(active.map((a, i) => [a.symbol, i]));
  const placed = new Set<string>();
  const previousShard = new Map<string, number>();
  const shards: string[][] = [];
  for (let i = 0; i < previous.length; i++) {
    const kept = (previous[i] ?? []).filter((coin) => order.has(coin) && !placed.has(coin));
    for (const coin of kept) previousShard.set(coin, i);
    kept.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    shards[i] = kept.slice(0, shardSize);
    for (const coin of shards[i] ?? []) placed.add(coin);
  }
  const moved: string[] = [];
  for (const { symbol } of active) {
    if (placed.has(symbol)) continue;
    let target = shards.findIndex((coins) => (coins?.length ?? 0) < shardSize);
    if (target === -1) target = shards.push([]) - 1;
    const list = shards[target] ?? [];
    list.push(symbol);
    shards[target] = list;
    placed.add(symbol);
    const from = previousShard.get(symbol);
    if (from !== undefined && from !== target) moved.push(symbol);
  }
  for (let i = 0; i < shards.length; i++) shards[i] ??= [];
  while (shards.length > 0 && (shards.at(-1)?.length ?? 0) === 0) shards.pop();
  return { shards, moved };
}

/** Shard index of a shard id (`shard-3` -> 3), undefined for other names. */
export function shardIndex(id: string): number | undefined {
  const match = /^shard-(\d+)$/.exec(id);
  return match ? Number(match[1]) : undefined;
}
