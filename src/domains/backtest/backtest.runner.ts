/**
 * The backtest's slot loop over recorded market memory (D1), one chunk of slots at a time, through the
 * same public surfaces the live runtime uses, so a fix in any of them reaches backtests at once:
 *   - context: the candidate scan and the packet as of each slot (look-ahead free), with the backtest's
 *     own paper account embedded as the account summary;
 *   - decision: the engine (`resolveEngine`: hold, rules-v1 or the clone's model), the proposal check
 *     (`toDecisionAction`, a hold on failure) and the cost formula;
 *   - trading: the pure paper engine (`openAccount`, `settleHour` at each hour boundary, `markMinute`
 *     with the closed candles since the previous slot for triggers, mark and liquidation, then
 *     `applyEvent` for each action: the gates, fills and fees) and the D1 market reads the jobs use.
 * Per slot t (order as in production: funding job, mark job, then the decisions of the slot):
 *   1. funding for every hour boundary H in (previous slot, t] over the positions then held;
 *   2. markMinute(t) with the 1m candles opened in [previous slot, t) and the market as of t;
 *   3. for each strategy whose execution is due at t: the candidate scan, then per candidate the
 *      packet, the engine, the action through the intake (nothing is decided once the account is not
 *      active: the gates would deny it anyway);
 *   4. the equity point of the slot.
 * No D1 writes here: the service stores progress per chunk. Ids are derived from the slot and symbol
 * (never random), so two runs of the same request produce identical fills and the same report.
 * Callers: backtest.service.ts, test/integration/backtest.test.ts, test/bench/backtest.bench.ts.
 */
import { sha256Hex } from "../../core/sha256";
import { type ContextDeps, scanCandidates } from "../context";
import {
  costMicroUsd,
  type DecisionEngine,
  type DecisionSettings,
  type EngineOptions,
  holdAction,
  packetSource,
  resolveEngine,
  toDecisionAction,
} from "../decision";
import { createSeriesCache } from "../market-data";
import type { Model } from "../strategy";
import {
  type AccountState,
  type AccountSummary,
  type Applied,
  applyEvent,
  candlesBetween,
  type Effect,
  type EngineEvent,
  FillViewSchema,
  fundingRatesFor,
  loadMarket,
  type Market,
  markMinute,
  openAccount,
  settleHour,
  toAccountSummary,
} from "../trading";
import { chainPacketHash, type Progress } from "./backtest.model";

/** The paper account's id inside a backtest: constant, so derived fill and ledger ids repeat across runs. */
export const BACKTEST_ACCOUNT_ID = "backtest";
const HOUR = 3_600_000;

/** What the runner decides: the compiled plan reduced to what the loop needs. */
export interface BacktestPlan {
  cloneId: string;
  ownerId: string;
  modelId: string;
  fromMs: number;
  toMs: number;
  stepMs: number;
  slots: number[];
  symbols: string[];
  strategies: Array<{ strategyId: string; executions: Array<{ symbol: string; cadenceMs: number }> }>;
  startingBalanceMicroUsd: number;
}

export interface RunnerDeps {
  d1: D1Database;
  /** Context deps with the registry (and a series cache) shared for the whole chunk. */
  context: ContextDeps;
  settings: DecisionSettings;
  engineOptions?: EngineOptions;
  /** Observes every engine step (tests run the ledger invariants here). */
  onStep?: (before: AccountState, event: EngineEvent, applied: Applied, market: Market) => void;
  /** Stops the chunk early (cancel, time budget): checked between slots. */
  shouldStop?: () => boolean;
}

/** A fresh progress: the paper account opened at `fromMs` with the deposit of the starting balance. */
export function startProgress(plan: BacktestPlan): { progress: Progress; effects: Effect[] } {
  const opened = openAccount(
    {
      accountId: BACKTEST_ACCOUNT_ID,
      cloneId: plan.cloneId,
      ownerId: plan.ownerId,
      kind: "sandbox",
      startingBalanceMicroUsd: plan.startingBalanceMicroUsd,
      startMs: plan.fromMs,
      endMs: plan.toMs + 1,
      rules: {},
      allowedSymbols: plan.symbols,
      pins: null,
    },
    plan.fromMs,
  );
  return {
    effects: opened.effects,
    progress: {
      state: opened.state,
      next: 0,
      lastT: plan.fromMs,
      curve: [],
      fills: [],
      decisions: [],
      firstPx: {},
      lastPx: {},
      packetsHash: sha256Hex(""),
      packets: 0,
      inputTokens: 0,
      outputTokens: 0,
      costMicroUsd: 0,
      engineFailures: {},
    },
  };
}

const refPx = (market: Market, symbol: string): string | undefined => {
  const q = market.quotes[symbol];
  return q ? (q.closePx ?? q.markPx) : undefined;
};

export type EngineChoice = { ok: true; engine: DecisionEngine; model: Model } | { ok: false; reason: string; message: string };

export const engineFor = (plan: BacktestPlan, deps: RunnerDeps): EngineChoice =>
  resolveEngine(plan.modelId, deps.settings, deps.engineOptions);

/**
 * Runs at most `maxSlots` slots from `p.next`; returns the progress (mutated in place as well). Throws
 * only for infrastructure failures (D1): the caller retries the chunk from the stored progress.
 */
