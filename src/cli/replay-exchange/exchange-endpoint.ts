/**
 * Stand-in for Hyperliquid's `POST /exchange` (and the account half of `/info`) on the replay
 * exchange, so the live adapter can be exercised offline. It verifies requests the way the exchange
 * does and answers in its documented shapes (test/fixtures/hyperliquid/exchange/ORIGIN.md):
 *
 *   signature   recovers the signer from the EIP-712 Agent signature over the action hash (a tampered
 *               action recovers some other address) and accepts it only if it is an approved agent of an
 *               account: else `{status:"err", response:"L1 error: User or API Wallet 0x… does not exist."}`
 *   nonce       per signer, as nonce.model.ts `checkNonce` (unused, larger than the smallest of the last
 *               100, inside (now − 2 d, now + 1 d)): else `{status:"err", response:"Invalid nonce: …"}`
 *   order       asset from the recorded `meta`; price/size rules (wire.model.ts), $10 minimum, reduce-only,
 *               cross margin at the asset's leverage; IOC fills at the replay mid (the current candle's
 *               close) when the limit crosses it, else the exchange's IOC cancel error; Gtc/Alo and trigger
 *               orders rest (the stand-in does not work resting orders); a cloid already used by the
 *               account is refused, so a retried submission never places a second order
 *   cancel, cancelByCloid, updateLeverage (cross), scheduleCancel
 *   approveAgent  user-signed (user-signed.ts): the recovered wallet approves the agent for its own account
 *   /info       extraAgents, clearinghouseState, userFills, userFunding, openOrders (per user)
 *   events      every fill, funding settlement and order status change is told to `onAccountEvent`
 *               listeners (server.ts pushes them over /ws as `user` / `orderUpdates`: user-stream.ts)
 *   funding     not continuous: `settleFunding` (POST /control/funding) settles one interval for a user's
 *               open positions at given hourly rates, at the replay mid: usdc = −szi × mid × rate (longs
 *               pay a positive rate), booked to the balance and listed by `userFunding` with the zero hash
 *               as the exchange sends settlements (test/fixtures/hyperliquid/exchange/userFunding.json);
 *               one settlement per (user, coin, time); hourly-funding.ts calls it every replay hour
 *
 * Not the exchange: vault trading, liquidation and the book's depth are not simulated;
 * sizes and prices are exact (bigint, 8 decimals), balances integer micro-USD. Error strings whose
 * exact wording the documentation does not give are marked "(stand-in wording)".
 * Wired into server.ts; approved agents come from options or `POST /control/agents`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Address } from "viem";
import { isAddress } from "viem";
import {
  checkNonce,
  parseExact,
  priceToWire,
  recoverL1Signer,
  sizeToWire,
  type WireAction,
  type WireSignature,
} from "../../domains/trading";
import type { CandleSource } from "./candle-source";
import { decodeExchangeState, encodeExchangeState } from "./exchange-state";
import { checkApproveAgent } from "./user-signed";

export interface StandInExchangeOptions {
  /** Which `source` signatures must carry ("a" mainnet / "b" testnet). Default false: testnet. */
  isMainnet?: boolean;
  /** Approved agents per account: `{ [user]: [agent, ...] }`. */
  approvedAgents?: Record<string, string[]>;
  /** USDC each account starts with (default 10,000). */
  startingUsdc?: number;
  /** The exchange clock for the nonce window (default: the real clock). */
  nowMs?: () => number;
  /**
   * A file keeping the accounts (agents, balances, positions, orders, fills, funding), the nonces and the
   * id counters across restarts: read at start when present, rewritten after every change through
   * handleExchange, approveAgent and settleFunding (npm start: `<state dir>/stand-in-exchange.json`).
   */
  stateFile?: string;
}

interface MetaAsset {
  name: string;
  szDecimals: number;
  maxLeverage: number;
  isDelisted?: boolean;
}

const S8 = 100_000_000n;
/** Base-tier perp taker fee, 0.045% (protocols.md). */
const TAKER_FEE_PPM = 450n;
const MIN_NOTIONAL_MICRO = 10_000_000n;

interface Position {
  szi: bigint;
  entryPx: bigint;
}
export interface OpenOrder {
  coin: string;
  asset: number;
  side: "B" | "A";
  limitPx: bigint;
  sz: bigint;
  oid: number;
  timestamp: number;
  cloid?: string;
  isTrigger: boolean;
  triggerPx?: bigint;
  reduceOnly: boolean;
}
/** What happened to an account, as the WebSocket pushes it (user-stream.ts writes the wire frames). */
export type AccountEvent =
  | { kind: "fills"; fills: Array<Record<string, unknown>> }
  | { kind: "funding"; entry: { time: number; delta: Record<string, unknown> } }
  | { kind: "order"; order: OpenOrder; status: "open" | "filled" | "canceled"; remainingSz: bigint };

