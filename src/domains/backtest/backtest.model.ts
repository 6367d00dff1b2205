/**
 * The backtest's pure core: the request, the slot grid, the progress state carried between chunks,
 * the report's metrics and its hash, and the model-cost estimate. No I/O, no clock.
 * Callers: backtest.runner.ts (the slot loop), backtest.service.ts (create, chunks, finish),
 * backtest.routes.ts (wire shapes), test/unit/backtest-model.test.ts.
 *
 * Invariants:
 *   - Slots are the cadence grid `fromMs + k × step` (step = the smallest enabled cadence), k ≥ 1, up
 *     to and including `toMs`: a decision at slot t sees only data closed by t (the context packet's
 *     look-ahead rule), and the first one has the window's first step of data behind it.
 *   - The report is a function of the request and the stored data only: no ids, no wall-clock time, so
 *     the same request over the same data gives the same `reportHash`.
 *   - Money is integer micro-USD; ratios are rounded (4 decimals, 6 for Sharpe/Sortino) before hashing.
 */
import { z } from "@hono/zod-openapi";
import { canonicalJson } from "../../core/canonical-json";
import { sha256Hex } from "../../core/sha256";
import { type AccountState, type FillView, FillViewSchema } from "../trading";

export const BACKTEST_ENGINES = ["hold", "rules-v1", "model"] as const;
export const BacktestEngineSchema = z.enum(BACKTEST_ENGINES);
export type BacktestEngine = z.infer<typeof BacktestEngineSchema>;

export const BACKTEST_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export const BacktestStatusSchema = z.enum(BACKTEST_STATUSES);
export type BacktestStatus = z.infer<typeof BacktestStatusSchema>;
export const isTerminalStatus = (s: BacktestStatus): boolean => s === "succeeded" || s === "failed" || s === "cancelled";

export const BacktestRequestSchema = z
  .object({
    fromMs: z.number().int().nonnegative().openapi({ description: "window start (UTC epoch ms)" }),
    toMs: z.number().int().positive().openapi({ description: "window end (UTC epoch ms), not in the future" }),
    startingBalanceUsd: z.number().positive().max(10_000_000).openapi({ description: "paper starting balance in USD" }),
    engine: BacktestEngineSchema.openapi({ description: "hold | rules-v1 | model (the clone's model; needs confirmCostMicroUsd)" }),
    confirmCostMicroUsd: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .openapi({ description: "engine=model only: the caller's confirmed spend (≥ the estimate)" }),
  })
  .refine((r) => r.toMs > r.fromMs, { message: "toMs must be after fromMs", path: ["toMs"] })
  .openapi("BacktestRequest");
export type BacktestRequest = z.infer<typeof BacktestRequestSchema>;

/** Catalog model id an engine choice runs: `model` is the clone's own. */
export const modelIdFor = (engine: BacktestEngine, cloneModelId: string): string =>
  engine === "hold" ? "hold" : engine === "rules-v1" ? "rules-v1" : cloneModelId;

/** The decision slots of [fromMs, toMs] at `stepMs` (see the header). */
export function slotGrid(fromMs: number, toMs: number, stepMs: number): number[] {
  const first = Math.ceil((fromMs + 1) / stepMs) * stepMs;
  const out: number[] = [];
  for (let t = first; t <= toMs; t += stepMs) out.push(t);
  return out;
}

/** One decision the backtest made that was not a plain accepted hold (the report keeps those only). */
export const BacktestDecisionSchema = z.object({
  t: z.number().int(),
  symbol: z.string(),
  action: z.string(),
  outcome: z.enum(["filled", "denied", "accepted"]),
  gateCode: z.string().nullable(),
  packetHash: z.string(),
});
export type BacktestDecision = z.infer<typeof BacktestDecisionSchema>;

/** Everything the runner carries from one chunk to the next (stored as JSON on the backtest row). */
export interface Progress {
  state: AccountState;
  /** Index of the next slot to run. */
  next: number;
  /** Previous slot time (the mark and trigger window starts there). */
  lastT: number;
  curve: Array<{ t: number; equityMicroUsd: number; exposed: boolean }>;
  fills: FillView[];
  decisions: BacktestDecision[];
  /** Reference price per symbol at the first slot (benchmark start) and at the newest one. */
  firstPx: Record<string, string>;
  lastPx: Record<string, string>;
  /** Rolling SHA-256 over every packet hash, in slot and symbol order (an input of the report hash). */
  packetsHash: string;
  packets: number;
  inputTokens: number;
  outputTokens: number;
  costMicroUsd: number;
  /** Engine failures that became holds (model answers), by code. */
  engineFailures: Record<string, number>;
}

