/**
 * Audition fee payments, pure: the payment statuses and their transition table, the reason codes and the
 * API shape. The receipt judging (`judgeReceipt`) lives in the chain capability (src/domains/chain/),
 * which deposits and tickets reuse; its checks, in order (the first failing one is the reason):
 *   1. a receipt exists                                   else `tx_not_found`
 *   2. receipt status success                             else `tx_failed`
 *   3. an ERC-20 Transfer log emitted by the fee token    else `wrong_token`
 *   4. one of those pays the treasury                     else `wrong_recipient`
 *   5. one of those is sent from the user's wallet        else `wrong_sender`
 *   6. those transfers sum to at least the fee            else `amount_too_small`
 *   7. confirmations (head − block + 1) ≥ required        else pending `not_confirmed`
 * The sender is the Transfer log's `from` (whose tokens moved), not the transaction's `from`, so a
 * payment made through a contract wallet or a relayer still names the paying wallet.
 */
import { z } from "@hono/zod-openapi";
import { defineTransitions } from "../../../core/transitions";
import { RECEIPT_REJECT_REASONS } from "../../chain";

export const PaymentStatusSchema = z.enum(["pending", "verified", "rejected"]);
export type PaymentStatus = z.infer<typeof PaymentStatusSchema>;

/** The receipt verdicts (chain capability) plus `already_used` (the hash paid another fee); order kept for OpenAPI. */
export const REJECT_REASONS = [...RECEIPT_REJECT_REASONS, "already_used"] as const;
export const PaymentReasonSchema = z.enum([...REJECT_REASONS, "not_confirmed"]);
export type RejectReason = (typeof REJECT_REASONS)[number];
export type PaymentReason = z.infer<typeof PaymentReasonSchema>;

export type PaymentEvent = "confirm" | "reject" | "wait";

/** pending may stay pending (re-check), become verified or rejected (e.g. a reorg dropped the tx). */
export const PAYMENT_TRANSITIONS = defineTransitions<PaymentStatus, PaymentEvent>({
  pending: { wait: "pending", confirm: "verified", reject: "rejected" },
  verified: {},
  rejected: {},
});

export const PaymentSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    txHash: z.string(),
    chainId: z.number().int(),
    status: PaymentStatusSchema,
    reason: PaymentReasonSchema.nullable(),
    walletAddress: z.string().nullable(),
    amount: z.string().nullable().openapi({ description: "Token base units paid to the treasury by the wallet" }),
    blockNumber: z.number().int().nullable(),
    confirmations: z.number().int().nullable(),
    submittedAtMs: z.number().int(),
    checkedAtMs: z.number().int(),
    verifiedAtMs: z.number().int().nullable(),
  })
  .openapi("AuditionFeePayment");
export type Payment = z.infer<typeof PaymentSchema>;
