/**
 * Reconciliation of a live account against the exchange, the only source of what happened (the poll,
 * the backstop of the WebSocket stream in live-stream.service.ts, writing the same rows): reads
 * `userFills` and `clearinghouseState`, stores the fills keyed by tid (idempotent), stores the funding
 * settlements of `userFunding` keyed by (coin, time) (idempotent; read from the newest stored one), resolves orders whose
 * answer was lost (`pending`/`unknown`) from fills with their cloid, compares expected vs actual
 * (live.model.ts `reconcile`: missing fill, unknown fill, size or price outside tolerance, position
 * drift), applies the daily realized-loss limit, and writes one report with the paper shadow's equity
 * and per-order paper vs live slippage. A divergence freezes the account and raises its flag.
 *
 * Invariants: never infers a fill or a funding payment from the paper engine or from an order answer
 * alone; re-running is safe (fills upsert by (account, tid), funding by (account, coin, time); a report
 * per run). Callers: the `trading.live-reconcile` job,
 * the admin route, tests.
 */
import { desc, eq, inArray, sql } from "drizzle-orm";
import { openDb } from "../../../db/client";
import { accountStub } from "../prop-accounts.service";
import { readLiveConfig } from "./live.config";
import { type Divergence, reconcile, slippageBps, usdToMicro } from "./live.model";
import { findLiveAccount, freezeLiveAccount, ownedExchangeAccount, readCaps } from "./live.service";
import { type LiveOrderRow, liveAccounts, liveFunding, liveOrders, liveReconciliations } from "./live.tables";
import { type LiveDeps, LiveError, venueFills, venueFunding, venueState } from "./live-exchange.service";
import { realizedLossToday } from "./live-orders.service";
import { deliveredBy, ensureUserStreams, fillSummary, storeFills, storeFunding } from "./live-stream.service";

export interface ReconcileReport {
  reportId: string;
  liveAccountId: string;
  ranAtMs: number;
  status: "ok" | "diverged";
  divergences: Divergence[];
  accountValueMicroUsd: number;
  shadowEquityMicroUsd: number | null;
  slippage: Array<{ actionId: string; symbol: string; livePx: string; paperPx: string | null; slippageBps: number | null }>;
  /** Funding from the exchange: settlements stored by this run, and the account's total (negative: paid). */
  funding: { newSettlements: number; totalMicroUsd: number };
  /**
   * What this run's poll found vs what the WebSocket stream had already delivered: fills in the
   * `userFills` answer, those the poll stored (new), and the account's stored fills and settlements by
   * the path that stored them first (live-stream.service.ts).
   */
  stream: {
    fillsSeen: number;
    newFills: number;
    fillsByStream: number;
    fillsByPoll: number;
    fundingByStream: number;
    fundingByPoll: number;
  };
  frozen: boolean;
}

/** `userFunding` answers at most this many settlements; a full page means: read on from its last time. */
const FUNDING_PAGE = 500;
const FUNDING_MAX_PAGES = 10;

/** Stores the account's funding settlements since the newest one stored (or since the account opened). */
async function syncFunding(deps: LiveDeps, acc: { id: string; createdAtMs: number }, user: string) {
  const db = openDb(deps.env.DB);
  const [newest] = await db
    .select({ timeMs: liveFunding.timeMs })
    .from(liveFunding)
    .where(eq(liveFunding.liveAccountId, acc.id))
    .orderBy(desc(liveFunding.timeMs))
    .limit(1);
  // Inclusive start at the newest stored time: other coins settled at that same time may be on the next page.
  let startTime = newest?.timeMs ?? acc.createdAtMs;
  let newSettlements = 0;
  for (let page = 0; page < FUNDING_MAX_PAGES; page++) {
    const entries = await venueFunding(deps, user, startTime);
    newSettlements += await storeFunding(
      deps.env,
      acc.id,
      entries.map((e) => ({ time: e.time, ...e.delta })),
      "poll",
    );
    const last = entries[entries.length - 1]?.time;
    if (entries.length < FUNDING_PAGE || last === undefined || last <= startTime) break;
    startTime = last;
  }
  const [total] = await db
    .select({ micro: sql<number>`coalesce(sum(${liveFunding.usdcMicroUsd}), 0)` })
    .from(liveFunding)
    .where(eq(liveFunding.liveAccountId, acc.id));
  return { newSettlements, totalMicroUsd: Number(total?.micro ?? 0) };
}

