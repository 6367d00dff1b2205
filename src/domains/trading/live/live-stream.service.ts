/**
 * The live accounts' WebSocket path, beside the `/info` poll of live-reconcile.service.ts: what the
 * exchange pushes on `userEvents` (fills, funding) and `orderUpdates` is written into the SAME tables the
 * poll writes, under the same keys (fills by (account, tid), funding by (account, coin, time)), with
 * INSERT OR IGNORE, so a fill or settlement both paths see is stored once; `source` records which path
 * stored it first. Order updates are recorded against `live_orders` by cloid (else oid): the exchange's
 * status and time always; an order whose answer was lost (`pending`/`unknown`) or that rested also takes
 * the terminal status, and when filled, the size and average price of its stored fills.
 *
 * Also starts the streams: `ensureUserStreams` asks the LiveUserStream object of every active or paused
 * live account (binding `LIVE_STREAM`, one object per live account, `idFromName(liveAccountId)`) to hold its socket, when
 * `LIVE_USER_STREAM` is on. The poll stays the backstop (the stream can miss frames across a reconnect).
 *
 * Invariants: never infers a fill or a payment; re-applying a frame changes nothing. Callers: the
 * LiveUserStream Durable Object (durable-objects/live-user-stream/), live-reconcile.service.ts, tests.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { openDb } from "../../../db/client";
import type { WsFill, WsFunding, WsOrder } from "./hyperliquid/ws-user.model";
import { parseUserFrame, resolvedStatus } from "./hyperliquid/ws-user.model";
import { readLiveConfig } from "./live.config";
import { usdToMicro } from "./live.model";
import { liveAccounts, liveExchangeAccounts, liveFills, liveFunding, liveOrders } from "./live.tables";
import type { LiveDeps } from "./live-exchange.service";

export type StoreSource = "stream" | "poll";

/** Inserts the fills not stored yet; returns how many were new. */
export async function storeFills(env: Env, liveAccountId: string, fills: WsFill[], source: StoreSource): Promise<number> {
  const db = openDb(env.DB);
  const inserts = fills.map((f) =>
    db
      .insert(liveFills)
      .values({
        liveAccountId,
        tid: f.tid,
        cloid: f.cloid?.toLowerCase() ?? null,
        oid: f.oid,
        coin: f.coin,
        side: f.side,
        px: f.px,
        sz: f.sz,
        feeMicroUsd: Number(usdToMicro(f.fee)),
        closedPnlMicroUsd: Number(usdToMicro(f.closedPnl)),
        timeMs: f.time,
        source,
      })
      .onConflictDoNothing()
      .returning({ tid: liveFills.tid }),
  );
  const [head, ...rest] = inserts;
  return head ? (await db.batch([head, ...rest])).reduce((n, r) => n + r.length, 0) : 0;
}

/** Inserts the funding settlements not stored yet (key: coin + time); returns how many were new. */
export async function storeFunding(env: Env, liveAccountId: string, entries: WsFunding[], source: StoreSource): Promise<number> {
  const db = openDb(env.DB);
  const inserts = entries.map((e) =>
    db
      .insert(liveFunding)
      .values({
        liveAccountId,
        coin: e.coin,
        timeMs: e.time,
        usdcMicroUsd: Number(usdToMicro(e.usdc)),
        szi: e.szi,
        fundingRate: e.fundingRate,
        source,
      })
      .onConflictDoNothing()
      .returning({ coin: liveFunding.coin }),
  );
  const [head, ...rest] = inserts;
  return head ? (await db.batch([head, ...rest])).reduce((n, r) => n + r.length, 0) : 0;
}

/** Size and average price of an order's fills (display values: `reconcile` re-sums the exact fills). */
export function fillSummary(fills: Array<{ sz: string; px: string; oid: number }>) {
  let sz = 0;
  let notional = 0;
  for (const f of fills) {
    sz += Number(f.sz);
    notional += Number(f.sz) * Number(f.px);
  }
  const first = fills[0];
  return {
    oid: first?.oid ?? null,
    filledSz: fills.length === 1 ? (first?.sz ?? null) : String(sz),
    avgPx: fills.length === 1 ? (first?.px ?? null) : String(notional / sz),
  };
}

