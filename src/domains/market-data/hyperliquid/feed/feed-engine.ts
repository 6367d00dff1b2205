/**
 * The feed's behaviour, kept off the Durable Object class so it reads (and can be driven) as plain
 * code with its I/O injected: one WebSocket for a shard of coins, `candle` 1m subscriptions,
 * keepalive, jittered exponential reconnect, backfill after every (re)connect (subscribe first, then
 * backfill, then merge by `t`), and batched persistence of closed candles.
 *
 * Invariants: a frame never throws out of `onMessage` (bad frames are counted and skipped); a closed
 * minute is emitted once (CandleAssembler); the committed-minute marks advance only after D1 accepted
 * the batch; `watchdog` (the alarm) is idempotent and safe to run twice.
 */
import { withConcurrency } from "../../../../core/concurrency";
import { type FeedConfig, type FeedSettings, FeedSettingsSchema, type FeedStatus } from "../feed.model";
import type { WireCandle } from "../info-wire.model";
import { AlarmTimer } from "./alarm-timer";
import { CandleAssembler } from "./candle-assembler.model";
import { PING_MESSAGE, parseFrame, subscribeMessage } from "./ws-protocol.model";

export interface FeedSocket {
  send(text: string): void;
  close(): void;
}

export interface FeedEngineDeps {
  nowMs(): number;
  random(): number;
  openSocket(wsUrl: string, handlers: { onMessage(text: string): void; onClose(): void }): Promise<FeedSocket>;
  /** A candleSnapshot through the weight budget; `timeoutMs` is the request's deadline. */
  fetchSnapshot(infoUrl: string, coin: string, startTimeMs: number, options: { timeoutMs: number }): Promise<WireCandle[]>;
  persist(candles: WireCandle[]): Promise<void>;
  storage: {
    loadConfig(): FeedConfig | undefined;
    saveConfig(config: FeedConfig, nowMs: number): void;
    lastPersisted(): Map<string, number | undefined>;
    markPersisted(newest: ReadonlyMap<string, number>): void;
  };
  setAlarm(atMs: number): void;
  deleteAlarm(): void;
}

/** Messages received in the last 60 seconds (per-second buckets). */
class RateMeter {
  private readonly buckets = new Map<number, number>();
  add(nowMs: number): void {
    const sec = Math.floor(nowMs / 1000);
    this.buckets.set(sec, (this.buckets.get(sec) ?? 0) + 1);
    if (this.buckets.size > 70) for (const key of this.buckets.keys()) if (key <= sec - 60) this.buckets.delete(key);
  }
  perMinute(nowMs: number): number {
    const from = Math.floor(nowMs / 1000) - 59;
    let total = 0;
    for (const [sec, n] of this.buckets) if (sec >= from) total += n;
    return total;
  }
}

const COUNTERS = {
  messagesTotal: 0,
  reconnects: 0,
  gapsBackfilled: 0,
  backfillFailures: 0,
  candlesBackfilled: 0,
  candlesPersisted: 0,
  malformedMessages: 0,
  unexpectedMessages: 0,
  errorFrames: 0,
};

export class FeedEngine {
  private config: FeedConfig | undefined;
  private settings: FeedSettings = FeedSettingsSchema.parse({});
  private socket: FeedSocket | undefined;
  private connecting: Promise<void> | undefined;
  /** Bumped on every connection change; events and backfills of an older generation are ignored. */
  private generation = 0;
  private readonly assembler = new CandleAssembler();
  private readonly acked = new Set<string>();
  private readonly needsBackfill = new Set<string>();
  /** Coins with a backfill in flight (waiting for weight or for the answer): never fetched twice at once. */
  private readonly backfilling = new Set<string>();
  /** A failed backfill (timeout, 429, ...) is retried by the watchdog after this time (jittered). */
  private backfillRetryAtMs = 0;
  private pending: WireCandle[] = [];
  private pendingSinceMs: number | undefined;
  private flushing: Promise<void> | undefined;
  private lastMessageAtMs: number | undefined;
  private lastPingAtMs = 0;
  private reconnectAttempt = 0;
  private nextReconnectAtMs = 0;
  private lastError: string | null = null;
  private readonly meter = new RateMeter();
  private readonly counters = { ...COUNTERS };
  /** Every alarm goes through here: it only ever moves the alarm earlier. */
  private readonly alarm: AlarmTimer;

