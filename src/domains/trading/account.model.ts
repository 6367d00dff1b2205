/**
 * A prop account: its rules, its lifecycle (an explicit transition table) and the state the paper
 * engine folds events into. The state is plain JSON (micro-USD as integers, sizes and prices as exact
 * decimal strings) so the PropAccount object stores it as one row and the replay CLI and the decision
 * runtime's dry-run hold it in memory. Pure; no I/O.
 */
import { z } from "@hono/zod-openapi";
import type { Result } from "../../core/result";
import { defineTransitions, type InvalidTransition, transition } from "../../core/transitions";
import { type AccountResult, type Pins, PinsSchema } from "./account-result.model";
import { type PropAccountKind, PropAccountKindSchema, type PropAccountStatus } from "./account-summary.model";
import { parseDec } from "./decimal.model";
import type { IntakeOutcome } from "./decision-action.model";
import type { AssetSpec } from "./market.model";

const RATE_TEXT = /^\d{1,2}(\.\d{1,18})?$/;
/** Zod 4 runs every check even after one fails, so the bound check must not parse text the regex refused. */
const RateSchema = z
  .string()
  .regex(RATE_TEXT, "a non-negative decimal rate such as 0.00045 (at most 18 decimals)")
  .refine((s) => RATE_TEXT.test(s) && parseDec(s) < parseDec("0.1"), "a fee rate below 10%");

/** Account rules; every field has a default (Hyperliquid's base fee tier, a 2 bps slippage). */
export const RulesSchema = z.object({
  /** Cap on leverage; the asset's margin tier may cap lower. */
  maxLeverage: z.number().int().min(1).max(50).default(20),
  /** Largest position notional as a percentage of equity (500 = 5× equity). */
  maxPositionPctEquity: z.number().positive().max(10_000).default(500),
  /** Drawdown from peak equity (percent) after which only reducing actions pass; 0 turns it off. */
  maxDrawdownPct: z.number().min(0).max(100).default(50),
  takerFeeRate: RateSchema.default("0.00045"),
  makerFeeRate: RateSchema.default("0.00015"),
  /** Slippage against the trader in basis points of the reference (0 fills at the reference). */
  slippageBps: z.number().min(0).max(500).default(2),
  /** `impact`: from fresh `impactPxs` scaled with notional, else `slippageBps`. */
  slippageModel: z.enum(["bps", "impact"]).default("bps"),
  /** A reference price older than this is stale. */
  stalePriceMs: z.number().int().positive().default(120_000),
});
export type Rules = z.infer<typeof RulesSchema>;
export type RulesInput = z.input<typeof RulesSchema>;

/**
 * Size bounds (issue 24 rule 10): every micro-USD amount must stay an exact JS integer (< 2^53 ≈ 9.007
 * × 10^15 µUSD). A balance is at most 10 M USD (10^13 µUSD), one position's notional at most 1 B USD
 * (10^15 µUSD, also capped by `maxPositionPctEquity` ≤ 100 × equity), and a minute's mark is refused
 * when it would value the held notional above 4 B USD (a mark ×4 beyond the largest position): fees,
 * PnL and maintenance on that stay below 2^53, so no amount can overflow and throw.
 */
export const MAX_BALANCE_MICRO_USD = 10_000_000_000_000;
export const MAX_POSITION_NOTIONAL_MICRO_USD = 1_000_000_000_000_000;
export const MAX_MARKED_NOTIONAL_MICRO_USD = 4_000_000_000_000_000;

export const OpenAccountSchema = z
  .object({
    accountId: z.string().min(1).max(128),
    cloneId: z.string().min(1).max(128),
    ownerId: z.string().min(1).max(128),
    kind: PropAccountKindSchema,
    startingBalanceMicroUsd: z.number().int().positive().max(MAX_BALANCE_MICRO_USD),
    startMs: z.number().int().nonnegative(),
    endMs: z.number().int().positive(),
    rules: RulesSchema.default(RulesSchema.parse({})),
    allowedSymbols: z.array(z.string().min(1)).max(1000),
    pins: PinsSchema.nullable().default(null),
  })
  .refine((a) => a.endMs > a.startMs, { message: "endMs must be after startMs", path: ["endMs"] });
export type OpenAccount = z.infer<typeof OpenAccountSchema>;
export type OpenAccountInput = z.input<typeof OpenAccountSchema>;

// ---- lifecycle ------------------------------------------------------------------------------------

export const ACCOUNT_EVENTS = ["freeze", "unfreeze", "finalize", "liquidate", "complete"] as const;
export type AccountEvent = (typeof ACCOUNT_EVENTS)[number];

/** Every allowed move; anything absent is an `InvalidTransition` (src/core/transitions.ts). */
export const ACCOUNT_TRANSITIONS = defineTransitions<PropAccountStatus, AccountEvent>({
  active: { freeze: "frozen", finalize: "finalizing", liquidate: "liquidated" },
  // A frozen account whose cash goes negative (funding, an admin close) is still taken by the backstop.
  frozen: { unfreeze: "active", finalize: "finalizing", liquidate: "liquidated" },
  finalizing: { complete: "finalized" },
  liquidated: { complete: "finalized" },
  finalized: {},
});

/** The account's status after `event`, or an InvalidTransition. */
export const accountTransition = (from: PropAccountStatus, event: AccountEvent): Result<PropAccountStatus, InvalidTransition> =>
  transition(ACCOUNT_TRANSITIONS, from, event);

// ---- state ----------------------------------------------------------------------------------------

