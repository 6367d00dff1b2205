/**
 * The chain reader behind payment verification: JSON-RPC through viem (`eth_chainId`,
 * `eth_getTransactionReceipt`, `eth_blockNumber`). Returns the facts `judgeReceipt` needs, or an
 * `unavailable` failure when the node cannot be reached or answers for another chain (a misconfigured
 * RPC URL must never verify anything). Callers: lifecycle/payments/payment.service.ts (audition fee);
 * the Arena's deposits and tickets next.
 */
import { createPublicClient, http, TransactionReceiptNotFoundError } from "viem";
import { err, ok, type Result } from "../../core/result";
import type { ReceiptFacts } from "./receipt.model";

/** Where and how to reach the chain (the caller's settings; lifecycle's FeeConfig satisfies it). */
export interface ChainEndpoint {
  rpcUrl: string;
  chainId: number;
  timeoutMs: number;
}

export interface ChainFacts {
  receipt: ReceiptFacts | undefined;
  headBlock: bigint;
}

export type ChainFailure = { kind: "unavailable"; message: string };

/** Reads the receipt of `txHash` and the head block from the configured chain. */
export async function readChainFacts(settings: ChainEndpoint, txHash: `0x${string}`): Promise<Result<ChainFacts, ChainFailure>> {
  // cacheTime 0: viem otherwise reuses a block number for 4 s, and a re-check must see the new head.
  const client = createPublicClient({ transport: http(settings.rpcUrl, { timeout: settings.timeoutMs, retryCount: 1 }), cacheTime: 0 });
  try {
    const chainId = await client.getChainId();
    if (chainId !== settings.chainId) {
      return err({ kind: "unavailable", message: `RPC answers for chain ${chainId}, expected ${settings.chainId}` });
    }
    let receipt: ReceiptFacts | undefined;
    try {
      receipt = await client.getTransactionReceipt({ hash: txHash });
    } catch (error) {
      if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
    }
    const headBlock = await client.getBlockNumber({ cacheTime: 0 });
    return ok({ receipt, headBlock });
  } catch (error) {
    const message = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
    return err({ kind: "unavailable", message: message.slice(0, 300) });
  }
}
