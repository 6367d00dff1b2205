/**
 * The personal-wallet boundary's use cases: link the creator's Hyperliquid account (the wallet they
 * proved in the lifecycle), create an agent key for it (sealed at once; the answer carries the agent's
 * ADDRESS and the exact `approveAgent` payload the creator signs, never the key), confirm the approval
 * from the exchange's own `extraAgents`, opt a clone in, open its live account (with the paper shadow of
 * kind `live`), set caps, pause/resume, and the operators' kill switch.
 *
 * Invariants: an agent trades only after the exchange itself lists it for the account; a live account
 * needs the clone's explicit opt-in (an audition pass or Arena slot does not imply it); a kill cancels
 * every resting order, arms the exchange's scheduleCancel and freezes every live account, and is
 * idempotent. Time and ids are injected. Callers: live.routes.ts, live-admin.routes.ts, tests.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Address } from "viem";
import { type Db, openDb } from "../../../db/client";
import { openPropAccount } from "../prop-accounts.service";
import { cancelAction, scheduleCancelAction } from "./hyperliquid/actions.model";
import { generateAgentKey } from "./hyperliquid/agent-key.service";
import { isApprovedAgent, postAction } from "./hyperliquid/exchange-client.service";
import { readLiveConfig } from "./live.config";
import { approveAgentPayload, type LiveCaps, usdToMicro } from "./live.model";
import {
  type LiveAccountRow,
  type LiveAgentKeyRow,
  liveAccountCaps,
  liveAccounts,
  liveAgentKeys,
  liveCloneOptIns,
  liveControls,
  liveExchangeAccounts,
} from "./live.tables";
import { keyRing, type LiveDeps, LiveError, signerFor, venue, venueAssets, venueOpenOrders, venueState } from "./live-exchange.service";
import { ensureUserStreams } from "./live-stream.service";

/** A shadow's window: live accounts do not end on their own; a year, renewed by reopening. */
const SHADOW_WINDOW_MS = 365 * 86_400_000;
const KILL_KEY = "kill_switch";
/** scheduleCancel must be at least 5 s ahead on the exchange; 10 s leaves room for latency. */
const DEAD_MAN_DELAY_MS = 10_000;

/**
 * The creator's proven wallet address (null: none). A port: the `wallets` table is lifecycle's and
 * lifecycle imports trading, so the composition root (src/app.ts) passes lifecycle's reader in.
 */
export type ProvenWallet = (db: Db, ownerId: string) => Promise<string | null>;

export async function linkExchangeAccount(deps: LiveDeps, provenWallet: ProvenWallet, ownerId: string, userAddress: string) {
  const address = userAddress.toLowerCase();
  const db = openDb(deps.env.DB);
  const proven = (await provenWallet(db, ownerId))?.toLowerCase() ?? null;
  if (proven !== address) throw new LiveError("forbidden", "link the wallet you proved in the lifecycle (POST /wallets/verify) first");
  const [existing] = await db
    .select()
    .from(liveExchangeAccounts)
    .where(and(eq(liveExchangeAccounts.ownerId, ownerId), eq(liveExchangeAccounts.userAddress, address)));
  if (existing) return existing;
  const row = { id: deps.ids.next("lxa"), ownerId, userAddress: address, createdAtMs: deps.clock.nowMs() };
  await db.insert(liveExchangeAccounts).values(row).onConflictDoNothing();
  const [stored] = await db
    .select()
    .from(liveExchangeAccounts)
    .where(and(eq(liveExchangeAccounts.ownerId, ownerId), eq(liveExchangeAccounts.userAddress, address)));
  return stored ?? row;
}

export async function ownedExchangeAccount(deps: LiveDeps, ownerId: string | null, id: string) {
  const [row] = await openDb(deps.env.DB).select().from(liveExchangeAccounts).where(eq(liveExchangeAccounts.id, id));
  if (!row || (ownerId !== null && row.ownerId !== ownerId)) throw new LiveError("not_found", "exchange account not found");
  return row;
}

/** Public view of an agent: never the key, not even sealed. */
export const agentView = (a: LiveAgentKeyRow) => ({
  agentId: a.id,
  exchangeAccountId: a.exchangeAccountId,
  agentAddress: a.address as Address,
  status: a.status,
  createdAtMs: a.createdAtMs,
  approvedAtMs: a.approvedAtMs,
});

