/**
 * Receipt judging, pure: turns a JSON-RPC receipt of an ERC-20 payment and the chain head into a verdict.
 * Shared capability: the audition fee (lifecycle/payments) uses it today; Arena deposits and tickets reuse it.
 * Checks, in order (the first failing one is the reason):
 *   1. a receipt exists                                   else `tx_not_found`
 *   2. receipt status success                             else `tx_failed`
 *   3. an ERC-20 Transfer log emitted by the token        else `wrong_token`
 *   4. one of those pays the recipient (treasury)         else `wrong_recipient`
 *   5. one of those is sent from the user's wallet        else `wrong_sender`
 *   6. those transfers sum to at least the amount         else `amount_too_small`
 *   7. final: the receipt block is at or below the chain's finality block (`finalBlock`, its `safe` or
 *      `finalized` block) where it has one, else confirmations (head − block + 1) ≥ required
 *                                                         else pending `not_confirmed`
 * The sender is the Transfer log's `from` (whose tokens moved), not the transaction's `from`, so a
 * payment made through a contract wallet or a relayer still names the paying wallet. No I/O.
 */
import { z } from "@hono/zod-openapi";

/** Verdict reasons of `judgeReceipt`, in their published order. */
export const RECEIPT_REJECT_REASONS = [
  "tx_not_found",
  "tx_failed",
  "wrong_token",
  "wrong_recipient",
  "amount_too_small",
  "wrong_sender",
] as const;
export type ReceiptRejectReason = (typeof RECEIPT_REJECT_REASONS)[number];

export const TxHashSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "a 0x-prefixed 32-byte transaction hash")
  .transform((h) => h.toLowerCase());

/** The receipt fields the verdict needs (viem's `TransactionReceipt` satisfies it). */
export interface ReceiptFacts {
  /** The transaction the receipt is of (the client refuses a receipt of another hash). */
  transactionHash?: string;
  status: "success" | "reverted";
  blockNumber: bigint;
  logs: ReadonlyArray<{ address: string; topics: readonly string[]; data: string }>;
}

export interface TransferExpectation {
  token: string;
  treasury: string;
  wallet: string;
  amount: bigint;
  confirmations: number;
}

export type Verdict =
  | { status: "verified"; amount: bigint; blockNumber: bigint; confirmations: number }
  | { status: "pending"; reason: "not_confirmed"; amount: bigint; blockNumber: bigint; confirmations: number }
  | { status: "rejected"; reason: ReceiptRejectReason; amount?: bigint; blockNumber?: bigint };

export const TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

/** A 32-byte topic holding an address (left-padded) as a lowercase 20-byte address. */
export function topicAddress(topic: string | undefined): string | undefined {
  if (!topic || !/^0x[0-9a-fA-F]{64}$/.test(topic)) return undefined;
  return `0x${topic.slice(26).toLowerCase()}`;
}

interface Transfer {
  from: string;
  to: string;
  value: bigint;
}

function transfersOf(receipt: ReceiptFacts, token: string): Transfer[] {
  const out: Transfer[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== token || log.topics[0]?.toLowerCase() !== TRANSFER_TOPIC || log.topics.length !== 3) continue;
    const from = topicAddress(log.topics[1]);
    const to = topicAddress(log.topics[2]);
    if (!from || !to || !/^0x[0-9a-fA-F]{1,64}$/.test(log.data)) continue;
    out.push({ from, to, value: BigInt(log.data) });
  }
  return out;
}

/**
 * The verdict on `receipt` (undefined: not found) with the chain at `headBlock` and, where the chain has
 * one, its finality block `finalBlock` (then finality alone decides; confirmations are still reported).
 * Addresses lowercase.
 */
export function judgeReceipt(
  receipt: ReceiptFacts | undefined,
  headBlock: bigint,
  expect: TransferExpectation,
  finalBlock?: bigint,
): Verdict {
  if (!receipt) return { status: "rejected", reason: "tx_not_found" };
  const blockNumber = receipt.blockNumber;
  if (receipt.status !== "success") return { status: "rejected", reason: "tx_failed", blockNumber };
  const tokenTransfers = transfersOf(receipt, expect.token);
  if (tokenTransfers.length === 0) return { status: "rejected", reason: "wrong_token", blockNumber };
  const toTreasury = tokenTransfers.filter((t) => t.to === expect.treasury);
  if (toTreasury.length === 0) return { status: "rejected", reason: "wrong_recipient", blockNumber };
  const fromWallet = toTreasury.filter((t) => t.from === expect.wallet);
  if (fromWallet.length === 0) return { status: "rejected", reason: "wrong_sender", blockNumber };
  const amount = fromWallet.reduce((sum, t) => sum + t.value, 0n);
  if (amount < expect.amount) return { status: "rejected", reason: "amount_too_small", amount, blockNumber };
  const confirmations = headBlock >= blockNumber ? Number(headBlock - blockNumber + 1n) : 0;
  const final = finalBlock === undefined ? confirmations >= expect.confirmations : blockNumber <= finalBlock;
  if (!final) return { status: "pending", reason: "not_confirmed", amount, blockNumber, confirmations };
  return { status: "verified", amount, blockNumber, confirmations };
}
