/**
 * The Hyperliquid exchange client of the live adapter: signs an action with an agent key, posts it
 * to `/exchange` and parses the answer; reads the account over `/info`. Everything it reaches is a
 * setting (`HYPERLIQUID_EXCHANGE_URL` base, `HYPERLIQUID_IS_MAINNET`), and `fetch`, the nonce source
 * and the key are injected, so tests point it at the stand-in exchange (src/cli/replay-exchange).
 *
 * Invariants: one nonce per signed request, taken from the signer's serializer (nonce.model.ts);
 * the private key stays inside this call (never in a returned value or an error message); an answer
 * that is not one of the documented shapes is an error value, not a guess.
 */
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { ExchangeAction } from "./actions.model";
import { type ExchangeResponse, type OrderOutcome, orderOutcome, parseExchangeResponse } from "./responses.model";
import { signL1Action, type WireAction, type WireSignature } from "./signing.model";

export interface ExchangeClientDeps {
  /** Base URL of the API host (`https://api.hyperliquid-testnet.xyz`, or the stand-in's). */
  baseUrl: string;
  isMainnet: boolean;
  fetch: typeof fetch;
  /** The agent's private key, already opened (agent-key.service.ts). */
  agentKey: Hex;
  /** Issues the next nonce for this agent (the serializer). */
  nextNonce: () => Promise<number>;
  /** Trade for a vault or sub-account instead of the agent's approving account. */
  vaultAddress?: Address | null;
}

/** The body `/exchange` takes. */
export interface ExchangeRequest {
  action: WireAction;
  nonce: number;
  signature: WireSignature;
  vaultAddress: Address | null;
}

export type ExchangeResult =
  | { ok: true; response: ExchangeResponse; nonce: number }
  | { ok: false; error: "http" | "malformed"; status: number; message: string; nonce: number };

/** Signs `action` for `nonce` into the request body. */
export async function buildExchangeRequest(
  action: ExchangeAction | WireAction,
  nonce: number,
  deps: Pick<ExchangeClientDeps, "agentKey" | "isMainnet" | "vaultAddress">,
): Promise<ExchangeRequest> {
  const vaultAddress = deps.vaultAddress ?? null;
  const wire = action as WireAction;
  const { signature } = await signL1Action({ privateKey: deps.agentKey, action: wire, nonce, vaultAddress, isMainnet: deps.isMainnet });
  return { action: wire, nonce, signature, vaultAddress };
}

/** Signs and posts one action. */
export async function postAction(deps: ExchangeClientDeps, action: ExchangeAction): Promise<ExchangeResult> {
  const nonce = await deps.nextNonce();
  const body = await buildExchangeRequest(action, nonce, deps);
  const res = await deps.fetch(`${deps.baseUrl}/exchange`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) return { ok: false, error: "http", status: res.status, message: text.slice(0, 300), nonce };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: "malformed", status: res.status, message: `not JSON: ${text.slice(0, 100)}`, nonce };
  }
  const parsed = parseExchangeResponse(json);
  if (!parsed) return { ok: false, error: "malformed", status: res.status, message: `unexpected shape: ${text.slice(0, 200)}`, nonce };
  return { ok: true, response: parsed, nonce };
}

/**
 * Posts an order action and returns one outcome per order (filled / resting / waiting / rejected with
 * its gate code), or why there are none: an `err` answer (signature, nonce, unknown agent) or a
 * transport / shape failure.
 */
export async function submitOrders(
  deps: ExchangeClientDeps,
  action: ExchangeAction & { type: "order" },
): Promise<{ ok: true; outcomes: OrderOutcome[]; nonce: number } | { ok: false; error: string; nonce: number }> {
  const r = await postAction(deps, action);
  if (!r.ok) return { ok: false, error: `${r.error} ${r.status}: ${r.message}`, nonce: r.nonce };
  if (r.response.status === "err") return { ok: false, error: r.response.response, nonce: r.nonce };
  if (r.response.response.type !== "order") return { ok: false, error: `answer of type ${r.response.response.type}`, nonce: r.nonce };
  return { ok: true, outcomes: r.response.response.data.statuses.map(orderOutcome), nonce: r.nonce };
}

/** The agent's public address (what the creator approves). */
export function agentAddress(agentKey: Hex): Address {
  return privateKeyToAccount(agentKey).address;
}

/** Posts an `/info` request (extraAgents, clearinghouseState, userFills, openOrders, ...). */
export async function postInfo(deps: Pick<ExchangeClientDeps, "baseUrl" | "fetch">, body: Record<string, unknown>): Promise<unknown> {
  const res = await deps.fetch(`${deps.baseUrl}/info`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`info ${String(body.type)} answered ${res.status}`);
  return res.json();
}

/** Whether `agent` is an approved agent of `user` (the check before the first live order). */
export async function isApprovedAgent(
  deps: Pick<ExchangeClientDeps, "baseUrl" | "fetch">,
  user: Address,
  agent: Address,
): Promise<boolean> {
  const answer = await postInfo(deps, { type: "extraAgents", user });
  if (!Array.isArray(answer)) return false;
  return answer.some(
    (a) => typeof a === "object" && a !== null && String((a as { address?: unknown }).address).toLowerCase() === agent.toLowerCase(),
  );
}
