/**
 * A decision action on a live account: the live gates (kill switch, pause/freeze, opt-in, approved
 * agent), the creator's hard caps, the same intake and gates as paper (the action goes to the paper
 * shadow first, a prop account of kind `live`; a paper denial is a live denial), then one IOC order at
 * the venue mid ± slippage, signed by the account's agent with a nonce from its serializer object.
 *
 * Invariants: the order's cloid is derived from (live account, decision action id) and `live_orders`
 * holds it under a unique index BEFORE anything is sent, so a retried or concurrent submission of the
 * same action places at most one order (a second caller gets the stored outcome); an order whose answer
 * was lost stays `unknown` and is resolved from the exchange's fills by cloid (reconciliation), never
 * re-sent. What the exchange answered is recorded as answered; fills are only believed after
 * reconciliation reads them back. Callers: live.routes.ts, live-admin.routes.ts, tests.
 */
import { and, eq, gte, sql } from "drizzle-orm";
import { DAY_MS, floorTo } from "../../../core/clock";
import { openDb } from "../../../db/client";
import { type DecisionActionInput, DecisionActionSchema, type IntakeOutcome } from "../decision-action.model";
import { submitAction } from "../prop-accounts.service";
import { cloidFor, marketLikeOrder, updateLeverageAction } from "./hyperliquid/actions.model";
import { postAction, submitOrders } from "./hyperliquid/exchange-client.service";
import { checkCaps, fromScaled, type LiveDenialCode, notionalMicro, planOrder, toScaled } from "./live.model";
import { findAgent, findLiveAccount, isOptedIn, killSwitchOn, ownedExchangeAccount, readCaps } from "./live.service";
import { type LiveOrderRow, liveFills, liveFunding, liveOrders } from "./live.tables";
import { type LiveDeps, LiveError, signerFor, venueAssets, venueMids, venueState } from "./live-exchange.service";

/** Slippage cap of a live market-like order (IOC at mid ± 2%). */
export const LIVE_SLIPPAGE_BPS = 200;

export type LiveOutcome =
  | { status: "denied"; actionId: string; code: LiveDenialCode; message: string; paper?: IntakeOutcome }
  | { status: "accepted"; actionId: string; paper?: IntakeOutcome }
  | {
      status: "filled" | "resting" | "rejected" | "unknown" | "pending" | "canceled";
      actionId: string;
      cloid: string;
      orderId: string;
      oid: number | null;
      filledSz: string | null;
      avgPx: string | null;
      code?: string | null;
      message?: string | null;
      paper?: IntakeOutcome;
    };

/** The cloid of a live account's decision action (unique per account, so per exchange account). */
export const liveCloid = (liveAccountId: string, actionId: string) => cloidFor(`${liveAccountId}/${actionId}`);

const outcomeOf = (o: LiveOrderRow): LiveOutcome => ({
  status: o.status,
  actionId: o.actionId,
  cloid: o.cloid,
  orderId: o.id,
  oid: o.oid,
  filledSz: o.filledSz,
  avgPx: o.avgPx,
  code: o.gateCode,
  message: o.error,
  ...(o.shadowOutcomeJson ? { paper: JSON.parse(o.shadowOutcomeJson) as IntakeOutcome } : {}),
});

const deny = (actionId: string, code: LiveDenialCode, message: string, paper?: IntakeOutcome): LiveOutcome => ({
  status: "denied",
  actionId,
  code,
  message,
  ...(paper ? { paper } : {}),
});

async function storedOrder(env: Env, liveAccountId: string, actionId: string) {
  const [row] = await openDb(env.DB)
    .select()
    .from(liveOrders)
    .where(and(eq(liveOrders.liveAccountId, liveAccountId), eq(liveOrders.actionId, actionId)));
  return row;
}

