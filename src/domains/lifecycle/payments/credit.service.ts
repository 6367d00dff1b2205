/**
 * The audition credit ledger, read side and its statements. Append-only: a grant per verified payment,
 * a consume per audition, a refund per voided audition. `available = grants − consumes + refunds`,
 * always derived from the rows, never stored. The consume statement is conditional on a positive
 * balance inside the same batch, so two concurrent submissions cannot spend one credit twice.
 */

import { z } from "@hono/zod-openapi";
import { asc, eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import { type CreditEntryRow, creditEntries } from "./payment.tables";

export const CreditEntrySchema = z
  .object({
    id: z.string(),
    kind: z.enum(["grant", "consume", "refund"]),
    credits: z.number().int(),
    paymentId: z.string().nullable(),
    auditionId: z.string().nullable(),
    createdAtMs: z.number().int(),
  })
  .openapi("AuditionCreditEntry");

export const CreditsSchema = z
  .object({
    userId: z.string(),
    available: z.number().int(),
    granted: z.number().int(),
    consumed: z.number().int(),
    refunded: z.number().int(),
    entries: z.array(CreditEntrySchema),
  })
  .openapi("AuditionCredits");
export type Credits = z.infer<typeof CreditsSchema>;

/** `available = grants − consumes + refunds` over `entries` (pure). */
export function creditBalance(entries: ReadonlyArray<Pick<CreditEntryRow, "kind" | "credits">>) {
  const sum = (kind: CreditEntryRow["kind"]) => entries.filter((e) => e.kind === kind).reduce((a, e) => a + e.credits, 0);
  const granted = sum("grant");
  const consumed = sum("consume");
  const refunded = sum("refund");
  return { granted, consumed, refunded, available: granted - consumed + refunded };
}

export async function creditsOf(db: Db, userId: string): Promise<Credits> {
  const rows = await db
    .select()
    .from(creditEntries)
    .where(eq(creditEntries.userId, userId))
    .orderBy(asc(creditEntries.createdAtMs), asc(creditEntries.id));
  return {
    userId,
    ...creditBalance(rows),
    entries: rows.map(({ userId: _u, ...e }) => e),
  };
}

/**
 * The one credit-balance SQL: the aggregate `grants − consumes + refunds` over the
 * `audition_credit_entries` rows in scope (0 when none). The batch conditions here, the audition's
 * conditional insert and the restore check's per-user scan all use it.
 */
export const CREDIT_BALANCE_SQL = sql.raw("COALESCE(SUM(CASE kind WHEN 'consume' THEN -credits ELSE credits END), 0)");

/** SQL expression: the user's available credits, for conditions inside a batch. */
export function availableCreditsSql(userId: string) {
  return sql`(SELECT ${CREDIT_BALANCE_SQL} FROM audition_credit_entries WHERE user_id = ${userId})`;
}

/** INSERT of a grant for payment `paymentId`, only when that payment is in `status` (and never twice). */
export function grantStatement(db: Db, input: { id: string; paymentId: string; whenStatus: "verified" | "pending"; nowMs: number }) {
  return rawStatement(
    db,
    sql`INSERT INTO audition_credit_entries (id, user_id, kind, credits, payment_id, audition_id, created_at_ms)
    SELECT ${input.id}, user_id, 'grant', 1, id, NULL, ${input.nowMs} FROM audition_fee_payments
    WHERE id = ${input.paymentId} AND status = ${input.whenStatus}
    ON CONFLICT DO NOTHING`,
  );
}

/**
 * INSERT of the consume of one credit for `auditionId`, only when that audition row exists (inserted
 * earlier in the same batch) and the user has a credit available.
 */
export function consumeStatement(db: Db, input: { id: string; userId: string; auditionId: string; nowMs: number }) {
  return rawStatement(
    db,
    sql`INSERT INTO audition_credit_entries (id, user_id, kind, credits, payment_id, audition_id, created_at_ms)
    SELECT ${input.id}, ${input.userId}, 'consume', 1, NULL, ${input.auditionId}, ${input.nowMs}
    WHERE EXISTS (SELECT 1 FROM auditions WHERE id = ${input.auditionId}) AND ${availableCreditsSql(input.userId)} >= 1`,
  );
}

/** INSERT of the refund of the credit consumed by `auditionId` (once; only if it was consumed; and `when`). */
export function refundStatement(db: Db, input: { id: string; auditionId: string; nowMs: number }, when: SQL = sql`1`) {
  return rawStatement(
    db,
    sql`INSERT INTO audition_credit_entries (id, user_id, kind, credits, payment_id, audition_id, created_at_ms)
    SELECT ${input.id}, user_id, 'refund', 1, NULL, audition_id, ${input.nowMs} FROM audition_credit_entries
    WHERE audition_id = ${input.auditionId} AND kind = 'consume' AND ${when}
    ON CONFLICT DO NOTHING`,
  );
}
