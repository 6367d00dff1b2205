/**
 * The decision runtime's pure core: run statuses and their transition table, reason codes, cadence
 * slots, the engine port, the model-facing proposal schema, proposal -> `DecisionAction` validation and
 * the cost formula. No I/O. Callers: decision.service.ts (runs), engines/* (the port), the routes (the
 * wire shapes), test/unit/decision-model.test.ts.
 *
 * Invariants:
 *   - A run is one row per (scope, strategy, symbol, slot); scope is a prop account id or a dry-run id.
 *   - Status moves only along RUN_TRANSITIONS; terminal statuses never change again.
 *   - A proposal becomes a `DecisionAction` only after `DecisionActionSchema` accepts it with the
 *     server-owned fields (action id, symbol, slot, run id, time) stamped by us, never by the model.
 */
import { z } from "@hono/zod-openapi";
import { defineTransitions, transition } from "../../core/transitions";
import type { AccountSummary } from "../trading";
import { type DecisionAction, DecisionActionSchema } from "../trading";

// ---------- statuses and reasons ----------

export const RUN_STATUSES = ["pending", "running", "succeeded", "failed", "skipped"] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/**
 * Why a run ended where it did. `skipped`: the engine was never called. `succeeded`: an action reached
 * the intake (its outcome says filled/denied/accepted); `engine_*` ones are holds that stand in for a
 * failed model answer. `failed`: the pipeline broke before the intake answered.
 */
export const RUN_REASONS = [
  // skipped
  "provider_not_configured",
  "model_strength_exceeded",
  "asset_capacity_exceeded",
  "unknown_model",
  "trading_disabled",
  "account_not_active",
  // succeeded
  "filled",
  "denied",
  "accepted",
  "engine_malformed",
  "engine_schema_violation",
  "engine_refused",
  "engine_timeout",
  "engine_error",
  // failed
  "packet_failed",
  "intake_failed",
  "dead_lettered",
  "internal_error",
] as const;
export const RunReasonSchema = z.enum(RUN_REASONS);
export type RunReason = z.infer<typeof RunReasonSchema>;

export type SkipReason = Extract<
  RunReason,
  | "provider_not_configured"
  | "model_strength_exceeded"
  | "asset_capacity_exceeded"
  | "unknown_model"
  | "trading_disabled"
  | "account_not_active"
>;

/**
 * The run lifecycle, in the core/transitions idiom (the event is the target status). `running -> running`
 * is a lease takeover after a consumer died mid-run.
 */
export const RUN_TRANSITIONS = defineTransitions<RunStatus, RunStatus>({
  pending: { running: "running", skipped: "skipped", failed: "failed" },
  running: { running: "running", succeeded: "succeeded", failed: "failed", skipped: "skipped" },
  succeeded: {},
  failed: {},
  skipped: {},
});

export type Transition = { ok: true; to: RunStatus } | { ok: false; error: "invalid_transition"; from: RunStatus; to: RunStatus };

/** `from -> to` when the table allows it, else an `invalid_transition` value. */
export function transitionRun(from: RunStatus, to: RunStatus): Transition {
  return transition(RUN_TRANSITIONS, from, to).ok ? { ok: true, to } : { ok: false, error: "invalid_transition", from, to };
}

// ---------- slots ----------

/** The cadence bucket `atMs` falls in: slots start at multiples of the cadence since the epoch (UTC). */
export function slotOf(atMs: number, cadenceSec: number): number {
  const bucket = cadenceSec * 1000;
  return Math.floor(atMs / bucket) * bucket;
}

/** The intake's idempotency key for the one action of a run: derived, so a retry reuses it. */
export const actionIdOf = (runId: string): string => `act_${runId}`;

// ---------- the engine port ----------

/** The market view of the decided asset that local engines read (the full packet is in `body`). */
export interface IndicatorSnapshot {
  /** Open time of the bar these values closed with. */
  t: number;
  close: number;
  rsi14: number | null;
  bbUpper: number | null;
  bbMiddle: number | null;
  bbLower: number | null;
  ema20: number | null;
  macd: number | null;
  macdSignal: number | null;
  macdHist: number | null;
}

export interface VenueLimits {
  szDecimals: number;
  maxLeverage: number;
  minNotionalUsd: number;
}

/** What an engine decides on: the context packet's hash and body plus the typed views local engines use. */
export interface DecisionPacket {
  hash: string;
  cloneId: string;
  strategyId: string;
  symbol: string;
  asOfMs: number;
  account: AccountSummary;
  venue: VenueLimits;
  /** Newest closed 1m bar with its indicators, when the packet has them. */
  indicators: IndicatorSnapshot | null;
  /** The whole packet as resolved (canonical JSON is what the hash covers). */
  body: unknown;
}

export interface DecisionPrompt {
  system: string;
  user: string;
}

export interface EngineUsage {
  inputTokens: number;
  outputTokens: number;
}
export const ZERO_USAGE: EngineUsage = { inputTokens: 0, outputTokens: 0 };

