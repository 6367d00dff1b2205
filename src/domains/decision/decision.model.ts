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
  "expired",
  "spend_cap_reached",
  // succeeded
  "filled",
  "denied",
  "accepted",
  "engine_malformed",
  "engine_schema_violation",
  "engine_refused",
  "engine_timeout",
  "engine_truncated",
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
  | "expired"
  | "spend_cap_reached"
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

/** The longest a run may start after its slot before it is too late to act: one cadence, at most 5 minutes. */
export const MAX_RUN_DELAY_MS = 5 * 60_000;

/** After this instant a run that has not decided yet ends `skipped`/`expired`: it would act on a stale slot. */
export const runDeadlineMs = (run: { slotMs: number; cadenceSec: number }): number =>
  run.slotMs + Math.min(run.cadenceSec * 1000, MAX_RUN_DELAY_MS);

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
  /** The execution's decision cadence (s); absent: one minute. */
  cadenceSec?: number;
  /** The intake's reference price for the symbol as of `asOfMs` (mid, mark or newest close), when known. */
  referencePx?: number | null;
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

/** `truncated`: the answer stopped at the output budget (`finish_reason: length`) or for an unknown reason (`other`). */
export const ENGINE_FAILURES = ["malformed", "schema_violation", "refused", "timeout", "truncated", "error"] as const;
export type EngineFailureCode = (typeof ENGINE_FAILURES)[number];

export interface EngineFailure {
  code: EngineFailureCode;
  message: string;
  /** A later attempt may succeed (429, 5xx, Anthropic 529, timeout): retried on the queue while the slot is valid. */
  transient?: boolean;
}

export interface EngineResult {
  /** The answer as the engine returned it (parsed JSON when it parsed; the raw text otherwise). */
  proposal: unknown;
  usage: EngineUsage;
  /** Time spent inside the engine (the model call and its retries). */
  engineMs: number;
  /** Raw model response text, archived as the run's response artifact. */
  responseText?: string;
  /** Set when the engine could not produce a usable answer: the runtime records a hold instead. */
  failure?: EngineFailure;
}

/** One decision engine: `decide(packet, prompt, signal) -> proposal + usage`. Never throws for a bad answer. */
export interface DecisionEngine {
  readonly id: string;
  decide(packet: DecisionPacket, prompt: DecisionPrompt, signal: AbortSignal): Promise<EngineResult>;
}

// ---------- proposals ----------

/** The longest invalidation condition kept with a position (checked after the answer, like `reason`). */
export const MAX_INVALIDATION_CHARS = 500;

/** A non-negative decimal string ("250.5"): sizes and prices are never negative. */
const NonNegativeDecimal = z.string().regex(/^\d+(\.\d+)?$/, "a non-negative decimal such as 250.5");

/**
 * What a model writes: the `DecisionAction` fields a decision owns. The runtime stamps the rest
 * (`actionId`, `decidedAtMs`, `slotMs`, `decisionRunId`) so a model can neither replay another run's
 * action id nor move its slot. This is the structured-output schema sent to providers, in the form
 * OpenAI's strict mode demands: every property required (the optional ones nullable: `null` means
 * "not given" and is mapped back before validation), no additional properties, and `reason` first so
 * the model reasons before it decides. Units are USD and asset prices, never micro-USD. String lengths
 * are checked after the answer (`DecisionActionSchema`), not on the wire (strict mode rejects them).
 */
export const ModelProposalSchema = z
  .strictObject({
    reason: z.string().describe("your reasoning first, in a few sentences; then the decision that follows from it"),
    symbol: z.string().describe("the asset being decided, exactly as given"),
    action: z.enum(["hold", "open_long", "open_short", "increase", "reduce", "close"]),
    sizeUsd: NonNegativeDecimal.nullable().describe('notional in USD as a decimal string, e.g. "250.5"; null for hold and close'),
    leverage: z.number().int().min(1).nullable().describe("leverage for open/increase, at most the venue limit; null keeps 1"),
    stopLossPx: NonNegativeDecimal.nullable().describe("reduce-only stop price in USD; replaces any earlier stop; null for none"),
    takeProfitPx: NonNegativeDecimal.nullable().describe("reduce-only take-profit price in USD; replaces any earlier one; null for none"),
    invalidationCondition: z
      .string()
      .nullable()
      .describe(
        `for open/increase: the market condition that would prove this trade wrong (at most ${MAX_INVALIDATION_CHARS} characters); it is stored with the position and shown back to you next time; null keeps the earlier one`,
      ),
    confidence: z.number().min(0).max(1).describe("0 to 1"),
  })
  .openapi("ModelProposal");
