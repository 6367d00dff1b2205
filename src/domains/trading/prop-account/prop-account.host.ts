/**
 * The behaviour of one PropAccount object (the class in durable-objects/prop-account/ is a shell that
 * forwards its RPC here). Each call validates its input with the shared zod schemas, loads the state,
 * runs one step of the pure engine (engine.model.ts) and commits state + effects + the idempotency log
 * entry + a projection outbox entry in one storage transaction (prop-account.storage.ts). Time comes
 * from the caller (`nowMs`, the job's scheduled time) and market data is passed in by the Worker, so
 * tests and replays control both.
 *
 * Idempotency keys: `action:<actionId>`, `admin:<requestId>`, `mark:<minute>`, `funding:<hour>` (and
 * the engine's own (coin, hour) watermark), `finalize`. Every commit arms the object's alarm in the same
 * storage transaction as its outbox entry; every entry point (open, intake, mark, settleFunding,
 * finalize, admin), even one that changes nothing, drains the outbox into the D1 projection, so an
 * entry left by a crash before its drain goes out with the next call or with the alarm (the only
 * timer; safe to run twice). A drain that leaves the outbox empty disarms the alarm.
 */
import { floorTo, HOUR_MS, MINUTE_MS } from "../../../core/clock";
import { type OpenAccountInput, OpenAccountSchema, type Snapshot } from "../account.model";
import type { AccountResult } from "../account-result.model";
import { type AccountSummary, fillView } from "../account-summary.model";
import { type AdminCommand, AdminCommandSchema, type AdminOutcome, type FundingRate, FundingRateSchema } from "../admin-command.model";
import { type DecisionActionInput, DecisionActionSchema, type IntakeOutcome } from "../decision-action.model";
import {
  type Applied,
  adminEvent,
  applyEvent,
  type EngineEvent,
  markMinute,
  openAccount,
  type StaleMark,
  settleHour,
} from "../engine.model";
import type { Fill } from "../execution.model";
import type { PropTransfer } from "../ledger-books.model";
import { type Market, MarketSchema } from "../market.model";
import { applyProjection } from "../projection.service";
import type { CandleInput } from "../risk.model";
import { toAccountSummary } from "../summary.model";
import { type AuditRow, type PageQuery, PropAccountStorage } from "./prop-account.storage";

const DRAIN_RETRY_MS = 30_000;

/** What the host needs from its object: its storage, the D1 projection target, its alarm and a clock. */
export interface PropAccountHostDeps {
  storage: DurableObjectStorage;
  db: D1Database;
  /** Wall clock, only for arming the retry alarm (engine time always comes from the caller). */
  nowMs: () => number;
}

export class PropAccountHost {
  private readonly store: PropAccountStorage;
  /** The projection drain in progress, if any (see `drain`). */
  private inflight: Promise<boolean> | null = null;

  constructor(private readonly deps: PropAccountHostDeps) {
    // Every commit arms the retry alarm in its own transaction (the outbox entry never waits on a timer
    // that a crash could lose); a drain that empties the outbox disarms it.
    this.store = new PropAccountStorage(deps.storage, () => deps.nowMs() + DRAIN_RETRY_MS);
  }

  /** Schema version of this object's storage. */
  schemaVersion(): number {
    return this.deps.storage.sql.exec<{ version: number }>("SELECT coalesce(max(version), 0) AS version FROM _schema_version").one()
      .version;
  }

  /** Opens the account (idempotent: a second open returns the existing summary unchanged). */
  async open(input: OpenAccountInput, nowMs: number): Promise<AccountSummary> {
    const existing = this.store.load();
    if (!existing) {
      const opened = openAccount(OpenAccountSchema.parse(input), nowMs);
      this.store.commit({ state: opened.state, effects: opened.effects, t: nowMs, log: [{ key: "open", answer: opened.state.accountId }] });
    }
    await this.drain();
    const summary = this.summary(nowMs);
    if (!summary) throw new Error("prop account is not open");
    return summary;
  }

  /** The intake: one outcome per action id, forever. */
  async submitAction(action: DecisionActionInput, nowMs: number, market: Market): Promise<IntakeOutcome> {
    const parsed = DecisionActionSchema.parse(action);
    if (!this.store.load()) {
      return { status: "denied", actionId: parsed.actionId, code: "account_not_active", message: "no such prop account", t: nowMs };
    }
    // A repeated action id answers from the log below, and still drains (after a crash, the first call
    // to arrive is what empties the outbox).
    const outcome = this.step(
      `action:${parsed.actionId}`,
      nowMs,
      { type: "action", t: nowMs, action: parsed, market: MarketSchema.parse(market) },
      (a) => a.outcome,
    );
    await this.drain();
    return outcome as IntakeOutcome;
  }