export const chainPacketHash = (rolling: string, packetHash: string): string => sha256Hex(`${rolling}${packetHash}`);

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Largest (peak − equity) / peak × 100 over the curve. */
export function maxDrawdownPct(equities: readonly number[]): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (const e of equities) {
    peak = Math.max(peak, e);
    if (peak > 0) worst = Math.max(worst, ((peak - e) / peak) * 100);
  }
  return round(worst, 4);
}

/** Simple returns between consecutive points (a non-positive base is skipped). */
export function periodReturns(equities: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < equities.length; i++) {
    const prev = equities[i - 1] as number;
    if (prev > 0) out.push((equities[i] as number) / prev - 1);
  }
  return out;
}

/** Periods per year at `stepMs`: crypto perps trade all 365 days, 24 h (no trading-day calendar). */
export const periodsPerYear = (stepMs: number): number => (365 * 86_400_000) / stepMs;

/**
 * Sharpe = mean / sample stdev of per-slot returns × √(periods per year); Sortino = mean / downside
 * deviation (√ of the mean of min(r, 0)² over all returns) × the same factor. Risk-free rate 0. Null
 * below 2 returns or with a zero denominator.
 */
export function riskRatios(returns: readonly number[], stepMs: number): { sharpe: number | null; sortino: number | null } {
  if (returns.length < 2) return { sharpe: null, sortino: null };
  const n = returns.length;
  const mean = returns.reduce((s, r) => s + r, 0) / n;
  const variance = returns.reduce((s, r) => s + (r - mean) ** 2, 0) / (n - 1);
  const downside = Math.sqrt(returns.reduce((s, r) => s + Math.min(r, 0) ** 2, 0) / n);
  const k = Math.sqrt(periodsPerYear(stepMs));
  return {
    sharpe: variance > 0 ? round((mean / Math.sqrt(variance)) * k, 6) : null,
    sortino: downside > 0 ? round((mean / downside) * k, 6) : null,
  };
}

const Micro = z.number().int();

export const BacktestReportSchema = z
  .object({
    inputs: z.object({
      cloneId: z.string(),
      pipelineVersion: z.number().int(),
      engine: BacktestEngineSchema,
      modelId: z.string(),
      fromMs: z.number().int(),
      toMs: z.number().int(),
      stepMs: z.number().int(),
      symbols: z.array(z.string()),
      startingBalanceMicroUsd: Micro,
      packetsHash: z.string().openapi({ description: "rolling SHA-256 over every packet hash the engine saw" }),
      packets: z.number().int(),
    }),
    finalEquityMicroUsd: Micro,
    cashMicroUsd: Micro,
    realizedPnlMicroUsd: Micro,
    unrealizedPnlMicroUsd: Micro,
    feesMicroUsd: Micro,
    fundingMicroUsd: Micro,
    liquidationMicroUsd: Micro,
    volumeMicroUsd: Micro,
    /** final equity = start + realized + unrealized + fees + funding + liquidation (all signed). */
    reconciles: z.boolean(),
    status: z.string().openapi({ description: "paper account status at the end (active | liquidated)" }),
    returnPct: z.number(),
    maxDrawdownPct: z.number(),
    sharpe: z.number().nullable(),
    sortino: z.number().nullable(),
    annualisation: z.string(),
    roundTrips: z.number().int(),
    wins: z.number().int(),
    winRate: z.number().nullable(),
    exposurePct: z.number().openapi({ description: "share of slots ending with an open position, %" }),
    turnover: z.number().openapi({ description: "traded notional / mean equity" }),
    benchmark: z.array(
      z.object({ symbol: z.string(), traded: z.boolean(), startPx: z.string(), endPx: z.string(), buyHoldReturnPct: z.number() }),
    ),
    usage: z.object({ inputTokens: z.number().int(), outputTokens: z.number().int(), costMicroUsd: Micro }),
    engineFailures: z.record(z.string(), z.number().int()),
    equityCurve: z.array(z.object({ t: z.number().int(), equityMicroUsd: Micro, exposed: z.boolean() })),
    fills: z.array(FillViewSchema),
    decisions: z.array(BacktestDecisionSchema),
    reportHash: z.string(),
  })
  .openapi("BacktestReport");
