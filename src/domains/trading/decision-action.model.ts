/**
 * The action contract shared by the decision runtime (producer) and the prop-account intake
 * (consumer). Owned by the trading domain: a decision engine's proposal becomes a `DecisionAction`
 * only after this schema accepts it, and the intake's safety gates then decide its outcome.
 *
 * Semantics (enforced by the intake, not by the schema):
 *   - `open_long`/`open_short` from flat opens; on the same side it increases; on the opposite side
 *     it is refused with `opposite_position` (close first).
 *   - `reduce` larger than the position closes it.
 *   - `sizeUsd` converts to size at the reference price, rounded down to the asset's `szDecimals`.
 *   - A repeated `actionId` returns the first outcome and changes nothing.
 */
import { z } from "@hono/zod-openapi";

/** A decimal written as a string ("0.015", "-3") or a finite number; parsed exactly by the engine. */
const DecimalInputSchema = z.union([z.string().regex(/^-?\d+(\.\d+)?$/, "a decimal such as 12.5"), z.number().finite()]);
/** A non-negative decimal string such as "0.015" (base units or prices). */
const PositiveDecimalStringSchema = z.string().regex(/^\d+(\.\d+)?$/, "a non-negative decimal such as 0.015");

export const ACTION_KINDS = ["hold", "open_long", "open_short", "increase", "reduce", "close"] as const;
export const ActionKindSchema = z.enum(ACTION_KINDS);
export type ActionKind = z.infer<typeof ActionKindSchema>;

export const DecisionActionSchema = z
  .object({
    /** Idempotency key: the intake applies an action id at most once. */
    actionId: z.string().min(1).max(128),
    symbol: z.string().min(1).max(64),
    action: ActionKindSchema,
    /** Notional in USD; converted to size at the reference price. Exclusive with `size`. */
    sizeUsd: DecimalInputSchema.optional(),
    /** Size in base units as a decimal string. Exclusive with `sizeUsd`. */
    size: PositiveDecimalStringSchema.optional(),
    /**
     * Omitted: the position's leverage (Hyperliquid's leverage is a per-asset account setting), or 1x
     * for a new position.
     */
    leverage: z.number().int().min(1).optional(),
    stopLossPx: PositiveDecimalStringSchema.optional(),
    takeProfitPx: PositiveDecimalStringSchema.optional(),
    confidence: z.number().min(0).max(1),
    reason: z.string().max(2000),
    decidedAtMs: z.number().int().nonnegative(),
    /** The decision slot (cadence bucket start); at most one action per (account, symbol, slot). */
    slotMs: z.number().int().nonnegative().optional(),
    decisionRunId: z.string().min(1).max(128).optional(),
  })
  .refine((a) => !(a.sizeUsd !== undefined && a.size !== undefined), {
    message: "give sizeUsd or size, not both",
    path: ["size"],
  })
  .openapi("DecisionAction");
export type DecisionAction = z.infer<typeof DecisionActionSchema>;
/** What a producer writes before defaults apply (e.g. `leverage` omitted). */
export type DecisionActionInput = z.input<typeof DecisionActionSchema>;

/**
 * The safety gates' denial codes, exactly these. Exchange reject names where one fits:
 * invalid_price ~ tickRejected, min_notional ~ minTradeNtlRejected, insufficient_margin ~
 * perpMarginRejected, reduce_only ~ reduceOnlyRejected, position_limit ~ perpMaxPositionRejected,
 * stale_price ~ oracleRejected.
 */
export const GATE_CODES = [
  "account_not_active",
  "outside_window",
  "symbol_not_allowed",
  "asset_unsupported",
  "stale_price",
  "invalid_size",
  "min_notional",
  "leverage_too_high",
  "position_limit",
  "insufficient_margin",
  "reduce_only",
  "no_position",
  "opposite_position",
  "duplicate_slot",
  "invalid_price",
  "stale_slot",
] as const;
export const GateCodeSchema = z.enum(GATE_CODES);
export type GateCode = z.infer<typeof GateCodeSchema>;
/**
 * What a denied intake outcome can carry: a paper gate, or `live_gate` when a live account's own gate
 * (kill switch, pause, freeze, opt-in, agent, caps) refused before its paper shadow (live-dispatch.service.ts).
 */
export const DenialCodeSchema = z.enum([...GATE_CODES, "live_gate"]);

/** The intake's answer for one action; repeated for a repeated `actionId`. */
export const IntakeOutcomeSchema = z
  .discriminatedUnion("status", [
    z.object({ status: z.literal("filled"), actionId: z.string(), fillId: z.string(), t: z.number().int() }),
    z.object({
      status: z.literal("denied"),
      actionId: z.string(),
      code: DenialCodeSchema,
      message: z.string(),
      t: z.number().int(),
    }),
    /** `hold`, or an action that only placed/replaced trigger orders. */
    z.object({ status: z.literal("accepted"), actionId: z.string(), t: z.number().int() }),
  ])
  .openapi("IntakeOutcome");
export type IntakeOutcome = z.infer<typeof IntakeOutcomeSchema>;
