/**
 * The double-entry ledger over integer micro-USD, generic over its caller: append-only transfers whose
 * postings sum to zero, each with a caller-supplied id (its idempotency key) and a code that says why.
 * Corrections are reversing transfers, never edits. A book's balance is the sum of its postings, so
 * balances are derivable from the journal by construction; `checkLedger` proves it for a journal.
 *
 * The ledger owns the mechanics only: codes and book names belong to the caller (trading's prop
 * accounts: trading/ledger-books.model.ts; the Arena economy next), which passes its code type `C`
 * and, for validation, its code schema to `transferSchema`. Pure.
 */
import { z } from "zod";

export const PostingSchema = z.object({ book: z.string(), amountMicroUsd: z.number().int() });
export type Posting = z.infer<typeof PostingSchema>;

/** The transfer schema over the caller's code schema. */
export function transferSchema<C extends string>(code: z.ZodType<C>) {
  return z.object({
    transferId: z.string(),
    code,
    t: z.number().int(),
    /** What caused it: an action id, fill id, funding key, admin request id. */
    refId: z.string(),
    symbol: z.string().optional(),
    postings: z.array(PostingSchema).min(2),
    /** For a reversal: the transfer it cancels. */
    reverses: z.string().optional(),
  });
}

/** One transfer with the caller's code type `C`. */
export interface Transfer<C extends string = string> {
  transferId: string;
  code: C;
  t: number;
  refId: string;
  symbol?: string | undefined;
  postings: Posting[];
  reverses?: string | undefined;
}

/**
 * A two-legged transfer moving `amountMicroUsd` into `book` (negative: out of it) against `counter`.
 * A zero amount returns null: the ledger records movements, not no-ops.
 */
export function transfer<C extends string>(input: {
  transferId: string;
  code: C;
  t: number;
  refId: string;
  symbol?: string;
  book: string;
  counter: string;
  amountMicroUsd: number;
}): Transfer<C> | null {
  if (!Number.isSafeInteger(input.amountMicroUsd)) throw new RangeError(`not an integer micro-USD amount: ${input.amountMicroUsd}`);
  if (input.amountMicroUsd === 0) return null;
  return {
    transferId: input.transferId,
    code: input.code,
    t: input.t,
    refId: input.refId,
    ...(input.symbol === undefined ? {} : { symbol: input.symbol }),
    postings: [
      { book: input.book, amountMicroUsd: input.amountMicroUsd },
      { book: input.counter, amountMicroUsd: -input.amountMicroUsd },
    ],
  };
}

/** The transfer that cancels `original` (every posting negated), recorded under `transferId` with the caller's `code`. */
export function reversal<C extends string>(original: Transfer<C>, transferId: string, code: C, t: number, refId: string): Transfer<C> {
  return {
    transferId,
    code,
    t,
    refId,
    ...(original.symbol === undefined ? {} : { symbol: original.symbol }),
    postings: original.postings.map((p) => ({ book: p.book, amountMicroUsd: -p.amountMicroUsd })),
    reverses: original.transferId,
  };
}

/** Sum of a transfer's postings (zero for every valid transfer). */
export const postingSum = (t: Transfer): number => t.postings.reduce((s, p) => s + p.amountMicroUsd, 0);

/** The signed effect of `t` on `book` (0 when it does not touch it). */
export function effectOn(t: Transfer, book: string): number {
  let sum = 0;
  for (const p of t.postings) if (p.book === book) sum += p.amountMicroUsd;
  return sum;
}

/** Violations of the ledger's invariants in `journal` (empty when it is sound). */
export function checkLedger(journal: readonly Transfer[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const t of journal) {
    if (seen.has(t.transferId)) problems.push(`duplicate transfer id ${t.transferId}`);
    seen.add(t.transferId);
    if (postingSum(t) !== 0) problems.push(`transfer ${t.transferId} postings sum to ${postingSum(t)}`);
    if (t.postings.some((p) => !Number.isSafeInteger(p.amountMicroUsd)))
      problems.push(`transfer ${t.transferId} has a non-integer posting`);
  }
  return problems;
}