export type ModelProposal = z.infer<typeof ModelProposalSchema>;

/** The proposal fields a model may leave `null` (strict mode has no optional properties). */
export const NULLABLE_PROPOSAL_FIELDS = ["sizeUsd", "leverage", "stopLossPx", "takeProfitPx", "invalidationCondition"] as const;

/**
 * What `toDecisionAction` accepts: a proposal with its `null`s mapped back to "absent" (local engines
 * write this directly). Other keys pass through to `DecisionActionSchema`, which refuses what it must.
 */
export const ProposalInputSchema = z.looseObject({
  reason: z.string(),
  symbol: z.string().optional(),
  action: z.enum(["hold", "open_long", "open_short", "increase", "reduce", "close"]),
  sizeUsd: z.union([NonNegativeDecimal, z.number().finite().nonnegative()]).optional(),
  leverage: z.number().int().min(1).optional(),
  stopLossPx: NonNegativeDecimal.optional(),
  takeProfitPx: NonNegativeDecimal.optional(),
  invalidationCondition: z.string().max(MAX_INVALIDATION_CHARS).optional(),
  confidence: z.number().min(0).max(1),
});
export type ProposalInput = z.input<typeof ProposalInputSchema>;

/** `value` with every nullable proposal field it lacks set to `null` (a non-strict server may omit them). */
export function withNullDefaults(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const filled: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of NULLABLE_PROPOSAL_FIELDS) if (!(key in filled)) filled[key] = null;
  return filled;
}

/** Strict mode's `null` means "not given": drop those keys so `DecisionActionSchema` applies its defaults. */
export function withoutNulls(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null));
}

export interface ActionStamp {
  runId: string;
  symbol: string;
  slotMs: number;
  decidedAtMs: number;
}

export type ProposalCheck = { ok: true; action: DecisionAction } | { ok: false; code: "schema_violation"; message: string };

/**
 * Validates an engine's proposal as a `DecisionAction` for this run. A proposal for another symbol is a
 * schema violation (the run decides one asset); so is a negative size or price. `null`s (strict mode's
 * "not given") are dropped first. Extra keys are dropped by the schema.
 */
export function toDecisionAction(proposal: unknown, stamp: ActionStamp): ProposalCheck {
  if (typeof proposal !== "object" || proposal === null || Array.isArray(proposal)) {
    return { ok: false, code: "schema_violation", message: "the proposal is not a JSON object" };
  }
  const record = withoutNulls(proposal as Record<string, unknown>);
  if (record.symbol !== undefined && record.symbol !== stamp.symbol) {
    return {
      ok: false,
      code: "schema_violation",
      message: `the proposal is for ${String(record.symbol)}, the run decides ${stamp.symbol}`,
    };
  }
  const shape = ProposalInputSchema.safeParse(record);
  if (!shape.success) return { ok: false, code: "schema_violation", message: issuesOf(shape.error).slice(0, 1000) };
  const parsed = DecisionActionSchema.safeParse({
    ...record,
    actionId: actionIdOf(stamp.runId),
    symbol: stamp.symbol,
    decidedAtMs: stamp.decidedAtMs,
    slotMs: stamp.slotMs,
    decisionRunId: stamp.runId,
  });
  if (!parsed.success) return { ok: false, code: "schema_violation", message: issuesOf(parsed.error).slice(0, 1000) };
  return { ok: true, action: parsed.data };
}

const issuesOf = (error: z.ZodError): string => error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");

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
  truncated: "engine_truncated",
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
