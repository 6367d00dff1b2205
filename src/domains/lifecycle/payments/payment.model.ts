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
 *
 * Item 18 (issue 24): a payment is judged against the terms stored on its row at submission
 * (`termsOf`), and a receipt the node does not know yet is not a rejection before the grace period
 * after submission has passed (`withNotFoundGrace`: pending with reason `tx_not_found`).
 */
import { z } from "@hono/zod-openapi";
import { defineTransitions } from "../../../core/transitions";
import { RECEIPT_REJECT_REASONS, type Verdict } from "../../chain";

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

/** What a payment must be: the chain, token, treasury, amount and confirmations in force when it was submitted. */
export interface FeeTerms {
  chainId: number;
  token: string;
  treasury: string;
  amount: bigint;
  confirmations: number;
}

/** The stored terms columns of a payment row (null on rows older than migration 0111). */
export interface StoredTerms {
  chainId: number;
  feeAmount: string | null;
  feeToken: string | null;
  feeTreasury: string | null;
  feeConfirmations: number | null;
}

/** The terms a payment is judged against: those stored on its row, the current ones for older rows. */
export function termsOf(row: StoredTerms, current: FeeTerms): FeeTerms {
  return {
    chainId: row.chainId,
    token: row.feeToken ?? current.token,
    treasury: row.feeTreasury ?? current.treasury,
    amount: row.feeAmount === null ? current.amount : BigInt(row.feeAmount),
    confirmations: row.feeConfirmations ?? current.confirmations,
  };
}

export type PaymentVerdict = Verdict | { status: "pending"; reason: "tx_not_found"; amount?: undefined; blockNumber?: undefined };

/**
 * A `tx_not_found` rejection becomes `pending / tx_not_found` while `nowMs` is within `graceMs` of the
 * submission (a transaction just broadcast, or a node a little behind, is not a refusal yet).
 */
export function withNotFoundGrace(verdict: Verdict, submittedAtMs: number, nowMs: number, graceMs: number): PaymentVerdict {
  if (verdict.status === "rejected" && verdict.reason === "tx_not_found" && nowMs - submittedAtMs < graceMs) {
    return { status: "pending", reason: "tx_not_found" };
  }
  return verdict;
}

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