/** Records pushed order statuses against `live_orders`; returns how many rows matched. */
export async function applyOrderUpdates(deps: LiveDeps, liveAccountId: string, orders: WsOrder[]): Promise<number> {
  const db = openDb(deps.env.DB);
  let matched = 0;
  for (const u of orders) {
    const cloid = u.order.cloid?.toLowerCase();
    const [row] = await db
      .select()
      .from(liveOrders)
      .where(and(eq(liveOrders.liveAccountId, liveAccountId), cloid ? eq(liveOrders.cloid, cloid) : eq(liveOrders.oid, u.order.oid)))
      .limit(1);
    if (!row) continue;
    matched++;
    // Statuses can arrive out of order across a reconnect: keep the newest.
    if (row.exchangeStatusAtMs !== null && row.exchangeStatusAtMs > u.statusTimestamp) continue;
    const patch: Partial<typeof liveOrders.$inferInsert> = {
      exchangeStatus: u.status,
      exchangeStatusAtMs: u.statusTimestamp,
      oid: row.oid ?? u.order.oid,
      updatedAtMs: deps.clock.nowMs(),
    };
    const terminal = resolvedStatus(u.status);
    if ((row.status === "pending" || row.status === "unknown" || row.status === "resting") && terminal) {
      if (terminal !== "filled") patch.status = terminal;
      else {
        const fills = await db
          .select()
          .from(liveFills)
          .where(and(eq(liveFills.liveAccountId, liveAccountId), eq(liveFills.cloid, row.cloid)));
        // Without its fills the order stays lost here: the poll resolves it from `userFills`.
        if (fills.length) Object.assign(patch, { status: "filled" as const, ...fillSummary(fills) });
      }
    }
    await db.update(liveOrders).set(patch).where(eq(liveOrders.id, row.id));
  }
  return matched;
}

export interface AppliedFrame {
  kind: "fills" | "funding" | "orders" | "ignored" | "malformed";
  /** Rows stored (fills, funding) or orders matched. */
  count: number;
}

/** Applies one text frame of `liveAccountId`'s stream. */
export async function applyUserFrame(deps: LiveDeps, liveAccountId: string, text: string): Promise<AppliedFrame> {
  const frame = parseUserFrame(text);
  if (frame.kind === "fills") return { kind: "fills", count: await storeFills(deps.env, liveAccountId, frame.fills, "stream") };
  if (frame.kind === "funding") return { kind: "funding", count: await storeFunding(deps.env, liveAccountId, [frame.funding], "stream") };
  if (frame.kind === "orders") return { kind: "orders", count: await applyOrderUpdates(deps, liveAccountId, frame.orders) };
  return { kind: frame.kind, count: 0 };
}

/** How many stored fills and settlements of an account each path delivered first. */
export async function deliveredBy(env: Env, liveAccountId: string) {
  const db = openDb(env.DB);
  const count = (table: typeof liveFills | typeof liveFunding) =>
    db
      .select({ source: table.source, n: sql<number>`count(*)` })
      .from(table)
      .where(eq(table.liveAccountId, liveAccountId))
      .groupBy(table.source);
  const [fills, funding] = await Promise.all([count(liveFills), count(liveFunding)]);
  const of = (rows: Array<{ source: string; n: number }>, s: StoreSource) => Number(rows.find((r) => r.source === s)?.n ?? 0);
  return {
    fillsByStream: of(fills, "stream"),
    fillsByPoll: of(fills, "poll"),
    fundingByStream: of(funding, "stream"),
    fundingByPoll: of(funding, "poll"),
  };
}

/** The exchange's WebSocket URL: `<HYPERLIQUID_EXCHANGE_URL>/ws` (wss://api.hyperliquid-testnet.xyz/ws on testnet). */
export function userStreamWsUrl(env: object): string {
  return `${readLiveConfig(env).HYPERLIQUID_EXCHANGE_URL.replace(/\/+$/, "").replace(/^http/, "ws")}/ws`;
}

/** What a LiveUserStream object holds (validated at its RPC boundary). */
export const UserStreamConfigSchema = z.object({
  liveAccountId: z.string().min(1),
  userAddress: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  wsUrl: z.string().regex(/^wss?:\/\//),
});
export type UserStreamConfig = z.infer<typeof UserStreamConfigSchema>;

/** Whether `liveAccountId` should keep its stream (active or paused; frozen or unknown: no). */
export async function isStreamable(env: Env, liveAccountId: string): Promise<boolean> {
  const [row] = await openDb(env.DB).select({ status: liveAccounts.status }).from(liveAccounts).where(eq(liveAccounts.id, liveAccountId));
  return row?.status === "active" || row?.status === "paused";
}

/** Starts (or keeps) the stream of every active or paused live account; returns how many were asked. */
export async function ensureUserStreams(deps: LiveDeps, only?: string[]): Promise<number> {
  if (readLiveConfig(deps.env).LIVE_USER_STREAM !== "on") return 0;
  const rows = await openDb(deps.env.DB)
    .select({ id: liveAccounts.id, userAddress: liveExchangeAccounts.userAddress })
    .from(liveAccounts)
    .innerJoin(liveExchangeAccounts, eq(liveExchangeAccounts.id, liveAccounts.exchangeAccountId))
    .where(and(inArray(liveAccounts.status, ["active", "paused"]), only?.length ? inArray(liveAccounts.id, only) : undefined));
  const wsUrl = userStreamWsUrl(deps.env);
  await Promise.all(
    rows.map((r) =>
      deps.env.LIVE_STREAM.get(deps.env.LIVE_STREAM.idFromName(r.id)).start({ liveAccountId: r.id, userAddress: r.userAddress, wsUrl }),
    ),
  );
  return rows.length;
}
