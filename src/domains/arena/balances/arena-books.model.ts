/**
 * The Arena ledger's codes and books (the generic ledger in src/domains/ledger/ carries the mechanics).
 *
 * Sign convention: a book's balance is the sum of its postings; a user's book is what the Arena owes
 * them (positive), the house edge books hold the other side. Every transfer sums to zero, so the sum of
 * all books is zero and each balance is derivable from the journal.
 *
 *   user:<userId>            spendable balance (deposits, payouts, refunds, royalties, adjustments)
 *   user:<userId>:reserved   withdrawals requested and not yet decided
 *   race:<raceId>:pool       confirmed ticket money of one race until settlement empties it
 *   house:chain_in           USDC received on chain (deposits, tickets paid by tx): negative
 *   house:chain_out          USDC paid out on chain (withdrawals marked paid): positive
 *   house:rake               the rake of every settled race
 *   house:carry              no-winner distribution pools waiting for the next race
 *   house:adjustments        admin adjustments (with a reason)
 *
 * Creator royalties are credited to the creator's user book under code `royalty` (their total per
 * creator reads off the postings by code). Pure.
 */
import { z } from "zod";
import type { Transfer } from "../../ledger";

export const ARENA_LEDGER_CODES = [
  "deposit",
  "ticket",
  "ticket_refund",
  "payout",
  "refund",
  "royalty",
  "rake",
  "carry_out",
  "carry_in",
  "withdrawal_reserve",
  "withdrawal_release",
  "withdrawal_paid",
  "adjustment",
  "reversal",
] as const;
export const ArenaLedgerCodeSchema = z.enum(ARENA_LEDGER_CODES);
export type ArenaLedgerCode = z.infer<typeof ArenaLedgerCodeSchema>;

/** One Arena ledger transfer; `raceId` and `memo` are stored beside it for reads and audit. */
export type ArenaTransfer = Transfer<ArenaLedgerCode> & { raceId?: string; memo?: string };

export const userBook = (userId: string): string => `user:${userId}`;
export const reservedBook = (userId: string): string => `user:${userId}:reserved`;
export const poolBook = (raceId: string): string => `race:${raceId}:pool`;
export const HOUSE = {
  chainIn: "house:chain_in",
  chainOut: "house:chain_out",
  rake: "house:rake",
  carry: "house:carry",
  adjustments: "house:adjustments",
} as const;

/** A two-legged Arena transfer: `amountMicroUsd` (> 0) leaves `from` and enters `to`. */
export function move(input: {
  transferId: string;
  code: ArenaLedgerCode;
  t: number;
  refId: string;
  from: string;
  to: string;
  amountMicroUsd: number;
  raceId?: string;
  memo?: string;
}): ArenaTransfer {
  if (!Number.isSafeInteger(input.amountMicroUsd) || input.amountMicroUsd <= 0) {
    throw new RangeError(`not a positive integer micro-USD amount: ${input.amountMicroUsd}`);
  }
  return {
    transferId: input.transferId,
    code: input.code,
    t: input.t,
    refId: input.refId,
    ...(input.raceId === undefined ? {} : { raceId: input.raceId }),
    ...(input.memo === undefined ? {} : { memo: input.memo }),
    postings: [
      { book: input.from, amountMicroUsd: -input.amountMicroUsd },
      { book: input.to, amountMicroUsd: input.amountMicroUsd },
    ],
  };
}