export async function runChunk(
  plan: BacktestPlan,
  deps: RunnerDeps,
  engine: EngineChoice,
  p: Progress,
  maxSlots: number,
): Promise<Progress> {
  if (!engine.ok) throw new Error(`engine unavailable: ${engine.message}`);
  const end = Math.min(plan.slots.length, p.next + maxSlots);
  let summary: AccountSummary | undefined;
  const step = (event: EngineEvent, applied: Applied, market: Market) => {
    deps.onStep?.(p.state, event, applied, market);
    p.state = applied.state;
    for (const e of applied.effects) if (e.type === "fill") p.fills.push(FillViewSchema.parse(e.fill));
  };

  while (p.next < end) {
    if (deps.shouldStop?.()) break;
    const t = plan.slots[p.next] as number;
    // Reads are shared inside a slot (the scan and the packets), never across slots: each has its own asOf.
    const ctx: ContextDeps = { ...deps.context, series: createSeriesCache(), accountSummary: async () => summary ?? null };
    const packets = packetSource(ctx, () => summary as AccountSummary);
    const market = await loadMarket(deps.d1, plan.symbols, t);

    // 1. Funding at every hour boundary since the previous slot.
    for (let h = Math.floor(p.lastT / HOUR) * HOUR + HOUR; h <= t; h += HOUR) {
      const rates = (await fundingRatesFor(deps.d1, h)).filter((r) => plan.symbols.includes(r.symbol));
      const first = rates[0];
      if (!first) continue;
      // The invariant hook sees the fold as one funding step (its checks compare states, not events).
      const event: EngineEvent = {
        type: "funding",
        t: h,
        symbol: first.symbol,
        hourMs: h,
        hourlyRate: first.hourlyRate,
        oraclePx: first.oraclePx,
      };
      step(event, settleHour(p.state, { t: h, hourMs: h, rates }), market);
    }

    // 2. Triggers on the closed minutes since the previous slot, then mark (liquidation).
    const candles = await candlesBetween(deps.d1, plan.symbols, p.lastT, t);
    step({ type: "mark", t, market }, markMinute(p.state, { t, market, candles }), market);

    // 3. The slot's decisions.
    if (p.state.status === "active") {
      for (const strategy of plan.strategies) {
        const due = strategy.executions.filter((e) => t % e.cadenceMs === 0);
        if (due.length === 0) continue;
        summary = toAccountSummary(p.state, market, t, p.fills.slice(-20));
        const scanned = await scanCandidates(ctx, {
          cloneId: plan.cloneId,
          strategyId: strategy.strategyId,
          asOfMs: t,
          slotMs: t,
          propAccountId: BACKTEST_ACCOUNT_ID,
        });
        const dueSymbols = new Set(due.map((e) => e.symbol));
        const candidates = scanned.ok ? scanned.value.selected.filter((s) => dueSymbols.has(s)) : [];
        for (const symbol of candidates) {
          summary = toAccountSummary(p.state, market, t, p.fills.slice(-20));
          await decide(plan, engine, packets, p, step, market, strategy.strategyId, symbol, t);
        }
      }
    }

    // 4. The slot's equity point and benchmark prices.
    const closing = toAccountSummary(p.state, market, t, []);
    p.curve.push({ t, equityMicroUsd: closing.equityMicroUsd, exposed: closing.positions.length > 0 });
    for (const s of plan.symbols) {
      const px = refPx(market, s);
      if (!px) continue;
      p.firstPx[s] ??= px;
      p.lastPx[s] = px;
    }
    p.lastT = t;
    p.next += 1;
  }
  return p;
}

async function decide(
  plan: BacktestPlan,
  engine: Extract<EngineChoice, { ok: true }>,
  packets: ReturnType<typeof packetSource>,
  p: Progress,
  step: (event: EngineEvent, applied: Applied, market: Market) => void,
  market: Market,
  strategyId: string,
  symbol: string,
  t: number,
): Promise<void> {
  const resolved = await packets.resolve({ cloneId: plan.cloneId, strategyId, symbol, asOfMs: t, accountId: BACKTEST_ACCOUNT_ID });
  if (!resolved.ok) {
    p.engineFailures.packet_failed = (p.engineFailures.packet_failed ?? 0) + 1;
    return;
  }
  const { packet, prompt } = resolved.value;
  p.packetsHash = chainPacketHash(p.packetsHash, packet.hash);
  p.packets += 1;
  const result = await engine.engine.decide(packet, prompt, AbortSignal.timeout(60_000));
  p.inputTokens += result.usage.inputTokens;
  p.outputTokens += result.usage.outputTokens;
  p.costMicroUsd += costMicroUsd(result.usage, engine.model.pricing);
  // Derived ids: the same slot and symbol give the same action id in every run of this request.
  const stamp = { runId: `bt-${t}-${symbol}`, symbol, slotMs: t, decidedAtMs: t };
  let failure = result.failure;
  let action = undefined as ReturnType<typeof holdAction> | undefined;
  if (!failure) {
    const checked = toDecisionAction(result.proposal, stamp);
    if (checked.ok) action = checked.action;
    else failure = { code: checked.code, message: checked.message };
  }
  if (failure) p.engineFailures[failure.code] = (p.engineFailures[failure.code] ?? 0) + 1;
  action ??= holdAction(stamp, `engine ${failure?.code}: ${failure?.message}`);
  const event: EngineEvent = { type: "action", t, action, market };
  const applied = applyEvent(p.state, event);
  step(event, applied, market);
  const outcome = applied.outcome;
  if (!outcome) throw new Error("the paper engine returned no outcome for an action");
  if (action.action !== "hold" || outcome.status !== "accepted") {
    p.decisions.push({
      t,
      symbol,
      action: action.action,
      outcome: outcome.status,
      gateCode: outcome.status === "denied" ? outcome.code : null,
      packetHash: packet.hash,
    });
  }
}