  constructor(private readonly deps: FeedEngineDeps) {
    this.alarm = new AlarmTimer(deps.setAlarm, deps.deleteAlarm);
  }

  /**
   * Loads the stored configuration after an eviction; `storedAlarmMs` is the alarm still set in
   * storage (null: none). A feed with coins and no alarm gets one now: the watchdog then reconnects.
   */
  restore(storedAlarmMs: number | null): void {
    this.alarm.adopt(storedAlarmMs);
    const config = this.deps.storage.loadConfig();
    if (!config) return;
    this.apply(config);
    if (config.coins.length > 0) this.alarm.armAt(this.deps.nowMs());
  }

  /** Applies a new configuration: (un)subscribes the difference and makes sure a socket is coming. */
  configure(config: FeedConfig): FeedStatus {
    const now = this.deps.nowMs();
    this.deps.storage.saveConfig(config, now);
    const previous = this.config;
    const { added, removed } = this.apply(config);
    if (config.coins.length === 0) {
      this.disconnect();
      this.alarm.cancel();
      return this.status();
    }
    if (this.socket && previous && previous.wsUrl !== config.wsUrl) this.disconnect();
    if (this.socket) {
      for (const coin of removed) this.send(subscribeMessage(coin, "unsubscribe"));
      for (const coin of added) this.send(subscribeMessage(coin));
      void this.backfill(added, this.generation);
    } else {
      this.nextReconnectAtMs = 0;
      void this.connect();
    }
    this.alarm.armAt(now + this.settings.watchdogIntervalMs);
    return this.status();
  }

  private apply(config: FeedConfig): { added: string[]; removed: string[] } {
    const before = new Set(this.config?.coins ?? []);
    const after = new Set(config.coins);
    this.config = config;
    this.settings = FeedSettingsSchema.parse(config.settings);
    const persisted = this.deps.storage.lastPersisted();
    const removed = [...before].filter((c) => !after.has(c));
    const added = [...after].filter((c) => !before.has(c));
    for (const coin of removed) {
      this.assembler.untrack(coin);
      this.acked.delete(coin);
      this.needsBackfill.delete(coin);
    }
    // A coin moved here from another shard carries its floor (newest stored minute) in the config.
    for (const coin of added) this.assembler.track(coin, persisted.get(coin) ?? config.floors?.[coin]);
    return { added, removed };
  }

  /** The watchdog (alarm body): reconnects a dropped or silent socket, pings, closes, flushes, re-arms. */
  async watchdog(): Promise<void> {
    this.alarm.fired();
    const config = this.config;
    if (!config || config.coins.length === 0) return;
    const now = this.deps.nowMs();
    const s = this.settings;
    if (this.socket && now - (this.lastMessageAtMs ?? now) > s.silenceTimeoutMs) this.onDisconnect("socket silent");
    if (!this.socket && !this.connecting && now >= this.nextReconnectAtMs) await this.connect();
    if (this.socket && now - this.lastPingAtMs >= s.pingIntervalMs) {
      this.send(PING_MESSAGE);
      this.lastPingAtMs = now;
    }
    if (this.socket && !this.connecting && this.needsBackfill.size > 0 && now >= this.backfillRetryAtMs) {
      void this.backfill([...this.needsBackfill], this.generation);
    }
    if (this.lastMessageAtMs !== undefined) this.enqueue(this.assembler.closeExpired(this.lastMessageAtMs, s.closeGraceMs));
    await this.flush();
    let next = now + s.watchdogIntervalMs;
    if (this.socket) next = Math.min(next, this.lastPingAtMs + s.pingIntervalMs, (this.lastMessageAtMs ?? now) + s.silenceTimeoutMs + 1);
    else next = Math.min(next, Math.max(this.nextReconnectAtMs, now + 1));
    if (this.pendingSinceMs !== undefined) next = Math.min(next, this.pendingSinceMs + s.flushIntervalMs);
    this.alarm.armAt(Math.max(next, now + 1));
  }