/** Realized loss (positive) since the UTC day began: recorded exchange fills (closed PnL − fees) plus funding. */
export async function realizedLossToday(env: Env, liveAccountId: string, nowMs: number): Promise<bigint> {
  const db = openDb(env.DB);
  const dayStart = floorTo(nowMs, DAY_MS);
  const [[row], [funded]] = await Promise.all([
    db
      .select({ pnl: sql<number>`coalesce(sum(${liveFills.closedPnlMicroUsd} - ${liveFills.feeMicroUsd}), 0)` })
      .from(liveFills)
      .where(and(eq(liveFills.liveAccountId, liveAccountId), gte(liveFills.timeMs, dayStart))),
    db
      .select({ usdc: sql<number>`coalesce(sum(${liveFunding.usdcMicroUsd}), 0)` })
      .from(liveFunding)
      .where(and(eq(liveFunding.liveAccountId, liveAccountId), gte(liveFunding.timeMs, dayStart))),
  ]);
  const pnl = BigInt(row?.pnl ?? 0) + BigInt(funded?.usdc ?? 0);
  return pnl < 0n ? -pnl : 0n;
}

/** Submits one decision action to a live account (idempotent on actionId). */
export async function submitLiveAction(deps: LiveDeps, liveAccountId: string, input: DecisionActionInput): Promise<LiveOutcome> {
  const action = DecisionActionSchema.parse(input);
  const nowMs = deps.clock.nowMs();
  const acc = await findLiveAccount(deps.env, liveAccountId, null);
  const prior = await storedOrder(deps.env, acc.id, action.actionId);
  if (prior) return outcomeOf(prior);

  if (await killSwitchOn(deps.env)) return deny(action.actionId, "kill_switch", "live trading is stopped by the operators' kill switch");
  if (acc.status === "paused") return deny(action.actionId, "account_paused", "the creator paused this live account");
  if (acc.status === "frozen") return deny(action.actionId, "account_frozen", `the account is frozen: ${acc.freezeReason ?? ""}`);
  if (!(await isOptedIn(deps.env, acc.cloneId))) return deny(action.actionId, "not_opted_in", "the clone's live opt-in was revoked");
  const agent = await findAgent(deps, acc.agentKeyId, null);
  if (agent.status !== "approved") return deny(action.actionId, "agent_not_approved", "the agent is not approved on the exchange");
  const account = await ownedExchangeAccount(deps, null, acc.exchangeAccountId);

  const [assets, mids, state] = await Promise.all([venueAssets(deps), venueMids(deps), venueState(deps, account.userAddress)]);
  const asset = assets.get(action.symbol);
  if (!asset) return deny(action.actionId, "asset_unsupported", `${action.symbol} is not a tradable perp on the venue`);
  const ref = mids[action.symbol];
  if (!ref) return deny(action.actionId, "stale_price", `the venue has no mid for ${action.symbol}`);
  const szi = state.positions.find((p) => p.coin === action.symbol)?.szi ?? "0";
  const plan = planOrder(action, asset, szi, ref);
  if (!plan.ok) return deny(action.actionId, plan.code, plan.message);

  const caps = await readCaps(deps.env, acc.id);
  if (plan.order) {
    const o = plan.order;
    const pos = toScaled(szi, 8) ?? 0n;
    const delta = (o.isBuy ? 1n : -1n) * (toScaled(o.sz, 8) ?? 0n);
    const after = pos + delta;
    const capped = checkCaps(caps, {
      symbol: action.symbol,
      reduceOnly: o.reduceOnly,
      leverage: o.leverage,
      orderNotionalMicroUsd: notionalMicro(ref, o.sz),
      positionNotionalAfterMicroUsd: notionalMicro(ref, fromScaled(after < 0n ? -after : after, 8)),
      realizedLossTodayMicroUsd: await realizedLossToday(deps.env, acc.id, nowMs),
    });
    if (!capped.ok) return deny(action.actionId, capped.code, capped.message);
  }

  // The same intake and gates as paper: the shadow decides first.
  const paper = await submitAction({ env: deps.env, ids: deps.ids }, acc.shadowAccountId, action, nowMs);
  if (paper.status === "denied") return deny(action.actionId, "paper_gate", `${paper.code}: ${paper.message}`, paper);
  if (!plan.order) return { status: "accepted", actionId: action.actionId, paper };
  return placeOrder(deps, { acc, agent, asset, ref, action, order: plan.order, paper, nowMs });
}

