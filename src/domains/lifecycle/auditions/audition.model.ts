/**
 * Auditions, pure: the transition table, the pass criteria and their evaluation, the queue score and
 * the retry policy. No I/O.
 *
 * Lifecycle:  (submit) → opening ─opened→ running ─pass→ passed
 *                              └open_failed→ voided   └fail→ failed
 *                              └void→ voided          └void→ voided
 * `void` is the clone leaving the lifecycle (retired, deleted) or the opening sweeper giving up. A void
 * from `opening` refunds the credit (no trading happened); a void from `running` does not (the fee paid
 * for an audition that ran: deleting a losing clone must not buy a free retry).
 * `opening` exists because the credit is consumed (D1) before the prop account is opened (trading
 * engine); if opening fails the audition is voided and the credit refunded in one batch.
 *
 * Score (basis points, integer, higher is better): `returnBps − maxDrawdownBps`. Return rewards the
 * result, drawdown charges the risk taken to get it, one for one; integer bps keep the queue order
 * exact and reproducible. Ties break on the time the clone passed, then the clone id.
 */
import { z } from "@hono/zod-openapi";
import { defineTransitions } from "../../../core/transitions";

export const AuditionStatusSchema = z.enum(["opening", "running", "passed", "failed", "voided"]);
export type AuditionStatus = z.infer<typeof AuditionStatusSchema>;
export const AUDITION_EVENTS = ["opened", "open_failed", "pass", "fail", "void"] as const;
export type AuditionEvent = (typeof AUDITION_EVENTS)[number];

export const AUDITION_TRANSITIONS = defineTransitions<AuditionStatus, AuditionEvent>({
  opening: { opened: "running", open_failed: "voided", void: "voided" },
  running: { pass: "passed", fail: "failed", void: "voided" },
  passed: {},
  failed: {},
  voided: {},
});

/**
 * The prop account id of an audition, derived from the audition id: opening is idempotent (a retried or
 * swept open finds the same account instead of creating a second one).
 */
export const auditionAccountId = (auditionId: string) => `pa_${auditionId}`;

export const PassCriteriaSchema = z
  .object({
    minFills: z.number().int(),
    minReturnBps: z.number().int(),
    maxDrawdownBps: z.number().int(),
    allowLiquidated: z.literal(false),
  })
  .openapi("AuditionPassCriteria");
export type PassCriteria = z.infer<typeof PassCriteriaSchema>;

/** A finalized audition account's result as the lifecycle reads it (from the trading domain). */
export const AccountResultSchema = z
  .object({
    /** `active` = not finalized yet: the worker waits. */
    status: z.enum(["active", "finalized", "liquidated"]),
    fills: z.number().int(),
    returnBps: z.number().int(),
    maxDrawdownBps: z.number().int(),
  })
  .openapi("AuditionAccountResult");
export type AccountResult = z.infer<typeof AccountResultSchema>;

export type FailedCheck = "min_fills" | "min_return" | "max_drawdown" | "liquidated";

/** Every failed check (empty = passed) of `result` against `criteria`. */
export function evaluateAudition(result: AccountResult, criteria: PassCriteria): FailedCheck[] {
  const failed: FailedCheck[] = [];
  if (result.fills < criteria.minFills) failed.push("min_fills");
  if (result.returnBps < criteria.minReturnBps) failed.push("min_return");
  if (result.maxDrawdownBps > criteria.maxDrawdownBps) failed.push("max_drawdown");
  if (result.status === "liquidated") failed.push("liquidated");
  return failed;
}

/** The queue score of a passed audition (see the file header). */
export function auditionScore(result: Pick<AccountResult, "returnBps" | "maxDrawdownBps">): number {
  return result.returnBps - result.maxDrawdownBps;
}

export interface RetryPolicy {
  maxAttempts: number;
  cooldownMs: number;
}

export type RetryRefusal =
  | { kind: "audition_in_progress"; auditionId: string }
  | { kind: "already_passed"; auditionId: string }
  | { kind: "attempt_limit"; attempts: number; maxAttempts: number }
  | { kind: "cooldown"; retryAtMs: number };

/** Whether a clone with these past auditions may start another one now (pure). */
export function retryRefusal(
  past: ReadonlyArray<{ id: string; status: AuditionStatus; evaluatedAtMs: number | null }>,
  policy: RetryPolicy,
  nowMs: number,
): RetryRefusal | undefined {
  const inProgress = past.find((a) => a.status === "opening" || a.status === "running");
  if (inProgress) return { kind: "audition_in_progress", auditionId: inProgress.id };
  const passed = past.find((a) => a.status === "passed");
  if (passed) return { kind: "already_passed", auditionId: passed.id };
  const attempts = past.filter((a) => a.status === "failed").length;
  if (attempts >= policy.maxAttempts) return { kind: "attempt_limit", attempts, maxAttempts: policy.maxAttempts };
  const lastFailedAt = Math.max(0, ...past.filter((a) => a.status === "failed").map((a) => a.evaluatedAtMs ?? 0));
  if (attempts > 0 && nowMs < lastFailedAt + policy.cooldownMs) return { kind: "cooldown", retryAtMs: lastFailedAt + policy.cooldownMs };
  return undefined;
}

export const AuditionSchema = z
  .object({
    id: z.string(),
    cloneId: z.string(),
    ownerId: z.string(),
    attempt: z.number().int(),
    status: AuditionStatusSchema,
    accountId: z.string().nullable(),
    pipelineVersion: z.number().int(),
    modelId: z.string(),
    startsAtMs: z.number().int(),
    endsAtMs: z.number().int(),
    criteria: PassCriteriaSchema,
    result: z.object({ account: AccountResultSchema, failedChecks: z.array(z.string()) }).nullable(),
    score: z.number().int().nullable(),
    reason: z.string().nullable(),
    createdAtMs: z.number().int(),
    updatedAtMs: z.number().int(),
    evaluatedAtMs: z.number().int().nullable(),
  })
  .openapi("Audition");
export type Audition = z.infer<typeof AuditionSchema>;