interface Account {
  usdcMicro: bigint;
  positions: Map<string, Position>;
  leverage: Map<number, number>;
  open: OpenOrder[];
  fills: Array<Record<string, unknown>>;
  funding: Array<{ time: number; hash: string; delta: Record<string, unknown> }>;
  cloids: Set<string>;
  scheduledCancelMs: number | null;
  agents: Array<{ address: Address; name: string }>;
}

/** 8-decimal fixed point of a wire decimal string. */
const s8 = (x: string): bigint => {
  const e = parseExact(x);
  if (!e || e.scale > 8) throw new Error(`bad decimal ${x}`);
  return e.digits * 10n ** BigInt(8 - e.scale);
};
/** Wire text of an 8-decimal fixed point value (trailing zeros stripped). */
export const text8 = (v: bigint): string => {
  const neg = v < 0n;
  const abs = (neg ? -v : v).toString().padStart(9, "0");
  const frac = abs.slice(-8).replace(/0+$/, "");
  return `${neg ? "-" : ""}${abs.slice(0, -8)}${frac ? `.${frac}` : ""}`;
};
const microOf = (px: bigint, sz: bigint): bigint => (px * sz) / ((S8 * S8) / 1_000_000n);
const usd = (micro: bigint): string => text8(micro * 100n);
const abs = (v: bigint) => (v < 0n ? -v : v);
const minB = (x: bigint, y: bigint) => (x < y ? x : y);

type Answer = [number, unknown];
const err = (response: string): Answer => [200, { status: "err", response }];

