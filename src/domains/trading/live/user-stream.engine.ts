/**
 * The behaviour of one live account's exchange stream, kept off the Durable Object (as the market-data
 * feed keeps FeedEngine) so it reads and tests as plain code with its I/O injected: one outbound
 * WebSocket, the `userEvents` + `orderUpdates` subscriptions (sent again after every reconnect), a ping
 * every 30 s (the exchange drops a socket it has heard nothing from for 60 s), a silent socket closed
 * after 90 s, and reconnects with jittered exponential backoff (1 s doubling to 60 s, reset by any frame
 * heard). Frames are applied one at a time, in arrival order.
 *
 * Invariants: a frame never throws out of `onMessage` (a failed apply is counted; the poll is the
 * backstop); `watchdog` (the alarm) is idempotent; a stopped stream opens nothing. Callers: the
 * LiveUserStream Durable Object (durable-objects/live-user-stream/), test/unit/live-user-stream-engine.test.ts.
 */

import { userSubscribeMessages } from "./hyperliquid/ws-user.model";
import type { UserStreamConfig } from "./live-stream.service";

export interface StreamSocket {
  send(text: string): void;
  close(): void;
}

export interface UserStreamDeps {
  nowMs(): number;
  random(): number;
  openSocket(wsUrl: string, handlers: { onMessage(text: string): void; onClose(): void }): Promise<StreamSocket>;
  /** Applies one frame (live-stream.service.ts `applyUserFrame`). */
  apply(liveAccountId: string, text: string): Promise<{ kind: string; count: number }>;
  /** Whether the account should still stream (active or paused); a frozen or unknown one stops it. */
  stillLive(liveAccountId: string): Promise<boolean>;
  saveConfig(config: UserStreamConfig | null): void;
  setAlarm(atMs: number): void;
  deleteAlarm(): void;
}

export const STREAM_PING_MS = 30_000;
export const STREAM_SILENCE_MS = 90_000;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;

export interface UserStreamStatus {
  liveAccountId: string | null;
  connected: boolean;
  connects: number;
  reconnectAttempts: number;
  lastFrameAtMs: number | null;
  fillsStored: number;
  fundingStored: number;
  orderUpdatesMatched: number;
  malformed: number;
  applyFailures: number;
}

export class UserStreamEngine {
  private config: UserStreamConfig | null = null;
  private socket: StreamSocket | undefined;
  private connecting: Promise<void> | undefined;
  /** Bumped on every connection change: events of an older socket are ignored. */
  private generation = 0;
  private attempts = 0;
  private nextAttemptAtMs = 0;
  private lastHeardAtMs = 0;
  private lastFrameAtMs: number | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly counters = { connects: 0, fillsStored: 0, fundingStored: 0, orderUpdatesMatched: 0, malformed: 0, applyFailures: 0 };

  constructor(private readonly deps: UserStreamDeps) {}

  /** After an eviction: the stored configuration (the alarm then reconnects). */
  restore(config: UserStreamConfig | null): void {
    this.config = config;
  }

  /** Holds the stream of `config` (a changed URL or user reconnects); connects now if not connected. */
  async start(config: UserStreamConfig): Promise<UserStreamStatus> {
    const changed = this.config && (this.config.wsUrl !== config.wsUrl || this.config.userAddress !== config.userAddress);
    this.config = config;
    this.deps.saveConfig(config);
    if (changed) this.drop();
    if (!this.socket) await this.connect();
    return this.status();
  }

  /** Closes the socket and forgets the account (no alarm, no reconnect). */
  stop(): void {
    this.config = null;
    this.deps.saveConfig(null);
    this.drop();
    this.deps.deleteAlarm();
  }

  /** Waits until every frame received so far has been applied (tests, status reads). */
  async settled(): Promise<void> {
    await this.chain;
  }

  status(): UserStreamStatus {
    return {
      liveAccountId: this.config?.liveAccountId ?? null,
      connected: this.socket !== undefined,
      reconnectAttempts: this.attempts,
      lastFrameAtMs: this.lastFrameAtMs,
      ...this.counters,
    };
  }

  /** The alarm: stops for an account no longer live, reconnects when due, pings, closes a silent socket. */
  async watchdog(): Promise<void> {
    const config = this.config;
    if (!config) return;
    if (!(await this.deps.stillLive(config.liveAccountId))) return this.stop();
    const now = this.deps.nowMs();
    if (this.socket && now - this.lastHeardAtMs > STREAM_SILENCE_MS) this.onClosed(this.generation);
    if (!this.socket && now >= this.nextAttemptAtMs) await this.connect();
    else if (this.socket) this.socket.send(JSON.stringify({ method: "ping" }));
    this.arm();
  }

  private arm(): void {
    const now = this.deps.nowMs();
    this.deps.setAlarm(this.socket ? now + STREAM_PING_MS : Math.max(now + 100, this.nextAttemptAtMs));
  }

  private drop(): void {
    this.generation++;
    this.socket?.close();
    this.socket = undefined;
  }

  private async connect(): Promise<void> {
    if (this.connecting) return this.connecting;
    const config = this.config;
    if (!config) return;
    const generation = ++this.generation;
    this.connecting = (async () => {
      try {
        const socket = await this.deps.openSocket(config.wsUrl, {
          onMessage: (text) => this.onMessage(generation, config.liveAccountId, text),
          onClose: () => this.onClosed(generation),
        });
        if (generation !== this.generation) return socket.close();
        this.socket = socket;
        this.lastHeardAtMs = this.deps.nowMs();
        this.counters.connects++;
        for (const message of userSubscribeMessages(config.userAddress)) socket.send(message);
      } catch {
        this.scheduleReconnect();
      } finally {
        this.connecting = undefined;
        this.arm();
      }
    })();
    return this.connecting;
  }

  private onClosed(generation: number): void {
    if (generation !== this.generation || !this.socket) return;
    this.drop();
    this.scheduleReconnect();
    this.arm();
  }

  private scheduleReconnect(): void {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempts);
    this.attempts++;
    this.nextAttemptAtMs = this.deps.nowMs() + Math.round(base * (0.5 + this.deps.random() / 2));
  }

  private onMessage(generation: number, liveAccountId: string, text: string): void {
    if (generation !== this.generation) return;
    this.lastHeardAtMs = this.deps.nowMs();
    this.attempts = 0;
    this.chain = this.chain.then(async () => {
      try {
        const applied = await this.deps.apply(liveAccountId, text);
        if (applied.kind === "malformed") this.counters.malformed++;
        if (applied.kind === "ignored" || applied.kind === "malformed") return;
        this.lastFrameAtMs = this.deps.nowMs();
        if (applied.kind === "fills") this.counters.fillsStored += applied.count;
        if (applied.kind === "funding") this.counters.fundingStored += applied.count;
        if (applied.kind === "orders") this.counters.orderUpdatesMatched += applied.count;
      } catch {
        this.counters.applyFailures++;
      }
    });
  }
}
