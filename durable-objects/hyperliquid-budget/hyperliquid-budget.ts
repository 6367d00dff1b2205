/**
 * HyperliquidBudget: the ONE request-weight budget of an egress IP (object name `egress-default`).
 * Every Hyperliquid info caller (feed shards' backfills, registry and contexts polls) awaits
 * `reserve` before it sends and reports a 429 through `penalize`. A thin shell over the pure
 * TokenBucket/nextWaiter (src/domains/market-data/hyperliquid/budget/weight-budget.model.ts):
 * waiting callers are held as pending RPCs and released strictly by priority as the bucket refills.
 *
 * Storage: `budget_config` (settings JSON) so a reconfigured budget survives eviction. The bucket
 * itself is memory: after an eviction it restarts full, which the burst size (10 % of the limit) and
 * the safety margin absorb. Waiters of an evicted object see their RPC fail and retry later.
 */
import { DurableObject } from "cloudflare:workers";
import {
  nextWaiter,
  PeakMeter,
  type ReserveRequest,
  ReserveRequestSchema,
  TokenBucket,
  type Waiter,
  type WeightBudgetSettings,
  WeightBudgetSettingsSchema,
} from "../../src/domains/market-data";
import { migrateStorage, type StorageMigration } from "../shared/storage-migrations";

const MIGRATIONS: StorageMigration[] = [
  { version: 1, statements: ["CREATE TABLE budget_config (id INTEGER PRIMARY KEY CHECK (id = 1), settings_json TEXT NOT NULL)"] },
];

interface PendingWaiter extends Waiter {
  deadlineMs: number;
  enqueuedMs: number;
  resolve(result: ReserveResult): void;
}

export interface ReserveResult {
  granted: boolean;
  waitedMs: number;
}

export interface BudgetStatus {
  settings: WeightBudgetSettings;
  available: number;
  waiting: number;
  granted: number;
  refused: number;
  penalties: number;
  weightGranted: number;
  peakWeightPerWindow: number;
}

export class HyperliquidBudget extends DurableObject<Env> {
  private settings: WeightBudgetSettings = WeightBudgetSettingsSchema.parse({});
  private bucket = new TokenBucket(this.settings, Date.now());
  private meter = new PeakMeter(this.settings.windowMs);
  private readonly waiters: PendingWaiter[] = [];
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly counts = { granted: 0, refused: 0, penalties: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrateStorage(ctx.storage, MIGRATIONS);
      const row = ctx.storage.sql.exec<{ settings_json: string }>("SELECT settings_json FROM budget_config WHERE id = 1").toArray()[0];
      if (row) this.apply(WeightBudgetSettingsSchema.parse(JSON.parse(row.settings_json)));
    });
  }

  private apply(settings: WeightBudgetSettings): void {
    this.settings = settings;
    this.bucket = new TokenBucket(settings, Date.now());
    this.meter = new PeakMeter(settings.windowMs);
  }

  /** Replaces the settings (tests scale the window; production keeps the published limits). */
  async configure(input: Partial<WeightBudgetSettings>): Promise<BudgetStatus> {
    const settings = WeightBudgetSettingsSchema.parse(input);
    this.ctx.storage.sql.exec(
      "INSERT INTO budget_config (id, settings_json) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET settings_json = excluded.settings_json",
      JSON.stringify(settings),
    );
    this.apply(settings);
    return this.status();
  }

  /** Resolves when `weight` is granted (or refused after `maxWaitMs`). */
  async reserve(input: ReserveRequest): Promise<ReserveResult> {
    const req = ReserveRequestSchema.parse(input);
    const now = Date.now();
    return new Promise<ReserveResult>((resolve) => {
      this.waiters.push({ ...req, seq: this.seq++, enqueuedMs: now, deadlineMs: now + req.maxWaitMs, resolve });
      this.dispatch();
    });
  }

  /** A caller got 429: shrink the budget. */
  async penalize(): Promise<BudgetStatus> {
    this.counts.penalties += 1;
    this.bucket.penalize(Date.now());
    return this.status();
  }

  async status(): Promise<BudgetStatus> {
    return {
      settings: this.settings,
      available: Math.floor(this.bucket.available(Date.now())),
      waiting: this.waiters.length,
      ...this.counts,
      weightGranted: this.meter.total,
      peakWeightPerWindow: this.meter.peak,
    };
  }

  /** Grants in priority order while the bucket allows; otherwise sleeps until the head can be served. */
  private dispatch(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const now = Date.now();
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i];
      if (w && w.deadlineMs <= now) {
        this.waiters.splice(i, 1);
        this.counts.refused += 1;
        w.resolve({ granted: false, waitedMs: now - w.enqueuedMs });
      }
    }
    for (let head = nextWaiter(this.waiters); head; head = nextWaiter(this.waiters)) {
      if (!this.bucket.tryTake(head.weight, now)) {
        const soonestDeadline = Math.min(...this.waiters.map((w) => w.deadlineMs));
        const wait = Math.min(this.bucket.msUntil(head.weight, now), Math.max(0, soonestDeadline - now));
        this.timer = setTimeout(() => this.dispatch(), Math.max(1, wait));
        return;
      }
      this.waiters.splice(this.waiters.indexOf(head), 1);
      this.counts.granted += 1;
      this.meter.add(now, Math.min(head.weight, this.bucket.capacity));
      head.resolve({ granted: true, waitedMs: now - head.enqueuedMs });
    }
  }
}
