/**
 * HTTP shapes of the prop-account routes (the OpenAPI documents are generated from them). Fills,
 * ledger entries and positions carry the same field names as the replay CLI's output.
 */
import { z } from "@hono/zod-openapi";
import { PostingSchema } from "../ledger";
import { MAX_BALANCE_MICRO_USD, RulesSchema } from "./account.model";
import { FillViewSchema, PropAccountKindSchema, PropAccountStatusSchema } from "./account-summary.model";
import { LedgerCodeSchema } from "./ledger-books.model";

export const AccountParamsSchema = z.object({ accountId: z.string().min(1).max(128) });
export const CloneAccountParamsSchema = z.object({ cloneId: z.string().min(1).max(80) });

export const OpenSandboxSchema = z
  .object({
    kind: z.literal("sandbox"),
    startingBalanceUsd: z.number().int().min(100).max(10_000_000).default(10_000),
    durationHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .default(24 * 7),
    rules: RulesSchema.partial().optional(),
  })
  .openapi("OpenSandbox");

export const PropAccountListItemSchema = z
  .object({
    accountId: z.string(),
    cloneId: z.string(),
    kind: PropAccountKindSchema,
    status: PropAccountStatusSchema,
    window: z.object({ startMs: z.number().int(), endMs: z.number().int() }),
    startingBalanceMicroUsd: z.number().int(),
    cashMicroUsd: z.number().int(),
    equityMicroUsd: z.number().int(),
    drawdownPct: z.number(),
    lastMarkMs: z.number().int().nullable(),
    createdAtMs: z.number().int(),
  })
  .openapi("PropAccountListItem");

export const PageQuerySchema = z.object({
  cursor: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const SnapshotQuerySchema = PageQuerySchema.extend({ resolution: z.enum(["minute", "hour"]).default("minute") });

const page = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), nextCursor: z.number().int().nullable() }).openapi(name);

/** A stored fill: the shared `FillView` plus its realized PnL and the reference it was priced from. */
export const PropFillSchema = FillViewSchema.extend({
  realizedPnlMicroUsd: z.number().int(),
  refPx: z.string().nullable(),
  refSource: z.enum(["mid", "mark", "candle_close", "trigger"]).nullable(),
  refAtMs: z.number().int().nullable(),
}).openapi("PropFill");
export const FillPageSchema = page(PropFillSchema, "PropFillPage");
export const LedgerEntrySchema = z
  .object({
    transferId: z.string(),
    t: z.number().int(),
    code: LedgerCodeSchema,
    /** The signed effect on the account's cash; entries sum to `cashMicroUsd`. */
    amountMicroUsd: z.number().int(),
    symbol: z.string().optional(),
    refId: z.string(),
    /** The transfer's other legs (house books). */
    postings: z.array(PostingSchema),
  })
  .openapi("PropLedgerEntry");
export const LedgerPageSchema = page(LedgerEntrySchema, "PropLedgerPage");
export const OrderEventSchema = z
  .object({
    orderId: z.string(),
    event: z.enum(["placed", "cancelled", "triggered"]),
    t: z.number().int(),
    symbol: z.string(),
    kind: z.enum(["stop_loss", "take_profit"]),
    triggerPx: z.string(),
  })
  .openapi("PropOrderEvent");
export const OrderPageSchema = page(OrderEventSchema, "PropOrderPage");
export const SnapshotSchema = z
  .object({
    t: z.number().int(),
    hourly: z.boolean(),
    cashMicroUsd: z.number().int(),
    equityMicroUsd: z.number().int(),
    unrealizedPnlMicroUsd: z.number().int(),
    marginUsedMicroUsd: z.number().int(),
    maintenanceMarginMicroUsd: z.number().int(),
    peakEquityMicroUsd: z.number().int(),
    drawdownPct: z.number(),
  })
  .openapi("PropSnapshot");
export const SnapshotPageSchema = page(SnapshotSchema, "PropSnapshotPage");

export const AdminRequestSchema = z
  .object({ requestId: z.string().min(1).max(128), reason: z.string().min(1).max(2000) })
  .openapi("PropAdminRequest");
export const AdjustmentSchema = AdminRequestSchema.extend({
  amountMicroUsd: z
    .number()
    .int()
    .refine((n) => n !== 0 && Math.abs(n) <= MAX_BALANCE_MICRO_USD, "a non-zero integer micro-USD amount of at most 10^13 (10 M USD)"),
}).openapi("PropAdjustment");
export const AdminOutcomeSchema = z
  .object({
    status: z.enum(["done", "refused"]),
    requestId: z.string(),
    message: z.string().optional(),
    intake: z.unknown().optional(),
    result: z.unknown().optional(),
  })
  .openapi("PropAdminOutcome");
export const AuditRowSchema = z
  .object({ requestId: z.string(), actor: z.string(), action: z.string(), reason: z.string(), atMs: z.number().int() })
  .openapi("PropAuditRow");