export function createStandInExchange(source: CandleSource, meta: { universe: MetaAsset[] }, options: StandInExchangeOptions = {}) {
  const isMainnet = options.isMainnet ?? false;
  const now = options.nowMs ?? (() => Date.now());
  const startingMicro = BigInt(Math.round((options.startingUsdc ?? 10_000) * 1_000_000));
  const accounts = new Map<string, Account>();
  const agentOwner = new Map<string, string>();
  const seenNonces = new Map<string, number[]>();
  let nextOid = 1000;
  let nextTid = 1;
  /** Who hears the account events (user-stream.ts pushes them as the WebSocket `user` / `orderUpdates` channels). */
  const listeners = new Set<(user: string, event: AccountEvent) => void>();
  const emit = (a: Account, event: AccountEvent) => {
    const user = [...accounts].find(([, x]) => x === a)?.[0];
    if (user) for (const l of listeners) l(user, event);
  };

  const account = (user: string): Account => {
    const key = user.toLowerCase();
    let a = accounts.get(key);
    if (!a) {
      a = {
        usdcMicro: startingMicro,
        positions: new Map(),
        leverage: new Map(),
        open: [],
        fills: [],
        funding: [],
        cloids: new Set(),
        scheduledCancelMs: null,
        agents: [],
      };
      accounts.set(key, a);
    }
    return a;
  };

  /** Approves `agent` for `user` (what the user's signed `approveAgent` does on the exchange). */
  function approveAgent(user: string, agent: string, name = "clash-arena"): void {
    if (!isAddress(user) || !isAddress(agent)) throw new Error("user and agent must be addresses");
    const a = account(user);
    if (!a.agents.some((x) => x.address.toLowerCase() === agent.toLowerCase())) a.agents.push({ address: agent as Address, name });
    agentOwner.set(agent.toLowerCase(), user.toLowerCase());
  }
  for (const [user, agents] of Object.entries(options.approvedAgents ?? {})) for (const agent of agents) approveAgent(user, agent);

  /** The replay mid of `coin`: the close of the forming candle, else of the latest one in the last hour. */
  function mid(coin: string): bigint | undefined {
    const i = source.indexAt(source.virtualNowMs());
    for (let k = i; k > i - 60; k--) {
      const c = source.candle(coin, k);
      if (c) return s8(c.c);
    }
    return undefined;
  }

  function marginUsedMicro(a: Account): bigint {
    let used = 0n;
    for (const [coin, p] of a.positions) {
      const asset = meta.universe.findIndex((u) => u.name === coin);
      const px = mid(coin) ?? p.entryPx;
      used += microOf(px, abs(p.szi)) / BigInt(a.leverage.get(asset) ?? defaultLeverage(asset));
    }
    return used;
  }
  const defaultLeverage = (asset: number) => Math.min(20, meta.universe[asset]?.maxLeverage ?? 1);

  function applyFill(a: Account, o: { coin: string; asset: number; isBuy: boolean; px: bigint; sz: bigint; oid: number; cloid?: string }) {
    const fill = bookFill(a, o);
    emit(a, { kind: "fills", fills: [fill] });
  }
  function bookFill(a: Account, o: { coin: string; asset: number; isBuy: boolean; px: bigint; sz: bigint; oid: number; cloid?: string }) {
    const pos = a.positions.get(o.coin) ?? { szi: 0n, entryPx: 0n };
    const signed = o.isBuy ? o.sz : -o.sz;
    let closedPnlMicro = 0n;
    const start = pos.szi;
    if (pos.szi !== 0n && pos.szi > 0n !== o.isBuy) {
      const closing = minB(abs(signed), abs(pos.szi));
      const side = pos.szi > 0n ? 1n : -1n;
      closedPnlMicro = (side * (o.px - pos.entryPx) * closing) / ((S8 * S8) / 1_000_000n);
    }
    const szi = pos.szi + signed;
    let entryPx = pos.entryPx;
    if (szi === 0n) entryPx = 0n;
    else if (pos.szi === 0n || pos.szi > 0n !== szi > 0n) entryPx = o.px;
    else if (abs(szi) > abs(pos.szi)) entryPx = (pos.entryPx * abs(pos.szi) + o.px * o.sz) / abs(szi);
    if (szi === 0n) a.positions.delete(o.coin);
    else a.positions.set(o.coin, { szi, entryPx });
    const feeMicro = (microOf(o.px, o.sz) * TAKER_FEE_PPM) / 1_000_000n;
    a.usdcMicro += closedPnlMicro - feeMicro;
    const dir = start === 0n || start > 0n === o.isBuy ? (o.isBuy ? "Open Long" : "Open Short") : o.isBuy ? "Close Short" : "Close Long";
    const fill = {
      coin: o.coin,
      px: text8(o.px),
      sz: text8(o.sz),
      side: o.isBuy ? "B" : "A",
      time: source.virtualNowMs(),
      startPosition: text8(start),
      dir,
      closedPnl: usd(closedPnlMicro),
      hash: `0x${"0".repeat(64)}`,
      oid: o.oid,
      crossed: true,
      fee: usd(feeMicro),
      tid: nextTid++,
      feeToken: "USDC",
      ...(o.cloid ? { cloid: o.cloid } : {}),
    };
    a.fills.push(fill);
    return fill;
  }

  function placeOrder(a: Account, w: Record<string, unknown>): unknown {
    const asset = Number(w.a);
    const spec = meta.universe[asset];
    if (!Number.isInteger(asset) || !spec || spec.isDelisted)
      return { error: `Asset ${String(w.a)} is not a tradable perp (stand-in wording)` };
    const rules = { szDecimals: spec.szDecimals, kind: "perp" as const };
    if (typeof w.p !== "string" || !priceToWire(w.p, rules).ok) return { error: `Order has invalid price. asset=${asset}` };
    if (typeof w.s !== "string" || !sizeToWire(w.s, rules).ok) return { error: `Order has invalid size. asset=${asset}` };
    const px = s8(w.p);
    const sz = s8(w.s);
    const isBuy = w.b === true;
    const reduceOnly = w.r === true;
    const cloid = typeof w.c === "string" ? w.c.toLowerCase() : undefined;
    if (cloid && a.cloids.has(cloid))
      return { error: `Duplicate cloid ${cloid}: an order with this cloid was already placed (stand-in wording)` };
    const t = w.t as { limit?: { tif?: string }; trigger?: { isMarket?: boolean; triggerPx?: string; tpsl?: string } };
    const pos = a.positions.get(spec.name);
    const increases = !pos || pos.szi === 0n || pos.szi > 0n === isBuy || sz > abs(pos.szi);
    if (reduceOnly && (!pos || pos.szi === 0n || pos.szi > 0n === isBuy))
      return { error: `Reduce only order would increase position. asset=${asset}` };
    const notional = microOf(px, sz);
    if (!reduceOnly && notional < MIN_NOTIONAL_MICRO) return { error: `Order must have minimum value of $10. asset=${asset}` };
    if (increases && !reduceOnly) {
      const lev = BigInt(a.leverage.get(asset) ?? defaultLeverage(asset));
      const markPx = mid(spec.name) ?? px;
      const need = microOf(markPx, sz) / lev;
      if (a.usdcMicro - marginUsedMicro(a) < need) return { error: `Insufficient margin to place order. asset=${asset}` };
    }
    const oid = nextOid++;
    if (t?.trigger || t?.limit?.tif !== "Ioc") {
      if (cloid) a.cloids.add(cloid);
      const trig = t?.trigger?.triggerPx;
      a.open.push({
        coin: spec.name,
        asset,
        side: isBuy ? "B" : "A",
        limitPx: px,
        sz,
        oid,
        timestamp: source.virtualNowMs(),
        cloid,
        isTrigger: !!t?.trigger,
        triggerPx: trig ? s8(trig) : undefined,
        reduceOnly,
      });
      emit(a, { kind: "order", order: a.open[a.open.length - 1] as OpenOrder, status: "open", remainingSz: sz });
      return { resting: { oid, ...(cloid ? { cloid } : {}) } };
    }
    const m = mid(spec.name);
    if (m === undefined) return { error: `No liquidity available for market order. asset=${asset}` };
    if (isBuy ? px < m : px > m) return { error: `Order could not immediately match against any resting orders. asset=${asset}` };
    if (cloid) a.cloids.add(cloid);
    // A reduce-only order fills at most the position (it can close, never flip).
    const fillSz = reduceOnly && pos ? minB(sz, abs(pos.szi)) : sz;
    applyFill(a, { coin: spec.name, asset, isBuy, px: m, sz: fillSz, oid, cloid });
    const ioc = {
      coin: spec.name,
      asset,
      side: isBuy ? ("B" as const) : ("A" as const),
      limitPx: px,
      sz,
      oid,
      timestamp: source.virtualNowMs(),
      cloid,
      isTrigger: false,
      reduceOnly,
    };
    emit(a, { kind: "order", order: ioc, status: "filled", remainingSz: 0n });
    return { filled: { totalSz: text8(fillSz), avgPx: text8(m), oid, ...(cloid ? { cloid } : {}) } };
  }

  const NOT_FOUND = "Order was never placed, already canceled, or filled.";

  function act(a: Account, action: Record<string, unknown>): Answer {
    switch (action.type) {
      case "order": {
        if (!Array.isArray(action.orders)) return [422, "Failed to deserialize the JSON body into the target type"];
        const statuses = action.orders.map((o) => placeOrder(a, o as Record<string, unknown>));
        return [200, { status: "ok", response: { type: "order", data: { statuses } } }];
      }
      case "cancel":
      case "cancelByCloid": {
        const cancels = Array.isArray(action.cancels) ? (action.cancels as Array<Record<string, unknown>>) : [];
        const statuses = cancels.map((c) => {
          const i = a.open.findIndex((o) =>
            action.type === "cancel" ? o.asset === c.a && o.oid === c.o : o.asset === c.asset && o.cloid === String(c.cloid).toLowerCase(),
          );
          if (i < 0) return { error: `${NOT_FOUND} asset=${String(c.a ?? c.asset)}` };
          const [gone] = a.open.splice(i, 1);
          if (gone) emit(a, { kind: "order", order: gone, status: "canceled", remainingSz: gone.sz });
          return "success";
        });
        return [200, { status: "ok", response: { type: "cancel", data: { statuses } } }];
      }
      case "updateLeverage": {
        const asset = Number(action.asset);
        const lev = Number(action.leverage);
        const spec = meta.universe[asset];
        if (!spec || !Number.isInteger(lev) || lev < 1 || lev > spec.maxLeverage) return err(`Invalid leverage value (stand-in wording)`);
        if (action.isCross !== true) return err("Only cross margin is supported by the stand-in (stand-in wording)");
        a.leverage.set(asset, lev);
        return [200, { status: "ok", response: { type: "default" } }];
      }
      case "scheduleCancel": {
        const time = action.time;
        if (time === undefined) a.scheduledCancelMs = null;
        else if (typeof time !== "number" || time < now() + 5000)
          return err("Scheduled cancel time too early, must be at least 5 seconds from now (stand-in wording)");
        else a.scheduledCancelMs = time;
        return [200, { status: "ok", response: { type: "default" } }];
      }
      default:
        return [422, "Failed to deserialize the JSON body into the target type"];
    }
  }

  /** A user-signed `approveAgent` (user-signed.ts): the recovered signer approves the agent for itself. */
  async function approveBySignature(action: Record<string, unknown>, nonce: number, sig: WireSignature): Promise<Answer> {
    const checked = await checkApproveAgent(action, nonce, sig, isMainnet);
    if (!checked.ok) return checked.status === 200 ? err(checked.error) : [checked.status, checked.error];
    const user = checked.user.toLowerCase();
    const owner = agentOwner.get(checked.agent.toLowerCase());
    if (owner && owner !== user) return err(`Agent ${checked.agent} is already used by another account (stand-in wording)`);
    const nonces = checkNonce(seenNonces.get(user) ?? [], nonce, now());
    if (!nonces.ok) return err(nonces.error);
    seenNonces.set(user, nonces.seen);
    approveAgent(user, checked.agent, checked.name || "clash-arena");
    return [200, { status: "ok", response: { type: "default" } }];
  }

  /** `POST /exchange`. */
  async function handleExchange(body: unknown): Promise<Answer> {
    const b = body as { action?: unknown; nonce?: unknown; signature?: Partial<WireSignature>; vaultAddress?: unknown };
    const sig = b?.signature;
    if (
      typeof b?.action !== "object" ||
      b.action === null ||
      typeof (b.action as { type?: unknown }).type !== "string" ||
      typeof b.nonce !== "number" ||
      typeof sig?.r !== "string" ||
      typeof sig.s !== "string" ||
      typeof sig.v !== "number"
    )
      return [422, "Failed to deserialize the JSON body into the target type"];
    if (b.vaultAddress !== undefined && b.vaultAddress !== null)
      return err("Vault trading is not simulated by the stand-in (stand-in wording)");
    if ((b.action as { type: string }).type === "approveAgent")
      return approveBySignature(b.action as Record<string, unknown>, b.nonce, sig as WireSignature);
    let signer: string;
    try {
      signer = (
        await recoverL1Signer({
          action: b.action as WireAction,
          nonce: b.nonce,
          vaultAddress: null,
          isMainnet,
          signature: sig as WireSignature,
        })
      ).toLowerCase();
    } catch {
      return [422, "Failed to deserialize the JSON body into the target type"];
    }
    const user = agentOwner.get(signer);
    if (!user) return err(`L1 error: User or API Wallet ${signer} does not exist.`);
    const checked = checkNonce(seenNonces.get(signer) ?? [], b.nonce, now());
    if (!checked.ok) return err(checked.error);
    seenNonces.set(signer, checked.seen);
    const a = account(user);
    if (a.scheduledCancelMs !== null && now() >= a.scheduledCancelMs) {
      a.open = [];
      a.scheduledCancelMs = null;
    }
    return act(a, b.action as Record<string, unknown>);
  }

  /**
   * Settles one funding interval at `timeMs` for `user`'s open positions whose coin has a rate in `rates`
   * (hourly rate as the exchange writes it). A (coin, time) already settled is skipped. Returns the entries made.
   */
  function settleFunding(user: string, timeMs: number, rates: Record<string, string>) {
    if (!isAddress(user)) throw new Error("user must be an address");
    const a = account(user);
    const made: Account["funding"] = [];
    for (const [coin, p] of a.positions) {
      const rate = rates[coin];
      const px = mid(coin);
      if (rate === undefined || px === undefined || p.szi === 0n) continue;
      if (a.funding.some((f) => f.time === timeMs && f.delta.coin === coin)) continue;
      const r = parseExact(rate);
      if (!r) throw new Error(`bad funding rate ${rate}`);
      // µUSD = szi(1e8) × px(1e8) × rate(10^scale) / (1e16 / 1e6 × 10^scale), truncated toward zero.
      const micro = -(p.szi * px * r.digits) / (((S8 * S8) / 1_000_000n) * 10n ** BigInt(r.scale));
      a.usdcMicro += micro;
      const entry = {
        time: timeMs,
        hash: `0x${"0".repeat(64)}`,
        delta: { type: "funding", coin, usdc: usd(micro), szi: text8(p.szi), fundingRate: rate, nSamples: null },
      };
      a.funding.push(entry);
      made.push(entry);
      emit(a, { kind: "funding", entry });
    }
    return made;
  }

  /** The account half of `/info`; undefined for types it does not answer. */
  function answerInfo(body: Record<string, unknown>): Answer | undefined {
    const type = body.type;
    if (type !== "extraAgents" && type !== "clearinghouseState" && type !== "userFills" && type !== "openOrders" && type !== "userFunding")
      return undefined;
    if (typeof body.user !== "string" || !isAddress(body.user)) return [422, "Failed to deserialize the JSON body into the target type"];
    const a = account(body.user);
    if (type === "userFunding") {
      if (typeof body.startTime !== "number") return [422, "Failed to deserialize the JSON body into the target type"];
      const from = body.startTime;
      const to = typeof body.endTime === "number" ? body.endTime : Number.MAX_SAFE_INTEGER;
      // Oldest first, at most 500 a page (the exchange's page size).
      return [
        200,
        a.funding
          .filter((f) => f.time >= from && f.time <= to)
          .sort((x, y) => x.time - y.time)
          .slice(0, 500),
      ];
    }
    if (type === "extraAgents") return [200, a.agents.map((x) => ({ name: x.name, address: x.address, validUntil: null }))];
    if (type === "userFills") return [200, [...a.fills].reverse()];
    if (type === "openOrders")
      return [
        200,
        a.open.map((o) => ({
          coin: o.coin,
          limitPx: text8(o.limitPx),
          oid: o.oid,
          side: o.side,
          sz: text8(o.sz),
          timestamp: o.timestamp,
          ...(o.cloid ? { cloid: o.cloid } : {}),
        })),
      ];
    return [200, clearinghouseState(a)];
  }

  function clearinghouseState(a: Account) {
    let ntl = 0n;
    let upnl = 0n;
    const assetPositions = [...a.positions].map(([coin, p]) => {
      const asset = meta.universe.findIndex((u) => u.name === coin);
      const markPx = mid(coin) ?? p.entryPx;
      const value = microOf(markPx, abs(p.szi));
      const pnl = (p.szi * (markPx - p.entryPx)) / ((S8 * S8) / 1_000_000n);
      const lev = a.leverage.get(asset) ?? defaultLeverage(asset);
      ntl += value;
      upnl += pnl;
      return {
        type: "oneWay",
        position: {
          coin,
          szi: text8(p.szi),
          entryPx: text8(p.entryPx),
          positionValue: usd(value),
          unrealizedPnl: usd(pnl),
          leverage: { type: "cross", value: lev },
          marginUsed: usd(value / BigInt(lev)),
          maxLeverage: meta.universe[asset]?.maxLeverage ?? lev,
        },
      };
    });
    const used = marginUsedMicro(a);
    const accountValue = a.usdcMicro + upnl;
    const summary = { accountValue: usd(accountValue), totalNtlPos: usd(ntl), totalRawUsd: usd(a.usdcMicro), totalMarginUsed: usd(used) };
    return {
      marginSummary: summary,
      crossMarginSummary: summary,
      withdrawable: usd(accountValue - used > 0n ? accountValue - used : 0n),
      assetPositions,
      time: source.virtualNowMs(),
    };
  }

  /** Accounts holding an open position (the hourly funding settles them: hourly-funding.ts). */
  const usersWithPositions = () => [...accounts].filter(([, a]) => a.positions.size > 0).map(([user]) => user);
  /** Hears every account event from now on; returns the unsubscribe. */
  const onAccountEvent = (listener: (user: string, event: AccountEvent) => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };

  // ---- persistence (options.stateFile) ----
  type Book = { accounts: Map<string, Account>; seenNonces: Map<string, number[]>; nextOid: number; nextTid: number };
  const stateFile = options.stateFile;
  if (stateFile && existsSync(stateFile)) {
    const saved = decodeExchangeState(readFileSync(stateFile, "utf8")) as Book;
    for (const [user, a] of saved.accounts) {
      accounts.set(user, a);
      for (const agent of a.agents) agentOwner.set(agent.address.toLowerCase(), user);
    }
    for (const [signer, nonces] of saved.seenNonces) seenNonces.set(signer, nonces);
    nextOid = saved.nextOid;
    nextTid = saved.nextTid;
  }
  const save = () => {
    if (stateFile) writeFileSync(stateFile, encodeExchangeState({ accounts, seenNonces, nextOid, nextTid } satisfies Book));
  };
  const saving =
    <A extends unknown[], R>(f: (...args: A) => R) =>
    (...args: A): R => {
      const out = f(...args);
      if (out instanceof Promise)
        return out.then((v) => {
          save();
          return v;
        }) as R;
      save();
      return out;
    };

  return {
    handleExchange: saving(handleExchange),
    answerInfo,
    approveAgent: saving(approveAgent),
    settleFunding: saving(settleFunding),
    usersWithPositions,
    onAccountEvent,
    isMainnet,
  };
}

export type StandInExchange = ReturnType<typeof createStandInExchange>;
