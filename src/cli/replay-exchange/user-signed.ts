/**
 * The stand-in exchange's one user-signed action, `approveAgent`: what the creator's wallet posts to
 * `POST /exchange` (the frontend, or `npm start`'s demo live account, src/cli/lib/demo-live.ts) to let an
 * agent trade its account. Verified as the exchange does for user-signed actions (exchange docs
 * "Exchange endpoint: Approve an API wallet"; the SDK's `sign_user_signed_action`): EIP-712 typed data
 * `HyperliquidTransaction:ApproveAgent{hyperliquidChain, agentAddress, agentName, nonce}` in the domain
 * `{name:"HyperliquidSignTransaction", version:"1", chainId: the action's signatureChainId,
 * verifyingContract: zero}`; the SIGNER is the account approving (a tampered action recovers another
 * address, approving nothing for the real one). This file rebuilds the typed data from the posted action
 * itself, independently of the backend's `approveAgentPayload`, so a wrong payload from the backend
 * recovers a wrong address and the demo's confirm step fails.
 * Pure apart from the signature recovery; the caller (exchange-endpoint.ts) applies the nonce rule and
 * records the approval.
 */
import { type Address, concat, type Hex, isAddress, numberToHex, recoverTypedDataAddress } from "viem";
import type { WireSignature } from "../../domains/trading";

const APPROVE_AGENT_TYPES = {
  "HyperliquidTransaction:ApproveAgent": [
    { name: "hyperliquidChain", type: "string" },
    { name: "agentAddress", type: "address" },
    { name: "agentName", type: "string" },
    { name: "nonce", type: "uint64" },
  ],
} as const;

export type ApproveAgentCheck =
  | { ok: true; user: Address; agent: Address; name: string; nonce: number }
  | { ok: false; status: number; error: string };

const UNREADABLE = { ok: false, status: 422, error: "Failed to deserialize the JSON body into the target type" } as const;

/**
 * The account that signed `action` (an `approveAgent`) and the agent it approves, or why it is refused.
 * `nonce` is the request's nonce: the exchange requires it to equal the action's own.
 */
export async function checkApproveAgent(action: Record<string, unknown>, nonce: number, signature: WireSignature, isMainnet: boolean) {
  const { signatureChainId, hyperliquidChain, agentAddress, agentName } = action;
  const name = agentName ?? "";
  if (
    typeof signatureChainId !== "string" ||
    !/^0x[0-9a-fA-F]{1,16}$/.test(signatureChainId) ||
    typeof hyperliquidChain !== "string" ||
    typeof agentAddress !== "string" ||
    !isAddress(agentAddress) ||
    typeof name !== "string" ||
    typeof action.nonce !== "number"
  )
    return UNREADABLE as ApproveAgentCheck;
  if (hyperliquidChain !== (isMainnet ? "Mainnet" : "Testnet"))
    return {
      ok: false,
      status: 200,
      error: `Invalid hyperliquidChain ${hyperliquidChain} for this exchange (stand-in wording)`,
    } as ApproveAgentCheck;
  if (action.nonce !== nonce)
    return { ok: false, status: 200, error: "Action nonce does not match the request nonce (stand-in wording)" } as ApproveAgentCheck;
  const pad = (h: Hex): Hex => `0x${h.slice(2).padStart(64, "0")}`;
  let user: Address;
  try {
    user = await recoverTypedDataAddress({
      domain: {
        name: "HyperliquidSignTransaction",
        version: "1",
        chainId: Number(BigInt(signatureChainId)),
        verifyingContract: `0x${"0".repeat(40)}`,
      },
      types: APPROVE_AGENT_TYPES,
      primaryType: "HyperliquidTransaction:ApproveAgent",
      message: { hyperliquidChain, agentAddress: agentAddress as Address, agentName: name, nonce: BigInt(nonce) },
      signature: concat([pad(signature.r), pad(signature.s), numberToHex(signature.v, { size: 1 })]),
    });
  } catch {
    return UNREADABLE as ApproveAgentCheck;
  }
  return { ok: true, user, agent: agentAddress as Address, name, nonce } as ApproveAgentCheck;
}
