/**
 * Reachability of the payment chain's JSON-RPC node, for ops alerts (src/domains/ops): `eth_chainId`
 * must answer with the configured chain. Not configured (no treasury) = nothing to check.
 */
import { createPublicClient, http } from "viem";
import { feeConfig, readLifecycleConfig } from "../lifecycle.config";

export type PaymentRpcHealth = { configured: false } | { configured: true; ok: boolean; message: string | null; rpcHost: string };

export async function paymentRpcHealth(env: Env): Promise<PaymentRpcHealth> {
  const settings = feeConfig(readLifecycleConfig(env));
  if (!settings) return { configured: false };
  const rpcHost = new URL(settings.rpcUrl).host;
  try {
    const client = createPublicClient({ transport: http(settings.rpcUrl, { timeout: settings.timeoutMs, retryCount: 0 }) });
    const chainId = await client.getChainId();
    if (chainId !== settings.chainId)
      return { configured: true, ok: false, message: `answers for chain ${chainId}, expected ${settings.chainId}`, rpcHost };
    return { configured: true, ok: true, message: null, rpcHost };
  } catch (error) {
    const message = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
    return { configured: true, ok: false, message: message.slice(0, 300), rpcHost };
  }
}
