/**
 * Schemas of the PropAccount object's RPC inputs beyond the shared ones: admin commands (audited,
 * idempotent on `requestId`) and funding rates. Validated inside the object, like every RPC input.
 */
import { z } from "@hono/zod-openapi";
import type { AccountResult } from "./account-result.model";
import { DecisionActionSchema, type IntakeOutcome } from "./decision-action.model";

const AdminOpSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("freeze") }),
  z.object({ kind: z.literal("unfreeze") }),
  z.object({ kind: z.literal("finalize") }),
  z.object({ kind: z.literal("force_close"), symbol: z.string().min(1) }),
  z.object({
    kind: z.literal("adjust"),
    amountMicroUsd: z
      .number()
      .int()
      .refine((n) => n !== 0, "non-zero"),
  }),
  z.object({ kind: z.literal("action"), action: DecisionActionSchema }),
]);

export const AdminCommandSchema = z.object({
  requestId: z.string().min(1).max(128),
  actor: z.string().min(1).max(128),
  reason: z.string().min(1).max(2000),
  op: AdminOpSchema,
});
export type AdminCommand = z.input<typeof AdminCommandSchema>;

export type AdminOutcome =
  | { status: "done"; requestId: string; intake?: IntakeOutcome | undefined; result?: AccountResult }
  | { status: "refused"; requestId: string; message: string };

export const FundingRateSchema = z.object({ symbol: z.string(), hourlyRate: z.string(), oraclePx: z.string() });
export type FundingRate = z.infer<typeof FundingRateSchema>;