  private connect(): Promise<void> {
    const config = this.config;
    if (this.connecting) return this.connecting;
    if (this.socket || !config || config.coins.length === 0) return Promise.resolve();
    const generation = ++this.generation;
    this.connecting = (async () => {
      try {
        const socket = await this.deps.openSocket(config.wsUrl, {
          onMessage: (text) => {
            if (generation === this.generation) this.onMessage(text);
          },
          onClose: () => {
            if (generation === this.generation) this.onDisconnect("socket closed");
          },
        });
        if (generation !== this.generation) return socket.close();
        this.socket = socket;
        this.lastMessageAtMs = this.lastPingAtMs = this.deps.nowMs();
        this.acked.clear();
        // Subscribe first, then backfill: whatever arrives meanwhile merges by `t`.
        for (const coin of config.coins) this.send(subscribeMessage(coin));
        this.reconnectAttempt = 0;
        // Not awaited: a backfill waits for weight and may time out; it must never hold `connecting`
        // (the watchdog could not reconnect a dead socket meanwhile).
        void this.backfill(config.coins, generation);
      } catch (error) {
        this.lastError = `connect: ${String(error)}`.slice(0, 300);
        if (generation === this.generation) this.onDisconnect("connect failed");
      }
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Forgets the socket, drops forming candles (backfill supplies their final state), schedules a retry. */
  private onDisconnect(reason: string): void {
    this.disconnect();
    this.counters.reconnects += 1;
    const s = this.settings;
    const ceiling = Math.min(s.reconnectMaxMs, s.reconnectBaseMs * 2 ** this.reconnectAttempt);
    const delay = Math.round(ceiling * (0.5 + this.deps.random() * 0.5));
    this.reconnectAttempt = Math.min(this.reconnectAttempt + 1, 30);
    this.nextReconnectAtMs = this.deps.nowMs() + delay;
    if (reason !== "connect failed") this.lastError = reason;
    this.alarm.armAt(this.nextReconnectAtMs);
  }

  private disconnect(): void {
    this.generation += 1;
    const socket = this.socket;
    this.socket = undefined;
    this.acked.clear();
    this.assembler.dropForming();
    if (socket) socket.close();
  }

  private send(text: string): void {
    try {
      this.socket?.send(text);
    } catch (error) {
      this.lastError = `send: ${String(error)}`.slice(0, 300);
    }
  }

  /** One frame from the socket. Never throws. */
  onMessage(text: string): void {
    const now = this.deps.nowMs();
    this.counters.messagesTotal += 1;
    this.lastMessageAtMs = now;
    this.meter.add(now);
    try {
      const frame = parseFrame(text);
      switch (frame.kind) {
        case "candles": {
          this.counters.malformedMessages += frame.invalid;
          const closed: WireCandle[] = [];
          for (const candle of frame.candles) {
            if (candle.i !== "1m" || !this.assembler.tracks(candle.s)) this.counters.unexpectedMessages += 1;
            else closed.push(...this.assembler.push(candle));
          }
          this.enqueue(closed);
          break;
        }
        case "subscription":
          if (frame.method === "subscribe" && this.assembler.tracks(frame.coin)) this.acked.add(frame.coin);
          else this.acked.delete(frame.coin);
          break;
        case "error":
          this.counters.errorFrames += 1;
          this.lastError = `exchange: ${frame.message}`;
          break;
        case "unexpected":
          this.counters.unexpectedMessages += 1;
          break;
        case "malformed":
          this.counters.malformedMessages += 1;
          break;
        case "pong":
        case "greeting":
          break;
      }
      this.enqueue(this.assembler.closeExpired(now, this.settings.closeGraceMs));
      this.maybeFlush(now);
    } catch (error) {
      this.counters.malformedMessages += 1;
      this.lastError = `frame: ${String(error)}`.slice(0, 300);
    }
  }

  private async backfill(coins: readonly string[], generation: number): Promise<void> {
    const config = this.config;
    if (!config || coins.length === 0) return;
    const fallback = Math.floor(this.deps.nowMs() / 60_000) * 60_000 - this.settings.initialBackfillMinutes * 60_000;
    // Newest gaps first (the budget orders waiters across shards by the same key).
    const queue = coins
      .filter((coin) => !this.backfilling.has(coin))
      .map((coin) => ({ coin, start: this.assembler.backfillStart(coin, fallback) }))
      .sort((a, b) => b.start - a.start);
    for (const { coin } of queue) {
      this.backfilling.add(coin);
      this.needsBackfill.add(coin);
    }
    await withConcurrency(queue, this.settings.backfillConcurrency, async (item) => {
      const coin = item.coin;
      if (generation !== this.generation || !this.assembler.tracks(coin)) {
        this.backfilling.delete(coin);
        return;
      }
      try {
        // Re-read the start: live closes may have moved the floor while this coin waited.
        const start = this.assembler.backfillStart(coin, fallback);
        const candles = await this.deps.fetchSnapshot(config.infoUrl, coin, start, { timeoutMs: this.settings.infoTimeoutMs });
        if (generation !== this.generation) return; // a newer connection backfills again
        const closed = this.assembler.backfill(coin, candles);
        if (closed.length > 0) {
          this.counters.gapsBackfilled += 1;
          this.counters.candlesBackfilled += closed.length;
          this.enqueue(closed);
        }
        this.needsBackfill.delete(coin);
      } catch (error) {
        this.needsBackfill.add(coin);
        this.counters.backfillFailures += 1;
        const s = this.settings;
        this.backfillRetryAtMs = this.deps.nowMs() + Math.round(s.backfillRetryMs * (0.5 + this.deps.random() * 0.5));
        this.alarm.armAt(this.backfillRetryAtMs);
        this.lastError = `backfill ${coin}: ${String(error)}`.slice(0, 300);
      } finally {
        this.backfilling.delete(coin);
      }
    });
    this.maybeFlush(this.deps.nowMs());
  }

  private enqueue(closed: readonly WireCandle[]): void {
    if (closed.length === 0) return;
    this.pending.push(...closed);
    if (this.pendingSinceMs === undefined) {
      // A quiet socket may bring no further message: the alarm writes the batch when it is due.
      this.pendingSinceMs = this.deps.nowMs();
      this.alarm.armAt(this.pendingSinceMs + this.settings.flushIntervalMs);
    }
  }

  private maybeFlush(now: number): void {
    if (this.flushing || this.pending.length === 0) return;
    const due = this.pending.length >= this.settings.flushBatchSize || now - (this.pendingSinceMs ?? now) >= this.settings.flushIntervalMs;
    if (due) void this.flush();
  }

  /** Writes pending closed candles (one D1 batch per call); on failure they stay pending. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.settings.flushBatchSize * 4);
    this.pendingSinceMs = this.pending.length > 0 ? this.deps.nowMs() : undefined;
    this.flushing = (async () => {
      try {
        await this.deps.persist(batch);
        this.counters.candlesPersisted += batch.length;
        const newest = new Map<string, number>();
        for (const c of batch) newest.set(c.s, Math.max(newest.get(c.s) ?? 0, c.t));
        this.deps.storage.markPersisted(newest);
      } catch (error) {
        this.pending.unshift(...batch);
        this.pendingSinceMs = this.deps.nowMs();
        this.lastError = `persist: ${String(error)}`.slice(0, 300);
      }
    })().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
    if (this.pending.length >= this.settings.flushBatchSize) await this.flush();
  }

  status(): FeedStatus {
    const now = this.deps.nowMs();
    return {
      shardId: this.config?.shardId ?? null,
      connected: this.socket !== undefined,
      coins: this.config?.coins.length ?? 0,
      subscriptions: this.acked.size,
      lastMessageAgeMs: this.lastMessageAtMs === undefined ? null : now - this.lastMessageAtMs,
      messagesPerMinute: this.meter.perMinute(now),
      pendingCandles: this.pending.length,
      closedAboveMax: this.assembler.closedAboveMax(),
      backfillsPending: this.needsBackfill.size,
      lastError: this.lastError,
      ...this.counters,
    };
  }
}