export interface PositionState {
  symbol: string;
  /** Signed size (decimal string): positive long, negative short. */
  szi: string;
  /** Size-weighted entry of the opening fills; unchanged by reductions. */
  entryPx: string;
  leverage: number;
  /** Realized PnL of this position's reductions so far (gross of fees). */
  realizedPnlMicroUsd: number;
  /** Realized PnL minus fees of the current round trip (decides win/loss when it closes). */
  tripNetMicroUsd: number;
  openedAtMs: number;
}

export interface TriggerOrder {
  orderId: string;
  symbol: string;
  kind: "stop_loss" | "take_profit";
  triggerPx: string;
  actionId: string;
  createdAtMs: number;
}

export interface Totals {
  depositsMicroUsd: number;
  realizedPnlMicroUsd: number;
  /** Fees paid, as a negative effect on cash (so totals sum to cash). */
  feesMicroUsd: number;
  fundingMicroUsd: number;
  liquidationMicroUsd: number;
  adjustmentsMicroUsd: number;
  volumeMicroUsd: number;
  fills: number;
  roundTrips: number;
  wins: number;
}

export interface Snapshot {
  t: number;
  cashMicroUsd: number;
  equityMicroUsd: number;
  unrealizedPnlMicroUsd: number;
  marginUsedMicroUsd: number;
  maintenanceMarginMicroUsd: number;
  peakEquityMicroUsd: number;
  drawdownPct: number;
}

export interface AccountState {
  accountId: string;
  cloneId: string;
  ownerId: string;
  kind: PropAccountKind;
  status: PropAccountStatus;
  startMs: number;
  endMs: number;
  createdAtMs: number;
  startingBalanceMicroUsd: number;
  rules: Rules;
  allowedSymbols: string[];
  pins: Pins | null;
  cashMicroUsd: number;
  peakEquityMicroUsd: number;
  maxDrawdownPct: number;
  /** Sticky once the drawdown limit is breached. */
  reduceOnly: boolean;
  positions: Record<string, PositionState>;
  triggers: TriggerOrder[];
  totals: Totals;
  /** Counter behind derived ids (fills, transfers, orders): deterministic across restarts. */
  seq: number;
  /** `symbol:slotMs` -> action id, for `duplicate_slot` (pruned after a day). */
  slots: Record<string, string>;
  /** Newest candle already checked for triggers, per symbol. */
  lastCandleMs: Record<string, number>;
  /**
   * Funding hours settled, per symbol: the (account, coin, hour) key, so a late or replayed hour pays
   * exactly once. Pruned with `heldAtHour` (hours older than `FUNDING_RETAIN_MS`).
   */
  fundedHours: Record<string, number[]>;
  /**
   * The positions held at each hour boundary H (the state after every event with t < H), recorded
   * lazily when the first event at or after H arrives; only hours with a position are kept. Funding for
   * hour H is paid on these sizes, not on whatever is held when the settlement runs.
   */
  heldAtHour: { hourMs: number; szi: Record<string, string> }[];
  /** Newest hour boundary already recorded in `heldAtHour`. */
  rolledHourMs: number;
  /** Transfers already reversed (a correction happens once per original). */
  reversed: string[];
  /** First intake outcome per action id: the engine itself is idempotent on `actionId`. */
  outcomes: Record<string, IntakeOutcome>;
  /** Newest mark price seen per symbol (valuation between marks). */
  marks: Record<string, { markPx: string; t: number }>;
  /**
   * The asset rules (margin tiers, szDecimals) each held symbol was last traded or marked with, so
   * reads made without the market (summary, projection, context packet) value maintenance and the
   * liquidation price on the asset's real tiers exactly as the engine does (issue 24 rule 4). Kept
   * only for held symbols.
   */
  specs: Record<string, AssetSpec>;
  /** Equity at each hour boundary (for the Sharpe-like ratio). */
  hourly: { t: number; equityMicroUsd: number }[];
  lastSnapshot: Snapshot | null;
  finalizedAtMs: number | null;
  /** The immutable, hashed result once finalized. */
  result: AccountResult | null;
}

/** The state of a freshly opened account (the deposit itself is a ledger transfer the engine emits). */
export function newAccountState(input: OpenAccount, createdAtMs: number): AccountState {
  return {
    accountId: input.accountId,
    cloneId: input.cloneId,
    ownerId: input.ownerId,
    kind: input.kind,
    status: "active",
    startMs: input.startMs,
    endMs: input.endMs,
    createdAtMs,
    startingBalanceMicroUsd: input.startingBalanceMicroUsd,
    rules: input.rules,
    allowedSymbols: [...input.allowedSymbols],
    pins: input.pins,
    cashMicroUsd: 0,
    peakEquityMicroUsd: input.startingBalanceMicroUsd,
    maxDrawdownPct: 0,
    reduceOnly: false,
    positions: {},
    triggers: [],
    totals: {
      depositsMicroUsd: 0,
      realizedPnlMicroUsd: 0,
      feesMicroUsd: 0,
      fundingMicroUsd: 0,
      liquidationMicroUsd: 0,
      adjustmentsMicroUsd: 0,
      volumeMicroUsd: 0,
      fills: 0,
      roundTrips: 0,
      wins: 0,
    },
    seq: 0,
    slots: {},
    lastCandleMs: {},
    fundedHours: {},
    heldAtHour: [],
    rolledHourMs: Math.floor(createdAtMs / 3_600_000) * 3_600_000,
    outcomes: {},
    reversed: [],
    marks: {},
    specs: {},
    hourly: [],
    lastSnapshot: null,
    finalizedAtMs: null,
    result: null,
  };
}