async function placeOrder(
  deps: LiveDeps,
  p: {
    acc: { id: string };
    agent: Awaited<ReturnType<typeof findAgent>>;
    asset: Awaited<ReturnType<typeof venueAssets>> extends Map<string, infer A> ? A : never;
    ref: string;
    action: { actionId: string; symbol: string };
    order: { isBuy: boolean; sz: string; reduceOnly: boolean; leverage: number };
    paper: IntakeOutcome;
    nowMs: number;
  },
): Promise<LiveOutcome> {
  const cloid = liveCloid(p.acc.id, p.action.actionId);
  const built = marketLikeOrder({
    asset: p.asset,
    isBuy: p.order.isBuy,
    sz: p.order.sz,
    referencePx: p.ref,
    slippageBps: LIVE_SLIPPAGE_BPS,
    reduceOnly: p.order.reduceOnly,
    decisionActionId: `${p.acc.id}/${p.action.actionId}`,
  });
  if (!built.ok) return deny(p.action.actionId, "invalid_size", `${built.field}: ${built.reason}`, p.paper);
  const wire = built.value.orders[0];
  const row: LiveOrderRow = {
    id: deps.ids.next("lo"),
    liveAccountId: p.acc.id,
    actionId: p.action.actionId,
    cloid,
    symbol: p.action.symbol,
    asset: p.asset.id,
    isBuy: p.order.isBuy,
    sz: wire?.s ?? p.order.sz,
    limitPx: wire?.p ?? p.ref,
    referencePx: p.ref,
    reduceOnly: p.order.reduceOnly,
    status: "pending",
    oid: null,
    filledSz: null,
    avgPx: null,
    error: null,
    gateCode: null,
    nonce: null,
    shadowOutcomeJson: JSON.stringify(p.paper),
    exchangeStatus: null,
    exchangeStatusAtMs: null,
    createdAtMs: p.nowMs,
    updatedAtMs: p.nowMs,
  };
  const db = openDb(deps.env.DB);
  // The claim: a concurrent or retried submission of the same action loses here and reads the winner's row.
  const claimed = await db.insert(liveOrders).values(row).onConflictDoNothing().returning({ id: liveOrders.id });
  if (claimed.length === 0) {
    const winner = await storedOrder(deps.env, p.acc.id, p.action.actionId);
    if (winner) return outcomeOf(winner);
    throw new LiveError("conflict", `cloid ${cloid} is already used`);
  }
  const signer = await signerFor(deps, p.agent);
  const patch: Partial<LiveOrderRow> = { updatedAtMs: p.nowMs };
  try {
    if (!p.order.reduceOnly) {
      const lev = updateLeverageAction(p.asset.id, Math.min(p.order.leverage, p.asset.maxLeverage));
      if (lev.ok) await postAction(signer, lev.value);
    }
    const r = await submitOrders(signer, built.value);
    patch.nonce = r.nonce;
    if (!r.ok) Object.assign(patch, { status: "rejected", error: r.error.slice(0, 500), gateCode: "exchange_error" });
    else {
      const o = r.outcomes[0];
      if (!o) Object.assign(patch, { status: "unknown", error: "no status in the answer" });
      else if (o.kind === "filled") Object.assign(patch, { status: "filled", oid: o.oid, filledSz: o.totalSz, avgPx: o.avgPx });
      else if (o.kind === "resting") Object.assign(patch, { status: "resting", oid: o.oid });
      else if (o.kind === "rejected") Object.assign(patch, { status: "rejected", error: o.error, gateCode: o.code ?? "exchange_rejected" });
      else Object.assign(patch, { status: "resting" });
    }
  } catch (error) {
    // Transport failure: the order may or may not exist; reconciliation resolves it by cloid.
    Object.assign(patch, { status: "unknown", error: `no answer: ${(error as Error).message}`.slice(0, 500) });
  }
  await db.update(liveOrders).set(patch).where(eq(liveOrders.id, row.id));
  return outcomeOf({ ...row, ...patch });
}