  /**
   * One minute's mark: triggers on the given closed candles, then mark-to-market (once per minute).
   * With `maxMarkAgeMs`, held symbols without a mark that fresh are not valued or liquidated this
   * minute (`staleMarks` says which, and the skip is kept in the minute's log entry).
   */
  async mark(
    nowMs: number,
    market: Market,
    candles: CandleInput[] = [],
    maxMarkAgeMs?: number,
  ): Promise<{ applied: boolean; status: string; equityMicroUsd: number | null; staleMarks: StaleMark[] }> {
    const parsedMarket = MarketSchema.parse(market);
    const key = `mark:${Math.floor(nowMs / MINUTE_MS)}`;
    const state = this.requireState();
    const marked =
      this.store.logged(key) !== null
        ? null
        : markMinute(state, { t: nowMs, market: parsedMarket, candles, ...(maxMarkAgeMs === undefined ? {} : { maxMarkAgeMs }) });
    if (!marked || marked.refused) {
      await this.drain();
      return { applied: false, status: state.status, equityMicroUsd: state.lastSnapshot?.equityMicroUsd ?? null, staleMarks: [] };
    }
    const answer = marked.staleMarks.length === 0 ? true : { staleMarks: marked.staleMarks };
    this.store.commit({ state: marked.state, effects: marked.effects, t: nowMs, log: [{ key, answer }] });
    await this.drain();
    return {
      applied: true,
      status: marked.state.status,
      equityMicroUsd: marked.state.lastSnapshot?.equityMicroUsd ?? null,
      staleMarks: marked.staleMarks,
    };
  }

  /** Settles one hour of funding for every open position among `rates` (keyed by hour; once). */
  async settleFunding(hourMs: number, rates: FundingRate[], nowMs: number): Promise<{ applied: boolean; payments: number }> {
    const key = `funding:${floorTo(hourMs, HOUR_MS)}`;
    const state = this.requireState();
    if (this.store.logged(key) !== null) return this.drained({ applied: false, payments: 0 });
    const settled = settleHour(state, { t: nowMs, hourMs, rates: FundingRateSchema.array().parse(rates) });
    if (settled.refused) return this.drained({ applied: false, payments: 0 });
    // An hour with a held symbol whose rate row is missing is not done: the next run retries it (the
    // engine's (coin, hour) key pays each pair once).
    const log = settled.missing.length === 0 ? [{ key, answer: settled.effects.length }] : [];
    this.store.commit({ state: settled.state, effects: settled.effects, t: nowMs, log });
    await this.drain();
    return { applied: true, payments: settled.effects.length };
  }

  /**
   * Closes positions at mark and writes the hashed result; again, it returns the same result. Null when
   * the engine refuses, e.g. no held symbol's mark is fresh at the window's end (`maxMarkAgeMs`): retry.
   */
  async finalize(nowMs: number, market: Market, maxMarkAgeMs?: number): Promise<AccountResult | null> {
    const state = this.requireState();
    if (state.result) return this.drained(state.result);
    const applied = applyEvent(state, { type: "finalize", t: nowMs, market: MarketSchema.parse(market), maxMarkAgeMs });
    if (applied.result)
      this.store.commit({
        state: applied.state,
        effects: applied.effects,
        t: nowMs,
        log: [{ key: "finalize", answer: applied.result.hash }],
      });
    await this.drain();
    return applied.result ?? null;
  }

  /** An audited admin control, idempotent on its request id. */
  async admin(command: AdminCommand, nowMs: number, market: Market): Promise<AdminOutcome> {
    const cmd = AdminCommandSchema.parse(command);
    const key = `admin:${cmd.requestId}`;
    const prior = this.store.logged<AdminOutcome>(key);
    if (prior) return this.drained(prior);
    const state = this.requireState();
    const m = MarketSchema.parse(market);
    const audit: AuditRow = { requestId: cmd.requestId, actor: cmd.actor, action: cmd.op.kind, reason: cmd.reason, atMs: nowMs };
    let answer: AdminOutcome;
    if (cmd.op.kind === "action") {
      const actionKey = `action:${cmd.op.action.actionId}`;
      const earlier = this.store.logged<IntakeOutcome>(actionKey);
      if (earlier) return this.drained({ status: "done", requestId: cmd.requestId, intake: earlier });
      const a = applyEvent(state, { type: "action", t: nowMs, action: DecisionActionSchema.parse(cmd.op.action), market: m });
      answer = { status: "done", requestId: cmd.requestId, intake: a.outcome };
      this.store.commit({
        state: a.state,
        effects: a.effects,
        t: nowMs,
        log: [
          { key, answer },
          { key: actionKey, answer: a.outcome },
        ],
        audit,
      });
    } else {
      const a = applyEvent(state, adminEvent(cmd.op, cmd.requestId, cmd.reason, nowMs, m));
      answer = a.refused
        ? { status: "refused", requestId: cmd.requestId, message: a.refused }
        : { status: "done", requestId: cmd.requestId, ...(a.result ? { result: a.result } : {}) };
      this.store.commit({ state: a.state, effects: a.effects, t: nowMs, log: [{ key, answer }], audit });
    }
    if (cmd.op.kind === "action") this.drainLater();
    else await this.drain();
    return answer;
  }