/** A fresh agent key for the account, stored sealed; answers its address and the approveAgent payload. */
export async function createAgent(deps: LiveDeps, ownerId: string | null, exchangeAccountId: string) {
  const account = await ownedExchangeAccount(deps, ownerId, exchangeAccountId);
  const sealed = await generateAgentKey(await keyRing(deps.env));
  const nowMs = deps.clock.nowMs();
  const row: LiveAgentKeyRow = {
    id: deps.ids.next("lag"),
    exchangeAccountId: account.id,
    ownerId: account.ownerId,
    // Checksummed, as sealed (openAgentKey compares it with the key's own address).
    address: sealed.address,
    kekId: sealed.kekId,
    iv: sealed.iv,
    ciphertext: sealed.ciphertext,
    status: "pending",
    createdAtMs: nowMs,
    approvedAtMs: null,
  };
  await openDb(deps.env.DB).insert(liveAgentKeys).values(row);
  const approve = approveAgentPayload({
    agentAddress: sealed.address.toLowerCase() as Address,
    agentName: `clash-arena ${row.id}`.slice(0, 32),
    nonceMs: nowMs,
    isMainnet: readLiveConfig(deps.env).HYPERLIQUID_IS_MAINNET,
  });
  return { ...agentView(row), approveAgent: approve };
}

export async function findAgent(deps: LiveDeps, agentId: string, ownerId: string | null): Promise<LiveAgentKeyRow> {
  const [row] = await openDb(deps.env.DB).select().from(liveAgentKeys).where(eq(liveAgentKeys.id, agentId));
  if (!row || (ownerId !== null && row.ownerId !== ownerId)) throw new LiveError("not_found", "agent not found");
  return row;
}

/** Marks the agent approved once the exchange lists it among the account's agents. */
export async function confirmApproval(deps: LiveDeps, ownerId: string | null, agentId: string) {
  const agent = await findAgent(deps, agentId, ownerId);
  const account = await ownedExchangeAccount(deps, null, agent.exchangeAccountId);
  let approved: boolean;
  try {
    approved = await isApprovedAgent(venue(deps), account.userAddress as Address, agent.address as Address);
  } catch (error) {
    throw new LiveError("upstream_unavailable", `exchange info unavailable: ${(error as Error).message}`);
  }
  if (!approved) throw new LiveError("conflict", `the exchange does not list ${agent.address} as an agent of ${account.userAddress} yet`);
  const nowMs = deps.clock.nowMs();
  if (agent.status !== "approved")
    await openDb(deps.env.DB).update(liveAgentKeys).set({ status: "approved", approvedAtMs: nowMs }).where(eq(liveAgentKeys.id, agent.id));
  return agentView({ ...agent, status: "approved", approvedAtMs: agent.approvedAtMs ?? nowMs });
}

export async function optInClone(deps: LiveDeps, ownerId: string, cloneId: string, optIn: boolean) {
  const nowMs = deps.clock.nowMs();
  const db = openDb(deps.env.DB);
  if (optIn)
    await db
      .insert(liveCloneOptIns)
      .values({ cloneId, ownerId, optedInAtMs: nowMs, revokedAtMs: null })
      .onConflictDoUpdate({ target: liveCloneOptIns.cloneId, set: { optedInAtMs: nowMs, revokedAtMs: null } });
  else await db.update(liveCloneOptIns).set({ revokedAtMs: nowMs }).where(eq(liveCloneOptIns.cloneId, cloneId));
  const [row] = await db.select().from(liveCloneOptIns).where(eq(liveCloneOptIns.cloneId, cloneId));
  return { cloneId, optedIn: !!row && row.revokedAtMs === null, optedInAtMs: row?.optedInAtMs ?? null };
}

export async function isOptedIn(env: Env, cloneId: string): Promise<boolean> {
  const [row] = await openDb(env.DB).select().from(liveCloneOptIns).where(eq(liveCloneOptIns.cloneId, cloneId));
  return !!row && row.revokedAtMs === null;
}

const capsRow = (liveAccountId: string, caps: LiveCaps, nowMs: number) => ({
  liveAccountId,
  maxOrderNotionalMicroUsd: caps.maxOrderNotionalMicroUsd,
  maxPositionNotionalMicroUsd: caps.maxPositionNotionalMicroUsd,
  maxLeverage: caps.maxLeverage,
  allowedSymbolsJson: JSON.stringify(caps.allowedSymbols),
  dailyLossLimitMicroUsd: caps.dailyLossLimitMicroUsd,
  updatedAtMs: nowMs,
});