export const ENGINE_FAILURES = ["malformed", "schema_violation", "refused", "timeout", "error"] as const;
export type EngineFailureCode = (typeof ENGINE_FAILURES)[number];

export interface EngineResult {
  /** The answer as the engine returned it (parsed JSON when it parsed; the raw text otherwise). */
  proposal: unknown;
  usage: EngineUsage;
  /** Time spent inside the engine (the model call and its retries). */
  engineMs: number;
  /** Raw model response text, archived as the run's response artifact. */
  responseText?: string;
  /** Set when the engine could not produce a usable answer: the runtime records a hold instead. */
  failure?: { code: EngineFailureCode; message: string };
}

/** One decision engine: `decide(packet, prompt, signal) -> proposal + usage`. Never throws for a bad answer. */
export interface DecisionEngine {
  readonly id: string;
  decide(packet: DecisionPacket, prompt: DecisionPrompt, signal: AbortSignal): Promise<EngineResult>;
}

// ---------- proposals ----------

/**
 * What a model writes: the `DecisionAction` fields a decision owns. The runtime stamps the rest
 * (`actionId`, `decidedAtMs`, `slotMs`, `decisionRunId`) so a model can neither replay another run's
 * action id nor move its slot. This is the structured-output schema sent to providers.
 */
export const ModelProposalSchema = z
  .object({
    symbol: z.string().min(1).max(64).describe("the asset being decided, exactly as given"),
    action: z.enum(["hold", "open_long", "open_short", "increase", "reduce", "close"]),
    sizeUsd: z.string().optional().describe('notional in USD as a decimal string, e.g. "250.5"; omit for hold/close'),
    leverage: z.number().int().min(1).optional(),
    stopLossPx: z.string().optional().describe("reduce-only stop price as a decimal string"),
    takeProfitPx: z.string().optional().describe("reduce-only take-profit price as a decimal string"),
    confidence: z.number().min(0).max(1),
    reason: z.string().max(2000),
  })
  .openapi("ModelProposal");
export type ModelProposal = z.infer<typeof ModelProposalSchema>;

export interface ActionStamp {
  runId: string;
  symbol: string;
  slotMs: number;
  decidedAtMs: number;
}

export type ProposalCheck = { ok: true; action: DecisionAction } | { ok: false; code: "schema_violation"; message: string };

/**
 * Validates an engine's proposal as a `DecisionAction` for this run. A proposal for another symbol is a
 * schema violation (the run decides one asset). Extra keys are dropped by the schema.
 */
export function toDecisionAction(proposal: unknown, stamp: ActionStamp): ProposalCheck {
  if (typeof proposal !== "object" || proposal === null || Array.isArray(proposal)) {
    return { ok: false, code: "schema_violation", message: "the proposal is not a JSON object" };
  }
  const record = proposal as Record<string, unknown>;
  if (record.symbol !== undefined && record.symbol !== stamp.symbol) {
    return {
      ok: false,
      code: "schema_violation",
      message: `the proposal is for ${String(record.symbol)}, the run decides ${stamp.symbol}`,
    };
  }
  const parsed = DecisionActionSchema.safeParse({
    ...record,
    actionId: actionIdOf(stamp.runId),
    symbol: stamp.symbol,
    decidedAtMs: stamp.decidedAtMs,
    slotMs: stamp.slotMs,
    decisionRunId: stamp.runId,
  });
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    return { ok: false, code: "schema_violation", message: message.slice(0, 1000) };
  }
  return { ok: true, action: parsed.data };
}

/** The hold a failed engine answer turns into; its reason names the failure. */
export function holdAction(stamp: ActionStamp, reason: string): DecisionAction {
  return {
    actionId: actionIdOf(stamp.runId),
    symbol: stamp.symbol,
    action: "hold",
    leverage: 1,
    confidence: 0,
    reason: reason.slice(0, 2000),
    decidedAtMs: stamp.decidedAtMs,
    slotMs: stamp.slotMs,
    decisionRunId: stamp.runId,
  };
}

/** The run reason recorded for an engine failure (the run still succeeds, with a hold). */
export const ENGINE_FAILURE_REASON: Readonly<Record<EngineFailureCode, RunReason>> = {
  malformed: "engine_malformed",
  schema_violation: "engine_schema_violation",
  refused: "engine_refused",
  timeout: "engine_timeout",
  error: "engine_error",
};

// ---------- cost ----------

/**
 * Cost of one call in integer micro-USD: tokens x price per million tokens, summed, rounded up to the
 * next micro-USD (a provider never bills less than it metered). Exact in integers.
 */
export function costMicroUsd(usage: EngineUsage, pricing: { inputMicroUsdPerMTok: number; outputMicroUsdPerMTok: number }): number {
  const numerator =
    BigInt(usage.inputTokens) * BigInt(pricing.inputMicroUsdPerMTok) + BigInt(usage.outputTokens) * BigInt(pricing.outputMicroUsdPerMTok);
  return Number((numerator + 999_999n) / 1_000_000n);
}
