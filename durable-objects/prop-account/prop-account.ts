/**
 * PropAccount: the one writer of one prop account (named by its account id). A thin shell over the
 * pure paper engine (src/domains/trading/engine.model.ts): each RPC validates its input with the
 * shared zod schemas, loads the state, applies one engine event and commits state + effects + the
 * idempotency log entry + a projection outbox entry in one storage transaction. Time comes from the
 * caller (`nowMs`, the job's scheduled time) and market data is passed in by the Worker, so tests and
 * replays control both.
 *
 * Idempotency keys: `action:<actionId>`, `admin:<requestId>`, `mark:<minute>`, `funding:<hour>` (and
 * the engine's own (coin, hour) watermark), `finalize`. After each commit the object drains its outbox
 * into the D1 projection; the alarm retries a failed drain (the only timer; safe to run twice).
 */
import { DurableObject } from "cloudflare:workers";
import type { Transfer } from "../../src/domains/ledger";
import { type OpenAccountInput, OpenAccountSchema, type Snapshot } from "../../src/domains/trading/account.model";
import type { AccountSummary, FillView } from "../../src/domains/trading/account-summary.model";
import { type DecisionActionInput, DecisionActionSchema, type IntakeOutcome } from "../../src/domains/trading/decision-action.model";
import { type Applied, applyEvent, type EngineEvent, openAccount } from "../../src/domains/trading/engine.model";
import type { Fill } from "../../src/domains/trading/execution.model";
import { type Market, MarketSchema } from "../../src/domains/trading/market.model";
import { applyProjection } from "../../src/domains/trading/projection.service";
import type { AccountResult } from "../../src/domains/trading/result.model";
import type { CandleInput } from "../../src/domains/trading/risk.model";
import { toAccountSummary } from "../../src/domains/trading/summary.model";
import {
  type AdminCommand,
  AdminCommandSchema,
  type AdminOutcome,
  type FundingRate,
  FundingRateSchema,
} from "../../src/domains/trading/trading.rpc";
import { migrateStorage } from "../shared/storage-migrations";
import { type AuditRow, type PageQuery, PROP_ACCOUNT_MIGRATIONS, PropAccountStorage } from "./prop-account-storage";

