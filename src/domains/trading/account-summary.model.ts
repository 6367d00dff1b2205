/**
 * The account summary a decision sees (embedded in the context packet) and the API serves. Owned by
 * the trading domain. Amounts are integer micro-USD as JSON numbers (safe below 2^53 micro-USD,
 * about 9 billion USD per account); sizes and prices are exact decimal strings.
 */
import { z } from "@hono/zod-openapi";

const Micro = z.number().int();
const Decimal = z.string();

// `live`: the paper shadow of a live account (src/domains/trading/live): same intake, mirrors every live action.
export const PROP_ACCOUNT_KINDS = ["sandbox", "audition", "race", "live"] as const;
export const PropAccountKindSchema = z.enum(PROP_ACCOUNT_KINDS);
export type PropAccountKind = z.infer<typeof PropAccountKindSchema>;

export const PROP_ACCOUNT_STATUSES = ["active", "frozen", "finalizing", "finalized", "liquidated"] as const;
export const PropAccountStatusSchema = z.enum(PROP_ACCOUNT_STATUSES);
export type PropAccountStatus = z.infer<typeof PropAccountStatusSchema>;

export const PositionViewSchema = z.object({
  symbol: z.string(),
  /** Signed size in base units: positive long, negative short. */
  szi: Decimal,
  entryPx: Decimal,
  markPx: Decimal,
  leverage: z.number().int(),
  marginUsedMicroUsd: Micro,
  unrealizedPnlMicroUsd: Micro,
  realizedPnlMicroUsd: Micro,
  liquidationPx: Decimal.nullable(),
});
export type PositionView = z.infer<typeof PositionViewSchema>;

export const TriggerOrderViewSchema = z.object({
  orderId: z.string(),
  symbol: z.string(),
  kind: z.enum(["stop_loss", "take_profit"]),
  triggerPx: Decimal,
  /** Reduce-only; closes the whole position when it fires. */
  reduceOnly: z.literal(true),
  createdAtMs: z.number().int(),
});
export type TriggerOrderView = z.infer<typeof TriggerOrderViewSchema>;

export const FillViewSchema = z.object({
  fillId: z.string(),
  t: z.number().int(),
  actionId: z.string(),
  symbol: z.string(),
  side: z.enum(["buy", "sell"]),
  sz: Decimal,
  px: Decimal,
  notionalMicroUsd: Micro,
  feeMicroUsd: Micro,
  feeRate: Decimal,
  /** Why the fill happened: action, stop_loss, take_profit, liquidation, finalize, admin_close. */
  reason: z.string(),
});
export type FillView = z.infer<typeof FillViewSchema>;

/** The API view of a fill (the engine's extra fields, e.g. its reference price, stay internal). */
export function fillView(f: FillView): FillView {
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

export const LedgerSummarySchema = z.object({
  depositsMicroUsd: Micro,
  realizedPnlMicroUsd: Micro,
  feesMicroUsd: Micro,
  fundingMicroUsd: Micro,
  liquidationMicroUsd: Micro,
  adjustmentsMicroUsd: Micro,
});

export const AccountChecksSchema = z.object({
  /** Drawdown limit breached: only reducing actions pass the gates. */
  reduceOnly: z.boolean(),
  maxLeverage: z.number().int(),
  maxDrawdownPct: z.number(),
  maxPositionPctEquity: z.number(),
  allowedSymbols: z.array(z.string()),
  availableMarginMicroUsd: Micro,
});

export const AccountSummarySchema = z
  .object({
    accountId: z.string(),
    cloneId: z.string(),
    kind: PropAccountKindSchema,
    status: PropAccountStatusSchema,
    asOfMs: z.number().int(),
    window: z.object({ startMs: z.number().int(), endMs: z.number().int() }),
    startingBalanceMicroUsd: Micro,
    cashMicroUsd: Micro,
    equityMicroUsd: Micro,
    unrealizedPnlMicroUsd: Micro,
    marginUsedMicroUsd: Micro,
    maintenanceMarginMicroUsd: Micro,
    peakEquityMicroUsd: Micro,
    drawdownPct: z.number(),
    positions: z.array(PositionViewSchema),
    openOrders: z.array(TriggerOrderViewSchema),
    recentFills: z.array(FillViewSchema),
    ledger: LedgerSummarySchema,
    checks: AccountChecksSchema,
  })
  .openapi("AccountSummary");
export type AccountSummary = z.infer<typeof AccountSummarySchema>;

/**
 * The summary of an account with no activity: what the context packet embeds when no prop account is
 * attached or before the trading engine has state for it.
 */
export function emptyAccountSummary(input: {
  accountId: string;
  cloneId: string;
  asOfMs: number;
  kind?: PropAccountKind;
  startingBalanceMicroUsd?: number;
}): AccountSummary {
  const balance = input.startingBalanceMicroUsd ?? 0;
  return {
    accountId: input.accountId,
    cloneId: input.cloneId,
    kind: input.kind ?? "sandbox",
    status: "active",
    asOfMs: input.asOfMs,
    window: { startMs: input.asOfMs, endMs: input.asOfMs },
    startingBalanceMicroUsd: balance,
    cashMicroUsd: balance,
    equityMicroUsd: balance,
    unrealizedPnlMicroUsd: 0,
    marginUsedMicroUsd: 0,
    maintenanceMarginMicroUsd: 0,
    peakEquityMicroUsd: balance,
    drawdownPct: 0,
    positions: [],
    openOrders: [],
    recentFills: [],
    ledger: {
      depositsMicroUsd: balance,
      realizedPnlMicroUsd: 0,
      feesMicroUsd: 0,
      fundingMicroUsd: 0,
      liquidationMicroUsd: 0,
      adjustmentsMicroUsd: 0,
    },
    checks: {
      reduceOnly: false,
      maxLeverage: 1,
      maxDrawdownPct: 0,
      maxPositionPctEquity: 0,
      allowedSymbols: [],
      availableMarginMicroUsd: balance,
    },
  };
}
