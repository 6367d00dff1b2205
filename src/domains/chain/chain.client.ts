/**
 * The chain reader behind payment verification: JSON-RPC through viem (`eth_chainId`,
 * `eth_getTransactionReceipt`, `eth_blockNumber`, and `eth_getBlockByNumber` of the `finalized` or
 * `safe` tag when the caller asks for one). Returns the facts `judgeReceipt` needs, or an
 * `unavailable` failure when the node cannot be reached, answers for another chain (a misconfigured
 * RPC URL must never verify anything) or answers a receipt whose hash is not the one asked for (a
 * broken or lying node must never verify anything either). A node that has no block for the finality
 * tag (an RPC error or no block) is a chain without one: `finalBlock` is then undefined and the
 * verdict falls back to counting confirmations. Callers: lifecycle/payments/payment.service.ts (audition fee);
 * the Arena's deposits and tickets next.
 */
import { BaseError, BlockNotFoundError, createPublicClient, http, RpcError, RpcRequestError, TransactionReceiptNotFoundError } from "viem";
import { err, ok, type Result } from "../../core/result";
import type { ReceiptFacts } from "./receipt.model";

/** Where and how to reach the chain (the caller's settings; lifecycle's FeeConfig satisfies it). */
export interface ChainEndpoint {
  rpcUrl: string;
  chainId: number;
  timeoutMs: number;
  /** The block tag that means "will not be reorganized" on this chain; unset = count confirmations only. */
  finality?: "safe" | "finalized";
}

export interface ChainFacts {
  receipt: ReceiptFacts | undefined;
  headBlock: bigint;
  /** The number of the `finality` tag's block, when the endpoint asked for one and the chain has it. */
  finalBlock?: bigint;
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
    if (receipt && receipt.transactionHash?.toLowerCase() !== txHash.toLowerCase()) {
      return err({ kind: "unavailable", message: `RPC answered the receipt of ${receipt.transactionHash} for ${txHash}` });
    }
    const headBlock = await client.getBlockNumber({ cacheTime: 0 });
    let finalBlock: bigint | undefined;
    if (settings.finality) {
      try {
        finalBlock = (await client.getBlock({ blockTag: settings.finality })).number ?? undefined;
      } catch (error) {
        // The node answered that it has no such block: a chain without that tag (anything else is unavailability).
        const answered = (e: unknown) => e instanceof BlockNotFoundError || e instanceof RpcError || e instanceof RpcRequestError;
        const noTag = error instanceof BaseError && error.walk(answered) !== null;
        if (!noTag) throw error;
      }
    }
    return ok({ receipt, headBlock, ...(finalBlock === undefined ? {} : { finalBlock }) });
  } catch (error) {
    const message = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
    return err({ kind: "unavailable", message: message.slice(0, 300) });
  }
}

/**
 * Whether `address` signed `message` (EIP-191) by the chain's own rules: viem's `verifyMessage`, which
 * asks the node (one deployless `eth_call` of the ERC-6492 universal validator) and so accepts contract
 * wallets (EIP-1271, e.g. a Safe) and undeployed ones (EIP-6492), falling back to key recovery. Callers
 * try local key recovery first; this is for a signature that recovery does not prove. An RPC answering
 * for another chain never verifies anything.
 */
export async function verifyWalletSignature(
  settings: ChainEndpoint,
  input: { address: `0x${string}`; message: string; signature: `0x${string}` },
): Promise<Result<boolean, ChainFailure>> {
  const client = createPublicClient({ transport: http(settings.rpcUrl, { timeout: settings.timeoutMs, retryCount: 1 }), cacheTime: 0 });
  try {
    const chainId = await client.getChainId();
    if (chainId !== settings.chainId) {
      return err({ kind: "unavailable", message: `RPC answers for chain ${chainId}, expected ${settings.chainId}` });
    }
    return ok(await client.verifyMessage(input));
  } catch (error) {
    const message = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
    return err({ kind: "unavailable", message: message.slice(0, 300) });
  }
}