/** Reconciles one live account now. */
export async function reconcileLiveAccount(deps: LiveDeps, liveAccountId: string): Promise<ReconcileReport> {
  const nowMs = deps.clock.nowMs();
  const acc = await findLiveAccount(deps.env, liveAccountId, null);
  const account = await ownedExchangeAccount(deps, null, acc.exchangeAccountId);
  // An unreachable or failing exchange is the caller's 503 (and the job's retry), never a 500.
  const [fills, state] = await Promise.all([venueFills(deps, account.userAddress), venueState(deps, account.userAddress)]).catch(
    (error: unknown) => {
      throw new LiveError("upstream_unavailable", `exchange info unavailable: ${(error as Error).message}`);
    },
  );
  const db = openDb(deps.env.DB);

  const newFills = await storeFills(deps.env, acc.id, fills, "poll");
  const funding = await syncFunding(deps, acc, account.userAddress).catch((error: unknown) => {
    throw new LiveError("upstream_unavailable", `exchange userFunding unavailable: ${(error as Error).message}`);
  });

  const orders = await db.select().from(liveOrders).where(eq(liveOrders.liveAccountId, acc.id));
  const resolved = await resolveLost(deps, orders, fills);
  const divergences = reconcile({
    expected: resolved.map((o) => ({
      cloid: o.cloid,
      symbol: o.symbol,
      status: o.status,
      isBuy: o.isBuy,
      filledSz: o.filledSz,
      avgPx: o.avgPx,
    })),
    fills,
    positions: Object.fromEntries(state.positions.map((p) => [p.coin, p.szi])),
    toleranceBps: readLiveConfig(deps.env).LIVE_RECONCILE_TOLERANCE_BPS,
  });

  const shadow = accountStub(deps.env, acc.shadowAccountId);
  const summary = await shadow.summary(nowMs);
  const paperFills = (await shadow.fills({ limit: 1000 })).map((r) => r.fill);
  const slippage = resolved
    .filter((o) => o.status === "filled" && o.avgPx)
    .map((o) => {
      const paper = paperFills.find((f) => f.actionId === o.actionId);
      return {
        actionId: o.actionId,
        symbol: o.symbol,
        livePx: o.avgPx as string,
        paperPx: paper?.px ?? null,
        slippageBps: paper ? slippageBps(o.isBuy, o.avgPx as string, paper.px) : null,
      };
    });

  let freezeReason: string | null = null;
  if (divergences.length) freezeReason = `reconciliation divergence: ${divergences.map((d) => d.kind).join(", ")}`;
  else {
    const caps = await readCaps(deps.env, acc.id);
    const loss = await realizedLossToday(deps.env, acc.id, nowMs);
    if (loss >= BigInt(caps.dailyLossLimitMicroUsd)) freezeReason = `daily realized loss ${loss} µUSD reached the limit`;
  }
  if (freezeReason) await freezeLiveAccount(deps, acc.id, freezeReason, divergences.length > 0);

  const report: ReconcileReport = {
    reportId: deps.ids.next("lrc"),
    liveAccountId: acc.id,
    ranAtMs: nowMs,
    status: divergences.length ? "diverged" : "ok",
    divergences,
    accountValueMicroUsd: Number(usdToMicro(state.accountValue)),
    shadowEquityMicroUsd: summary?.equityMicroUsd ?? null,
    slippage,
    funding,
    stream: { fillsSeen: fills.length, newFills, ...(await deliveredBy(deps.env, acc.id)) },
    frozen: freezeReason !== null || acc.status === "frozen",
  };
  await db.insert(liveReconciliations).values({
    id: report.reportId,
    liveAccountId: acc.id,
    ranAtMs: nowMs,
    status: report.status,
    divergencesJson: JSON.stringify(divergences),
    accountValueMicroUsd: report.accountValueMicroUsd,
    shadowEquityMicroUsd: report.shadowEquityMicroUsd,
    slippageJson: JSON.stringify(slippage),
  });
  return report;
}

/** Orders whose answer was lost take what the exchange's fills with their cloid say. */
async function resolveLost(deps: LiveDeps, orders: LiveOrderRow[], fills: Awaited<ReturnType<typeof venueFills>>) {
  const out: LiveOrderRow[] = [];
  for (const o of orders) {
    if (o.status !== "pending" && o.status !== "unknown") {
      out.push(o);
      continue;
    }
    const mine = fills.filter((f) => f.cloid?.toLowerCase() === o.cloid);
    if (mine.length === 0) {
      out.push(o);
      continue;
    }
    const patch = { status: "filled" as const, ...fillSummary(mine), updatedAtMs: deps.clock.nowMs() };
    await openDb(deps.env.DB).update(liveOrders).set(patch).where(eq(liveOrders.id, o.id));
    out.push({ ...o, ...patch });
  }
  return out;
}

/** The reconciliation job: every live account that is not frozen. */
export async function reconcileAll(deps: LiveDeps): Promise<{ reconciled: number; diverged: number; failed: number }> {
  const rows = await openDb(deps.env.DB)
    .select()
    .from(liveAccounts)
    .where(inArray(liveAccounts.status, ["active", "paused"]));
  // The WebSocket streams (LIVE_USER_STREAM=on): (re)started here so an evicted or new account gets one.
  await ensureUserStreams(deps).catch(() => undefined);
  let diverged = 0;
  let failed = 0;
  for (const r of rows) {
    try {
      if ((await reconcileLiveAccount(deps, r.id)).status === "diverged") diverged++;
    } catch {
      failed++;
    }
  }
  return { reconciled: rows.length - failed, diverged, failed };
}