  /** The account summary as of `asOfMs`, valued at the newest stored marks. */
  summary(asOfMs: number): AccountSummary | null {
    const state = this.store.load();
    if (!state) return null;
    const recent = this.store.recentFills(20).map((j) => fillView(JSON.parse(j)));
    return toAccountSummary(state, { assets: {}, quotes: {} }, asOfMs, recent);
  }

  result(): AccountResult | null {
    return this.store.load()?.result ?? null;
  }

  fills(q: PageQuery) {
    return this.store.fills(q).map((r) => ({ seq: r.seq, fill: JSON.parse(r.json) as Fill }));
  }

  ledger(q: PageQuery) {
    return this.store.ledger(q).map((r) => ({ seq: r.seq, amountMicroUsd: r.amount, transfer: JSON.parse(r.json) as PropTransfer }));
  }

  orders(q: PageQuery) {
    return this.store.orderEvents(q);
  }

  snapshots(q: PageQuery & { hourlyOnly: boolean }) {
    return this.store.snapshots(q).map((r) => ({ t: r.t, hourly: r.hourly, snapshot: JSON.parse(r.json) as Snapshot }));
  }

  audit(): AuditRow[] {
    return this.store.audit();
  }

  /** Cash against the sum of the ledger (they are equal, always) and the projection watermark. */
  ledgerCheck(): { cashMicroUsd: number; ledgerSumMicroUsd: number; ackedSeq: number } {
    return {
      cashMicroUsd: this.store.load()?.cashMicroUsd ?? 0,
      ledgerSumMicroUsd: this.store.ledgerCashSum(),
      ackedSeq: this.store.ackedSeq(),
    };
  }

  /**
   * Brings the D1 projection up to the newest outbox entry. Single-flight: concurrent callers join the
   * drain in progress and, if a newer entry arrived meanwhile, one follow-up drain covers them all, so
   * a burst of N changes costs about two D1 batches, not N. On failure the alarm retries.
   */
  async drain(): Promise<number> {
    for (let round = 0; round < 3 && this.store.pendingOutbox(); round++) {
      this.inflight ??= this.drainOnce().finally(() => {
        this.inflight = null;
      });
      if (!(await this.inflight)) break;
    }
    return this.store.ackedSeq();
  }

  /**
   * Starts the projection drain without holding the caller's answer on it (intake hot path): the
   * object keeps running the drain after it answers, bursts coalesce into one D1 batch, a failure arms
   * the alarm. Readers of the projection are eventually consistent; `drain()` waits for it.
   */
  private drainLater(): void {
    void this.drain().catch((error: unknown) => console.error(JSON.stringify({ msg: "prop-account drain failed", error: String(error) })));
  }

  private async drainOnce(): Promise<boolean> {
    const entry = this.store.pendingOutbox();
    if (!entry) return true;
    try {
      await applyProjection(this.deps.db, entry);
      this.store.ackOutbox(entry.seq);
      return true;
    } catch (error) {
      console.error(JSON.stringify({ msg: "prop-account projection failed", seq: entry.seq, error: String(error) }));
      const storage = this.deps.storage;
      if ((await storage.getAlarm()) === null) await storage.setAlarm(this.deps.nowMs() + DRAIN_RETRY_MS);
      return false;
    }
  }

  /** Drains the outbox, then answers `value`: every entry point drains, even one that changed nothing. */
  private async drained<T>(value: T): Promise<T> {
    await this.drain();
    return value;
  }

  private requireState() {
    const state = this.store.load();
    if (!state) throw new Error("prop account is not open");
    return state;
  }

  /** Applies one keyed event; a key seen before returns its stored answer and changes nothing. */
  private step<T>(key: string, t: number, event: EngineEvent, answerOf: (a: Applied) => T): T {
    const prior = this.store.logged<T>(key);
    if (prior !== null) return prior;
    const applied = applyEvent(this.requireState(), event);
    const answer = answerOf(applied);
    this.store.commit({ state: applied.state, effects: applied.effects, t, log: [{ key, answer }] });
    return answer;
  }
}
