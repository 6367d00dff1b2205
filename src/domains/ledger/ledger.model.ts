/**
 * The double-entry ledger over integer micro-USD: append-only transfers whose postings sum to zero,
 * each with a caller-supplied id (its idempotency key) and a code that says why. Corrections are
 * reversing transfers, never edits. A book's balance is the sum of its postings, so cash is derivable
 * from the ledger by construction; `checkLedger` proves it for a given journal.
 *
 * Pure: the PropAccount object stores transfers, the replay CLI prints them, the property tests fold them.
 */
import { z } from "zod";

export const LEDGER_CODES = ["deposit", "fee", "realized_pnl", "funding", "liquidation", "admin_adjustment", "reversal"] as const;
export const LedgerCodeSchema = z.enum(LEDGER_CODES);
export type LedgerCode = z.infer<typeof LedgerCodeSchema>;

export const PostingSchema = z.object({ book: z.string(), amountMicroUsd: z.number().int() });
export type Posting = z.infer<typeof PostingSchema>;

export const TransferSchema = z.object({
  transferId: z.string(),
  code: LedgerCodeSchema,
  t: z.number().int(),
  /** What caused it: an action id, fill id, funding key, admin request id. */
  refId: z.string(),
  symbol: z.string().optional(),
  postings: z.array(PostingSchema).min(2),
  /** For a reversal: the transfer it cancels. */
  reverses: z.string().optional(),
});
export type Transfer = z.infer<typeof TransferSchema>;

/** The house books a prop account's cash trades against (one per code, so totals read off a book). */
export const HOUSE_BOOKS: Record<Exclude<LedgerCode, "reversal">, string> = {
  deposit: "house:deposits",
  fee: "house:fees",
  realized_pnl: "house:trading",
  funding: "house:funding",
  liquidation: "house:backstop",
  admin_adjustment: "house:adjustments",
};

/** The cash book of one prop account. */
export const cashBook = (accountId: string): string => `prop:${accountId}:cash`;

/**
 * A two-legged transfer moving `amountMicroUsd` into `book` (negative: out of it) against `counter`.
 * A zero amount returns null: the ledger records movements, not no-ops.
 */
export function transfer(input: {
  transferId: string;
  code: LedgerCode;
  t: number;
  refId: string;
  symbol?: string;
  book: string;
  counter: string;
  amountMicroUsd: number;
}): Transfer | null {
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

/** The transfer that cancels `original` (every posting negated), recorded under `transferId`. */
export function reversal(original: Transfer, transferId: string, t: number, refId: string): Transfer {
  return {
    transferId,
    code: "reversal",
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

/** A book's balance: the sum of its postings over the journal. */
export function balanceOf(journal: readonly Transfer[], book: string): number {
  let sum = 0;
  for (const t of journal) sum += effectOn(t, book);
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