export type BacktestReport = z.infer<typeof BacktestReportSchema>;

export const hashReport = (body: Omit<BacktestReport, "reportHash">): string => sha256Hex(canonicalJson(body));

/** The final report from the progress after the last slot; `valuation` is the end state's mark. */
export function buildReport(
  inputs: BacktestReport["inputs"],
  p: Progress,
  end: { equityMicroUsd: number; unrealizedPnlMicroUsd: number },
): BacktestReport {
  const st = p.state;
  const start = inputs.startingBalanceMicroUsd;
  const equities = [start, ...p.curve.map((c) => c.equityMicroUsd)];
  const { sharpe, sortino } = riskRatios(periodReturns(equities), inputs.stepMs);
  const t = st.totals;
  const explained = start + t.realizedPnlMicroUsd + end.unrealizedPnlMicroUsd + t.feesMicroUsd + t.fundingMicroUsd + t.liquidationMicroUsd;
  const meanEquity = equities.reduce((s, e) => s + e, 0) / equities.length;
  const traded = new Set(p.fills.map((f) => f.symbol));
  const body: Omit<BacktestReport, "reportHash"> = {
    inputs,
    finalEquityMicroUsd: end.equityMicroUsd,
    cashMicroUsd: st.cashMicroUsd,
    realizedPnlMicroUsd: t.realizedPnlMicroUsd,
    unrealizedPnlMicroUsd: end.unrealizedPnlMicroUsd,
    feesMicroUsd: t.feesMicroUsd,
    fundingMicroUsd: t.fundingMicroUsd,
    liquidationMicroUsd: t.liquidationMicroUsd,
    volumeMicroUsd: t.volumeMicroUsd,
    reconciles: explained === end.equityMicroUsd && t.adjustmentsMicroUsd === 0,
    status: st.status,
    returnPct: start > 0 ? round(((end.equityMicroUsd - start) * 100) / start, 4) : 0,
    maxDrawdownPct: maxDrawdownPct(equities),
    sharpe,
    sortino,
    annualisation: `per-slot simple returns × √(365 × 86400000 / ${inputs.stepMs}); risk-free 0`,
    roundTrips: t.roundTrips,
    wins: t.wins,
    winRate: t.roundTrips > 0 ? round(t.wins / t.roundTrips, 4) : null,
    exposurePct: p.curve.length > 0 ? round((p.curve.filter((c) => c.exposed).length * 100) / p.curve.length, 4) : 0,
    turnover: meanEquity > 0 ? round(t.volumeMicroUsd / meanEquity, 4) : 0,
    benchmark: inputs.symbols.flatMap((symbol) => {
      const a = p.firstPx[symbol];
      const b = p.lastPx[symbol];
      if (!a || !b || Number(a) <= 0) return [];
      return [{ symbol, traded: traded.has(symbol), startPx: a, endPx: b, buyHoldReturnPct: round((Number(b) / Number(a) - 1) * 100, 4) }];
    }),
    usage: { inputTokens: p.inputTokens, outputTokens: p.outputTokens, costMicroUsd: p.costMicroUsd },
    engineFailures: p.engineFailures,
    equityCurve: p.curve,
    fills: p.fills,
    decisions: p.decisions,
  };
  return { ...body, reportHash: hashReport(body) };
}

/** Output tokens assumed per model call in the estimate (a proposal is a short JSON object). */
export const ESTIMATED_OUTPUT_TOKENS = 400;

/**
 * Upper-bound cost of a model backtest: every (slot, execution) decides with a prompt at its full
 * budget (the assembled prompt is trimmed to it) and `ESTIMATED_OUTPUT_TOKENS` out, priced like a run
 * (`ceil` to the micro-USD).
 */
export function estimateCostMicroUsd(
  decisions: ReadonlyArray<{ calls: number; promptBudgetTokens: number }>,
  pricing: { inputMicroUsdPerMTok: number; outputMicroUsdPerMTok: number },
): number {
  let total = 0;
  for (const d of decisions) {
    total += d.calls * (d.promptBudgetTokens * pricing.inputMicroUsdPerMTok + ESTIMATED_OUTPUT_TOKENS * pricing.outputMicroUsdPerMTok);
  }
  return Math.ceil(total / 1e6);
}