export async function readCaps(env: Env, liveAccountId: string): Promise<LiveCaps> {
  const [c] = await openDb(env.DB).select().from(liveAccountCaps).where(eq(liveAccountCaps.liveAccountId, liveAccountId));
  if (!c) throw new LiveError("not_found", "live account caps not found");
  return {
    maxOrderNotionalMicroUsd: c.maxOrderNotionalMicroUsd,
    maxPositionNotionalMicroUsd: c.maxPositionNotionalMicroUsd,
    maxLeverage: c.maxLeverage,
    allowedSymbols: JSON.parse(c.allowedSymbolsJson) as string[],
    dailyLossLimitMicroUsd: c.dailyLossLimitMicroUsd,
  };
}

/**
 * Opens the live account of an opted-in clone on an approved agent, with its caps and its paper shadow
 * (a prop account of kind `live` starting at the exchange account's value, same symbols as the caps).
 */
export async function openLiveAccount(
  deps: LiveDeps,
  input: { ownerId: string; cloneId: string; agentId: string; caps: LiveCaps },
): Promise<LiveAccountRow> {
  if (!(await isOptedIn(deps.env, input.cloneId))) throw new LiveError("conflict", "the clone has not opted in to live trading");
  const agent = await findAgent(deps, input.agentId, input.ownerId);
  if (agent.status !== "approved") throw new LiveError("conflict", "the agent is not approved yet (confirm the approval first)");
  const db = openDb(deps.env.DB);
  const [existing] = await db.select().from(liveAccounts).where(eq(liveAccounts.cloneId, input.cloneId));
  if (existing) throw new LiveError("conflict", `clone ${input.cloneId} already has live account ${existing.id}`);
  const account = await ownedExchangeAccount(deps, input.ownerId, agent.exchangeAccountId);
  const assets = await venueAssets(deps);
  const unknown = input.caps.allowedSymbols.filter((s) => !assets.has(s));
  if (unknown.length) throw new LiveError("unprocessable", `symbols not tradable on the venue: ${unknown.join(", ")}`);
  const state = await venueState(deps, account.userAddress);
  const startMicro = Number(usdToMicro(state.accountValue));
  if (!(startMicro > 0)) throw new LiveError("conflict", "the exchange account has no value to trade");
  const nowMs = deps.clock.nowMs();
  const shadow = await openPropAccount(
    { env: deps.env, ids: deps.ids },
    {
      cloneId: input.cloneId,
      ownerId: input.ownerId,
      kind: "live",
      startingBalanceMicroUsd: startMicro,
      startMs: nowMs,
      endMs: nowMs + SHADOW_WINDOW_MS,
      rules: { maxLeverage: input.caps.maxLeverage },
      allowedSymbols: input.caps.allowedSymbols,
    },
  );
  const row: LiveAccountRow = {
    id: deps.ids.next("la"),
    cloneId: input.cloneId,
    ownerId: input.ownerId,
    exchangeAccountId: account.id,
    agentKeyId: agent.id,
    shadowAccountId: shadow.accountId,
    status: "active",
    freezeReason: null,
    flagged: false,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  await db.batch([db.insert(liveAccounts).values(row), db.insert(liveAccountCaps).values(capsRow(row.id, input.caps, nowMs))]);
  // Its exchange stream starts now; a failure here is retried by the reconcile job.
  await ensureUserStreams(deps, [row.id]).catch(() => undefined);
  return row;
}

export async function findLiveAccount(env: Env, id: string, ownerId: string | null): Promise<LiveAccountRow> {
  const [row] = await openDb(env.DB).select().from(liveAccounts).where(eq(liveAccounts.id, id));
  if (!row || (ownerId !== null && row.ownerId !== ownerId)) throw new LiveError("not_found", "live account not found");
  return row;
}

export async function setCaps(deps: LiveDeps, id: string, ownerId: string | null, caps: LiveCaps) {
  await findLiveAccount(deps.env, id, ownerId);
  const row = capsRow(id, caps, deps.clock.nowMs());
  await openDb(deps.env.DB).insert(liveAccountCaps).values(row).onConflictDoUpdate({ target: liveAccountCaps.liveAccountId, set: row });
  return caps;
}

/** Pause / resume by the creator. A frozen account stays frozen (only an operator unfreezes). */
export async function setPaused(deps: LiveDeps, id: string, ownerId: string | null, paused: boolean): Promise<LiveAccountRow> {
  const acc = await findLiveAccount(deps.env, id, ownerId);
  if (acc.status === "frozen") throw new LiveError("conflict", `the account is frozen (${acc.freezeReason ?? "no reason"})`);
  const status = paused ? "paused" : "active";
  await openDb(deps.env.DB).update(liveAccounts).set({ status, updatedAtMs: deps.clock.nowMs() }).where(eq(liveAccounts.id, id));
  return { ...acc, status };
}

/** Freezes a live account with a reason (and optionally raises the flag); idempotent. */
export async function freezeLiveAccount(deps: Pick<LiveDeps, "env" | "clock">, id: string, reason: string, flag: boolean) {
  await openDb(deps.env.DB)
    .update(liveAccounts)
    .set({ status: "frozen", freezeReason: reason, updatedAtMs: deps.clock.nowMs(), ...(flag ? { flagged: true } : {}) })
    .where(eq(liveAccounts.id, id));
}

/** Operator unfreeze (clears the flag): after the divergence or the kill has been looked at. */
export async function unfreezeLiveAccount(deps: LiveDeps, id: string) {
  await findLiveAccount(deps.env, id, null);
  await openDb(deps.env.DB)
    .update(liveAccounts)
    .set({ status: "active", freezeReason: null, flagged: false, updatedAtMs: deps.clock.nowMs() })
    .where(eq(liveAccounts.id, id));
  await ensureUserStreams(deps, [id]).catch(() => undefined);
  return findLiveAccount(deps.env, id, null);
}

/** Whether live orders are refused globally: the setting, or the kill armed through the admin route. */
export async function killSwitchOn(env: Env): Promise<boolean> {
  if (readLiveConfig(env).LIVE_KILL_SWITCH === "on") return true;
  const [row] = await openDb(env.DB).select().from(liveControls).where(eq(liveControls.key, KILL_KEY));
  return row?.value === "on";
}

/**
 * The operators' kill: arm the switch, then for every live account not yet killed cancel its resting
 * orders on the exchange, arm scheduleCancel (the exchange's dead-man switch) and freeze it. Exchange
 * failures are reported per account, and the account is frozen anyway.
 */
export async function kill(deps: LiveDeps, actor: string, reason: string, on: boolean) {
  const nowMs = deps.clock.nowMs();
  const db = openDb(deps.env.DB);
  const value = on ? "on" : "off";
  await db
    .insert(liveControls)
    .values({ key: KILL_KEY, value, actor, reason, updatedAtMs: nowMs })
    .onConflictDoUpdate({ target: liveControls.key, set: { value, actor, reason, updatedAtMs: nowMs } });
  if (!on) return { killSwitch: "off" as const, accounts: [] };
  const rows = await db
    .select()
    .from(liveAccounts)
    .where(inArray(liveAccounts.status, ["active", "paused", "frozen"]));
  const report: Array<{ liveAccountId: string; canceled: number; scheduleCancelArmed: boolean; error?: string }> = [];
  for (const acc of rows) {
    let canceled = 0;
    let armed = false;
    let error: string | undefined;
    try {
      const agent = await findAgent(deps, acc.agentKeyId, null);
      const account = await ownedExchangeAccount(deps, null, acc.exchangeAccountId);
      const signer = await signerFor(deps, agent);
      const open = await venueOpenOrders(deps, account.userAddress);
      const assets = await venueAssets(deps);
      const cancels = open.flatMap((o) => {
        const a = assets.get(o.coin);
        return a ? [{ asset: a.id, oid: o.oid }] : [];
      });
      if (cancels.length) {
        const r = await postAction(signer, cancelAction(cancels));
        if (r.ok && r.response.status === "ok" && r.response.response.type === "cancel")
          canceled = r.response.response.data.statuses.filter((s) => s === "success").length;
      }
      const armedAt = await postAction(signer, scheduleCancelAction(Date.now() + DEAD_MAN_DELAY_MS));
      armed = armedAt.ok && armedAt.response.status === "ok";
    } catch (e) {
      error = (e as Error).message;
    }
    if (acc.status !== "frozen" || acc.freezeReason !== `kill: ${reason}`) await freezeLiveAccount(deps, acc.id, `kill: ${reason}`, false);
    report.push({ liveAccountId: acc.id, canceled, scheduleCancelArmed: armed, ...(error ? { error } : {}) });
  }
  return { killSwitch: "on" as const, accounts: report };
}
