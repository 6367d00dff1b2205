/**
 * The live adapter's way to the exchange for one agent: opens the sealed agent key (only here, only for
 * signing), takes nonces from the agent's LiveNonceSerializer object, and reads the venue (`meta`,
 * `allMids`, `clearinghouseState`, `userFills`, `userFunding`, `openOrders`) over `/info`. Everything it reaches comes
 * from the live settings (`HYPERLIQUID_EXCHANGE_URL`, `HYPERLIQUID_IS_MAINNET`), checked by
 * live.config.ts so no test or local run can reach mainnet.
 *
 * Invariants: the opened private key lives only inside the returned client deps (never returned by a
 * route, logged, or put in an error message); a refused nonce issue is an error, never a made-up nonce.
 * Callers: live.service.ts, live-orders.service.ts, live-reconcile.service.ts.
 */
import type { Address } from "viem";
import { z } from "zod";
import { keyRingFromSettings, openAgentKey } from "./hyperliquid/agent-key.service";
import { type ExchangeClientDeps, postInfo } from "./hyperliquid/exchange-client.service";
import { readLiveConfig } from "./live.config";
import type { VenueAsset } from "./live.model";
import type { LiveAgentKeyRow } from "./live.tables";

/** What the live services need: the bindings, the clock and ids, and (tests) a fetch. */
export interface LiveDeps {
  env: Env;
  clock: { nowMs(): number };
  ids: { next(prefix: string): string };
  fetch?: typeof fetch;
}

/** An expected failure of a live use case; the routes map `code` to the error envelope. */
export class LiveError extends Error {
  constructor(
    readonly code: "not_found" | "conflict" | "unprocessable" | "upstream_unavailable" | "forbidden",
    message: string,
  ) {
    super(message);
  }
}

const fetchOf = (deps: LiveDeps): typeof fetch => deps.fetch ?? ((input, init) => fetch(input, init));

/** The `/info` side (no key needed). */
export function venue(deps: LiveDeps) {
  const cfg = readLiveConfig(deps.env);
  return { baseUrl: cfg.HYPERLIQUID_EXCHANGE_URL.replace(/\/+$/, ""), fetch: fetchOf(deps), isMainnet: cfg.HYPERLIQUID_IS_MAINNET };
}

/** The key ring from the secret; a missing or malformed KEK is "live trading is not configured". */
export async function keyRing(env: Env) {
  const cfg = readLiveConfig(env);
  try {
    return await keyRingFromSettings({
      LIVE_AGENT_KEK: env.LIVE_AGENT_KEK,
      LIVE_AGENT_KEK_ID: cfg.LIVE_AGENT_KEK_ID,
      LIVE_AGENT_KEK_PREVIOUS: env.LIVE_AGENT_KEK_PREVIOUS,
    });
  } catch (error) {
    throw new LiveError("upstream_unavailable", `live trading is not configured: ${(error as Error).message}`);
  }
}

/** Client deps signing as `agent` (opens the sealed key; keep the result inside the call). */
export async function signerFor(deps: LiveDeps, agent: LiveAgentKeyRow): Promise<ExchangeClientDeps> {
  const ring = await keyRing(deps.env);
  const agentKey = await openAgentKey(
    { address: agent.address as Address, kekId: agent.kekId, iv: agent.iv, ciphertext: agent.ciphertext },
    ring,
  );
  const serializer = deps.env.LIVE_NONCE.get(deps.env.LIVE_NONCE.idFromName(agent.address.toLowerCase()));
  const v = venue(deps);
  return {
    baseUrl: v.baseUrl,
    isMainnet: v.isMainnet,
    fetch: v.fetch,
    agentKey,
    vaultAddress: null,
    nextNonce: async () => {
      const issued = await serializer.issue();
      if (!issued.ok) throw new LiveError("upstream_unavailable", `nonce refused: ${issued.reason}`);
      return issued.nonce;
    },
  };
}

/** The venue's perp universe: asset ids are per venue (testnet ids differ from mainnet), so read them there. */
export async function venueAssets(deps: LiveDeps): Promise<Map<string, VenueAsset>> {
  const meta = (await postInfo(venue(deps), { type: "meta" })) as {
    universe?: Array<{ name: string; szDecimals: number; maxLeverage: number; isDelisted?: boolean }>;
  };
  const out = new Map<string, VenueAsset>();
  for (const [id, a] of (meta.universe ?? []).entries())
    if (!a.isDelisted) out.set(a.name, { id, name: a.name, szDecimals: a.szDecimals, maxLeverage: a.maxLeverage, kind: "perp" });
  return out;
}

export async function venueMids(deps: LiveDeps): Promise<Record<string, string>> {
  return (await postInfo(venue(deps), { type: "allMids" })) as Record<string, string>;
}

export interface VenuePosition {
  coin: string;
  szi: string;
  entryPx: string;
}
export interface VenueState {
  accountValueMicroUsd: bigint;
  positions: VenuePosition[];
}

export async function venueState(deps: LiveDeps, user: string): Promise<{ accountValue: string; positions: VenuePosition[] }> {
  const s = (await postInfo(venue(deps), { type: "clearinghouseState", user })) as {
    marginSummary?: { accountValue?: string };
    assetPositions?: Array<{ position: VenuePosition }>;
  };
  return { accountValue: s.marginSummary?.accountValue ?? "0", positions: (s.assetPositions ?? []).map((p) => p.position) };
}

export interface VenueFill {
  coin: string;
  px: string;
  sz: string;
  side: "B" | "A";
  time: number;
  tid: number;
  oid: number;
  fee: string;
  closedPnl: string;
  cloid?: string;
}

export async function venueFills(deps: LiveDeps, user: string): Promise<VenueFill[]> {
  return (await postInfo(venue(deps), { type: "userFills", user })) as VenueFill[];
}

export async function venueOpenOrders(deps: LiveDeps, user: string): Promise<Array<{ coin: string; oid: number; cloid?: string }>> {
  return (await postInfo(venue(deps), { type: "openOrders", user })) as Array<{ coin: string; oid: number; cloid?: string }>;
}

/**
 * One funding settlement of `/info {type:"userFunding", user, startTime, endTime?}` (shape recorded in
 * test/fixtures/hyperliquid/exchange/userFunding.json, origin in its ORIGIN.md). `hash` is the zero hash
 * for funding, so a settlement is identified by (coin, time). Other ledger deltas are refused by the schema.
 */
export const UserFundingEntrySchema = z.object({
  time: z.number().int().nonnegative(),
  hash: z.string(),
  delta: z.object({
    type: z.literal("funding"),
    coin: z.string().min(1),
    usdc: z.string(),
    szi: z.string(),
    fundingRate: z.string(),
    nSamples: z.number().int().nullish(),
  }),
});
export type UserFundingEntry = z.infer<typeof UserFundingEntrySchema>;

/** The account's funding settlements from `startTime` (inclusive), oldest first; a malformed answer throws. */
export async function venueFunding(deps: LiveDeps, user: string, startTime: number): Promise<UserFundingEntry[]> {
  const answer = await postInfo(venue(deps), { type: "userFunding", user, startTime });
  const parsed = z.array(UserFundingEntrySchema).safeParse(answer);
  if (!parsed.success) throw new Error(`userFunding answer is malformed: ${z.prettifyError(parsed.error).slice(0, 300)}`);
  return parsed.data;
}
