/**
 * Hyperliquid's request-weight budget, as pure code. The exchange allows 1200 weight a minute per IP
 * (an info request weighs 20; candleSnapshot adds 1 per 60 candles returned) and answers 429 past it.
 * Every caller behind one egress IP reserves weight from ONE budget (the HyperliquidBudget Durable
 * Object wraps this model) before it sends.
 *
 * Token bucket, sized so that no window of `windowMs` can carry more than `limit × safety`:
 *   capacity (burst) = limit × burstFraction, refill rate = (limit × safety − capacity) / windowMs,
 * hence in any window at most capacity + rate × window = limit × safety (1080 of 1200 by default; the
 * margin absorbs network reordering between our grant and the exchange's count).
 * A 429 empties the bucket and halves the rate for `shrinkMs` (the caller also backs off with jitter).
 * Waiters are served strictly by priority: polls (registry, contexts) before backfills, and among
 * backfills the newest gap first (larger `key` = the gap's start time), then arrival order.
 */
import { z } from "zod";

export const WeightBudgetSettingsSchema = z.object({
  limit: z.number().int().positive().default(1200),
  windowMs: z.number().int().positive().default(60_000),
  burstFraction: z.number().positive().max(1).default(0.1),
  safety: z.number().positive().max(1).default(0.9),
  shrinkFactor: z.number().positive().max(1).default(0.5),
  /** How long the rate stays shrunk after a 429 (default: one window). */
  shrinkMs: z.number().int().positive().optional(),
});
export type WeightBudgetSettings = z.infer<typeof WeightBudgetSettingsSchema>;

export const INFO_REQUEST_WEIGHT = 20;
export const SNAPSHOT_MAX_CANDLES = 5000;

/** Weight of a candleSnapshot returning `candles` candles (rounded up: the estimate must not undershoot). */
export const candleSnapshotWeight = (candles: number) => INFO_REQUEST_WEIGHT + Math.ceil(Math.max(0, candles) / 60);

/** Upper bound of a 1m candleSnapshot's weight from `startMs` to `nowMs` (forming minute included). */
export function estimateSnapshotWeight(startMs: number, nowMs: number): number {
  const minutes = Math.floor((nowMs - startMs) / 60_000) + 1;
  return candleSnapshotWeight(Math.min(SNAPSHOT_MAX_CANDLES, Math.max(1, minutes)));
}

export type WeightPriority = "poll" | "backfill";

export const ReserveRequestSchema = z.object({
  weight: z.number().int().positive().max(10_000),
  priority: z.enum(["poll", "backfill"]),
  /** Ordering among backfills: larger first (the gap's start time: newest gaps first). */
  key: z.number().default(0),
  /** Give up (not granted) after waiting this long. */
  maxWaitMs: z.number().int().min(0).max(600_000).default(120_000),
});
export type ReserveRequest = z.input<typeof ReserveRequestSchema>;

export interface Waiter {
  weight: number;
  priority: WeightPriority;
  key: number;
  seq: number;
}

/** The waiter served next: polls first, then the largest key, then the oldest. */
export function nextWaiter<W extends Waiter>(waiters: readonly W[]): W | undefined {
  let best: W | undefined;
  for (const w of waiters) {
    if (!best) best = w;
    else if (w.priority !== best.priority) best = w.priority === "poll" ? w : best;
    else if (w.key !== best.key) best = w.key > best.key ? w : best;
    else if (w.seq < best.seq) best = w;
  }
  return best;
}

export class TokenBucket {
  private tokens: number;
  private lastMs: number;
  private shrunkUntilMs = Number.NEGATIVE_INFINITY;

  constructor(
    private settings: WeightBudgetSettings,
    nowMs: number,
  ) {
    this.tokens = this.capacity;
    this.lastMs = nowMs;
  }

  get capacity(): number {
    return this.settings.limit * this.settings.burstFraction;
  }

  /** Weight per ms at `nowMs` (shrunk after a 429). */
  rate(nowMs: number): number {
    const s = this.settings;
    const base = (s.limit * s.safety - this.capacity) / s.windowMs;
    return nowMs < this.shrunkUntilMs ? base * s.shrinkFactor : base;
  }

  reconfigure(settings: WeightBudgetSettings, nowMs: number): void {
    this.refill(nowMs);
    this.settings = settings;
    this.tokens = Math.min(this.tokens, this.capacity);
  }

  private refill(nowMs: number): void {
    if (nowMs > this.lastMs) this.tokens = Math.min(this.capacity, this.tokens + (nowMs - this.lastMs) * this.rate(nowMs));
    this.lastMs = Math.max(this.lastMs, nowMs);
  }

  /** Takes `weight` (clamped to the capacity, so a huge ask cannot wait forever) if available now. */
  tryTake(weight: number, nowMs: number): boolean {
    this.refill(nowMs);
    const w = Math.min(weight, this.capacity);
    if (this.tokens + 1e-9 < w) return false;
    this.tokens -= w;
    return true;
  }

  /** Milliseconds until `weight` could be taken (0 when it can now). */
  msUntil(weight: number, nowMs: number): number {
    this.refill(nowMs);
    const missing = Math.min(weight, this.capacity) - this.tokens;
    return missing <= 0 ? 0 : Math.ceil(missing / this.rate(nowMs));
  }

  /** The exchange answered 429: empty the bucket and shrink the rate for a while. */
  penalize(nowMs: number): void {
    this.refill(nowMs);
    this.tokens = 0;
    this.shrunkUntilMs = nowMs + (this.settings.shrinkMs ?? this.settings.windowMs);
  }

  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }
}

/** Peak weight granted in any window of `windowMs` (exact over the grants it was told about). */
export class PeakMeter {
  private readonly grants: Array<{ atMs: number; weight: number }> = [];
  private inWindow = 0;
  peak = 0;
  total = 0;

  constructor(private windowMs: number) {}

  add(atMs: number, weight: number): void {
    this.grants.push({ atMs, weight });
    this.inWindow += weight;
    this.total += weight;
    while (this.grants.length > 0 && (this.grants[0]?.atMs ?? atMs) <= atMs - this.windowMs)
      this.inWindow -= this.grants.shift()?.weight ?? 0;
    this.peak = Math.max(this.peak, this.inWindow);
  }

  setWindow(windowMs: number): void {
    this.windowMs = windowMs;
  }
}