const DRAIN_RETRY_MS = 30_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export class PropAccount extends DurableObject<Env> {
  private readonly store: PropAccountStorage;
  /** The projection drain in progress, if any (see `drain`). */
  private inflight: Promise<boolean> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new PropAccountStorage(ctx.storage);
    ctx.blockConcurrencyWhile(async () => {
      migrateStorage(ctx.storage, PROP_ACCOUNT_MIGRATIONS);
    });
  }

  /** Schema version of this object's storage. */
  async schemaVersion(): Promise<number> {
    return this.ctx.storage.sql.exec<{ version: number }>("SELECT coalesce(max(version), 0) AS version FROM _schema_version").one().version;
  }

  /** Opens the account (idempotent: a second open returns the existing summary unchanged). */
  async open(input: OpenAccountInput, nowMs: number): Promise<AccountSummary> {
    const existing = this.store.load();
    if (!existing) {
      const opened = openAccount(OpenAccountSchema.parse(input), nowMs);
      this.store.commit({ state: opened.state, effects: opened.effects, t: nowMs, log: [{ key: "open", answer: opened.state.accountId }] });
    }
    await this.drain();
    return this.summaryOrThrow(nowMs);
  }

  /** The intake: one outcome per action id, forever. */
  async submitAction(action: DecisionActionInput, nowMs: number, market: Market): Promise<IntakeOutcome> {
    const parsed = DecisionActionSchema.parse(action);
    if (!this.store.load()) {
      return { status: "denied", actionId: parsed.actionId, code: "account_not_active", message: "no such prop account", t: nowMs };
    }
    const outcome = this.step(
      `action:${parsed.actionId}`,
      nowMs,
      { type: "action", t: nowMs, action: parsed, market: MarketSchema.parse(market) },
      (a) => a.outcome,
    );
    await this.drain();
    return outcome as IntakeOutcome;
  }

  /** One minute's mark: triggers on the given closed candles, then mark-to-market (once per minute). */
  async mark(
    nowMs: number,
    market: Market,
    candles: CandleInput[] = [],
  ): Promise<{ applied: boolean; status: string; equityMicroUsd: number | null }> {
    const parsedMarket = MarketSchema.parse(market);
    const key = `mark:${Math.floor(nowMs / MINUTE_MS)}`;
    const state = this.requireState();
    if (this.store.logged(key) !== null || state.status === "finalized") {
      return { applied: false, status: state.status, equityMicroUsd: state.lastSnapshot?.equityMicroUsd ?? null };
    }
    let current = state;
    const effects: Applied["effects"] = [];
    for (const candle of [...candles].sort((a, b) => a.openTimeMs - b.openTimeMs)) {
      const a = applyEvent(current, { type: "candle", t: nowMs, candle });
      current = a.state;
      effects.push(...a.effects);
    }
    const marked = applyEvent(current, { type: "mark", t: nowMs, market: parsedMarket });
    effects.push(...marked.effects);
    this.store.commit({ state: marked.state, effects, t: nowMs, log: [{ key, answer: true }] });
    await this.drain();
    return { applied: true, status: marked.state.status, equityMicroUsd: marked.state.lastSnapshot?.equityMicroUsd ?? null };
  }

  /** Settles one hour of funding for every open position among `rates` (keyed by hour; once). */
  async settleFunding(hourMs: number, rates: FundingRate[], nowMs: number): Promise<{ applied: boolean; payments: number }> {
    const key = `funding:${Math.floor(hourMs / HOUR_MS) * HOUR_MS}`;
    const state = this.requireState();
    if (this.store.logged(key) !== null || (state.status !== "active" && state.status !== "frozen")) return { applied: false, payments: 0 };
    let current = state;
    const effects: Applied["effects"] = [];
    for (const rate of FundingRateSchema.array().parse(rates)) {
      if (!current.positions[rate.symbol]) continue;
      const a = applyEvent(current, {
        type: "funding",
        t: nowMs,
        symbol: rate.symbol,
        hourMs,
        hourlyRate: rate.hourlyRate,
        oraclePx: rate.oraclePx,
      });
      current = a.state;
      effects.push(...a.effects);
    }
    this.store.commit({ state: current, effects, t: nowMs, log: [{ key, answer: effects.length }] });
    await this.drain();
    return { applied: true, payments: effects.length };
  }

  /** Closes positions at mark and writes the hashed result; again, it returns the same result. */
  async finalize(nowMs: number, market: Market): Promise<AccountResult | null> {
    const state = this.requireState();
    if (state.result) return state.result;
    const applied = applyEvent(state, { type: "finalize", t: nowMs, market: MarketSchema.parse(market) });
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
    if (prior) return prior;
    const state = this.requireState();
    const m = MarketSchema.parse(market);
    const audit: AuditRow = { requestId: cmd.requestId, actor: cmd.actor, action: cmd.op.kind, reason: cmd.reason, atMs: nowMs };
    let answer: AdminOutcome;
    if (cmd.op.kind === "action") {
      const actionKey = `action:${cmd.op.action.actionId}`;
      const earlier = this.store.logged<IntakeOutcome>(actionKey);
      if (earlier) return { status: "done", requestId: cmd.requestId, intake: earlier };
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
      const event: EngineEvent =
        cmd.op.kind === "force_close"
          ? { type: "force_close", t: nowMs, symbol: cmd.op.symbol, market: m, requestId: cmd.requestId }
          : cmd.op.kind === "adjust"
            ? { type: "adjust", t: nowMs, amountMicroUsd: cmd.op.amountMicroUsd, requestId: cmd.requestId, reason: cmd.reason }
            : cmd.op.kind === "finalize"
              ? { type: "finalize", t: nowMs, market: m }
              : { type: cmd.op.kind, t: nowMs };
      const a = applyEvent(state, event);
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
  async summary(asOfMs: number): Promise<AccountSummary | null> {
    const state = this.store.load();
    if (!state) return null;
    const recent = this.store.recentFills(20).map((j) => fillView(JSON.parse(j)));
    return toAccountSummary(state, { assets: {}, quotes: {} }, asOfMs, recent);
  }

  async result(): Promise<AccountResult | null> {
    return this.store.load()?.result ?? null;
  }

  async fills(q: PageQuery) {
    return this.store.fills(q).map((r) => ({ seq: r.seq, fill: JSON.parse(r.json) as Fill }));
  }

  async ledger(q: PageQuery) {
    return this.store.ledger(q).map((r) => ({ seq: r.seq, amountMicroUsd: r.amount, transfer: JSON.parse(r.json) as Transfer }));
  }

  async orders(q: PageQuery) {
    return this.store.orderEvents(q);
  }

  async snapshots(q: PageQuery & { hourlyOnly: boolean }) {
    return this.store.snapshots(q).map((r) => ({ t: r.t, hourly: r.hourly, snapshot: JSON.parse(r.json) as Snapshot }));
  }

  async audit(): Promise<AuditRow[]> {
    return this.store.audit();
  }

  /** Cash against the sum of the ledger (they are equal, always) and the projection watermark. */
  async ledgerCheck(): Promise<{ cashMicroUsd: number; ledgerSumMicroUsd: number; ackedSeq: number }> {
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
      await applyProjection(this.env.DB, entry);
      this.store.ackOutbox(entry.seq);
      return true;
    } catch (error) {
      console.error(JSON.stringify({ msg: "prop-account projection failed", seq: entry.seq, error: String(error) }));
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + DRAIN_RETRY_MS);
      return false;
    }
  }

  override async alarm(): Promise<void> {
    await this.drain();
  }

  private requireState() {
    const state = this.store.load();
    if (!state) throw new Error("prop account is not open");
    return state;
  }

  private summaryOrThrow(nowMs: number): Promise<AccountSummary> {
    return this.summary(nowMs).then((s) => {
      if (!s) throw new Error("prop account is not open");
      return s;
    });
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

/** The API view of a stored fill (the engine's extra fields stay internal). */
function fillView(f: FillView): FillView {
  return {
    fillId: f.fillId,
    t: f.t,
    actionId: f.actionId,
    symbol: f.symbol,
    side: f.side,
    sz: f.sz,
    px: f.px,
    notionalMicroUsd: f.notionalMicroUsd,
    feeMicroUsd: f.feeMicroUsd,
    feeRate: f.feeRate,
    reason: f.reason,
  };
}
