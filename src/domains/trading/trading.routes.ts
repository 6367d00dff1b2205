/**
 * Client prop-account routes: open a sandbox for an owned clone, list a clone's accounts, read one
 * account (summary with positions, liquidation prices and open triggers), its fills, ledger, order
 * events and snapshots (cursor-paginated) and its result. The owner or an admin; anyone else gets 404.
 * Thin: parse, check access, call the service or the account's object, map.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HOUR_MS } from "../../core/clock";
import { openDb } from "../../db/client";
import { declareRoute } from "../../http/access";
import type { AppEnv } from "../../http/app-env";
import { assertOwner } from "../../http/auth";
import { errorResponses, notFound } from "../../http/errors";
import { createRouter, jsonResponse } from "../../http/router";
import { compileStored, findClone, loadRegistry } from "../strategy";
import { AccountResultSchema, PinsSchema } from "./account-result.model";
import { AccountSummarySchema } from "./account-summary.model";
import { accountStub, findAccount, listCloneAccounts, openPropAccount, PINNED_KINDS } from "./prop-accounts.service";
import type { PropAccountRow } from "./trading.tables";
import {
  AccountParamsSchema,
  CloneAccountParamsSchema,
  FillPageSchema,
  LedgerPageSchema,
  OpenSandboxSchema,
  OrderPageSchema,
  PageQuerySchema,
  PropAccountListItemSchema,
  SnapshotPageSchema,
  SnapshotQuerySchema,
} from "./trading-api.model";

const TAG = ["prop-accounts"];

/** The projected account when the caller owns it (or is admin); otherwise 404. */
export async function visibleAccount(c: Context<AppEnv>, accountId: string): Promise<PropAccountRow> {
  const row = await findAccount(c.env.DB, accountId);
  if (!row) throw notFound("prop account");
  assertOwner(c.get("auth"), row.ownerId, "prop account");
  return row;
}

const listItem = (r: PropAccountRow) => ({
  accountId: r.id,
  cloneId: r.cloneId,
  kind: r.kind,
  status: r.status,
  window: { startMs: r.startMs, endMs: r.endMs },
  startingBalanceMicroUsd: r.startingBalanceMicroUsd,
  cashMicroUsd: r.cashMicroUsd,
  equityMicroUsd: r.equityMicroUsd,
  drawdownPct: r.drawdownPct,
  lastMarkMs: r.lastMarkMs,
  createdAtMs: r.createdAtMs,
});

/** The visible account's object and the page asked for (params and query already validated by the route). */
async function pageOf(c: Context<AppEnv>) {
  const accountId = c.req.param("accountId") as string;
  const q = SnapshotQuerySchema.parse(c.req.query());
  await visibleAccount(c, accountId);
  return {
    stub: accountStub(c.env, accountId),
    limit: q.limit,
    resolution: q.resolution,
    ...(q.cursor === undefined ? {} : { after: q.cursor }),
  };
}

const nextCursor = <T>(items: T[], limit: number, cursorOf: (t: T) => number) => {
  const last = items[items.length - 1];
  return items.length === limit && last !== undefined ? cursorOf(last) : null;
};

// Owner-scoped: the owner or an admin; anyone else (another user, the service role) gets 404 from
// assertOwner in the handler. Opening is a write (default "write" rate limit, default body cap).
const OWNER_ONLY = { role: "user", owner: true } as const;
// The reads served by the account's PropAccount object (summary, pages, result) are rate-limited as
// expensive reads: each one wakes the single-writer object and queues behind its intake, marks and
// funding, so a flood of reads would delay the account's money-moving work. The list reads the D1
// projection (one indexed query) and keeps the GET default (no limit).
const OWNER_OBJECT_READ = { ...OWNER_ONLY, rateLimit: "read" } as const;

const openRoute = declareRoute({
  access: OWNER_ONLY,
  method: "post",
  path: "/clones/{cloneId}/prop-accounts",
  tags: TAG,
  summary: "Open a sandbox prop account for an owned clone (allowed symbols snapshotted from its compiled universe)",
  request: { params: CloneAccountParamsSchema, body: { content: { "application/json": { schema: OpenSandboxSchema } }, required: true } },
  responses: {
    201: jsonResponse(AccountSummarySchema, "The new account"),
    ...errorResponses("validation_failed", "unauthorized", "not_found"),
  },
});

const listRoute = declareRoute({
  access: OWNER_ONLY,
  method: "get",
  path: "/clones/{cloneId}/prop-accounts",
  tags: TAG,
  summary: "A clone's prop accounts, newest first (from the projection)",
  request: { params: CloneAccountParamsSchema },
  responses: {
    200: jsonResponse(z.object({ accounts: z.array(PropAccountListItemSchema) }), "The accounts"),
    ...errorResponses("unauthorized", "not_found"),
  },
});

/** The account read adds what an audition or race account decides with (pinned at open). */
const AccountReadSchema = AccountSummarySchema.extend({
  pipelineVersionHash: z.string().optional().openapi({ description: "Pinned pipeline version (audition and race accounts)" }),
  model: z.string().optional().openapi({ description: "Pinned model id (audition and race accounts)" }),
}).openapi("PropAccountRead");

const getRoute = declareRoute({
  access: OWNER_OBJECT_READ,
  method: "get",
  path: "/prop-accounts/{accountId}",
  tags: TAG,
  summary:
    "Account summary: status, window, cash, equity, drawdown, positions with liquidation price, open trigger orders; the pinned pipeline version and model of an audition or race account",
  request: { params: AccountParamsSchema },
  responses: { 200: jsonResponse(AccountReadSchema, "The account"), ...errorResponses("unauthorized", "not_found") },
});

/** `pipelineVersionHash` and `model` when the account pinned them (audition and race kinds). */
function pinnedFields(row: PropAccountRow): { pipelineVersionHash?: string; model?: string } {
  if (!PINNED_KINDS.includes(row.kind) || !row.pinsJson) return {};
  const pins = PinsSchema.safeParse(JSON.parse(row.pinsJson));
  if (!pins.success) return {};
  const hash = pins.data.pipelineVersionHash;
  return {
    ...(typeof hash === "string" ? { pipelineVersionHash: hash } : {}),
    ...(pins.data.modelId ? { model: pins.data.modelId } : {}),
  };
}

const pageRoute = <T extends z.ZodType>(path: string, summary: string, schema: T, query: z.ZodObject = PageQuerySchema) =>
  declareRoute({
    access: OWNER_OBJECT_READ,
    method: "get",
    path: `/prop-accounts/{accountId}/${path}`,
    tags: TAG,
    summary,
    request: { params: AccountParamsSchema, query },
    responses: {
      200: jsonResponse(schema, "One page; pass nextCursor as cursor"),
      ...errorResponses("validation_failed", "unauthorized", "not_found"),
    },
  });

const fillsRoute = pageRoute("fills", "Fills, oldest first", FillPageSchema);
const ledgerRoute = pageRoute("ledger", "Ledger entries (signed effect on cash, other legs as postings), oldest first", LedgerPageSchema);
const ordersRoute = pageRoute("orders", "Trigger order events (placed, cancelled, triggered), oldest first", OrderPageSchema);
const snapshotsRoute = pageRoute(
  "snapshots",
  "The equity curve: minute snapshots (24 h) or hourly ones (account life)",
  SnapshotPageSchema,
  SnapshotQuerySchema,
);

const resultRoute = declareRoute({
  access: OWNER_OBJECT_READ,
  method: "get",
  path: "/prop-accounts/{accountId}/result",
  tags: TAG,
  summary: "The finalized, hashed result (404 until finalized)",
  request: { params: AccountParamsSchema },
  responses: { 200: jsonResponse(AccountResultSchema, "The result"), ...errorResponses("unauthorized", "not_found") },
});

export const propAccountRoutes = createRouter()
  .openapi(openRoute, async (c) => {
    const { cloneId } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = openDb(c.env.DB);
    const clone = await findClone(db, cloneId);
    if (!clone) throw notFound("clone");
    assertOwner(c.get("auth"), clone.ownerId, "clone");
    const plan = await compileStored(db, clone, await loadRegistry(db));
    // A clone deleted mid-request has no pipeline any more: the same 404 as a missing clone.
    if (!plan) throw notFound("clone");
    const symbols = [
      ...new Set(plan.strategies.flatMap((s) => s.universe.filter((u) => u.tradingSupported && u.kind === "perp").map((u) => u.symbol))),
    ];
    const nowMs = c.get("deps").clock.nowMs();
    const summary = await openPropAccount(
      { env: c.env, ids: c.get("deps").ids },
      {
        cloneId,
        ownerId: clone.ownerId,
        kind: "sandbox",
        startingBalanceMicroUsd: body.startingBalanceUsd * 1_000_000,
        startMs: nowMs,
        endMs: nowMs + body.durationHours * HOUR_MS,
        rules: body.rules ?? {},
        allowedSymbols: symbols.sort(),
        pins: { pipelineVersion: plan.pipelineVersion, modelId: clone.modelId },
      },
    );
    return c.json(summary, 201);
  })
  .openapi(listRoute, async (c) => {
    const { cloneId } = c.req.valid("param");
    const clone = await findClone(openDb(c.env.DB), cloneId);
    if (!clone) throw notFound("clone");
    assertOwner(c.get("auth"), clone.ownerId, "clone");
    return c.json({ accounts: (await listCloneAccounts(c.env.DB, cloneId)).map(listItem) }, 200);
  })
  .openapi(getRoute, async (c) => {
    const { accountId } = c.req.valid("param");
    const row = await visibleAccount(c, accountId);
    const summary = await accountStub(c.env, accountId).summary(c.get("deps").clock.nowMs());
    if (!summary) throw notFound("prop account");
    return c.json({ ...summary, ...pinnedFields(row) }, 200);
  })
  .openapi(fillsRoute, async (c) => {
    const { stub, ...q } = await pageOf(c);
    const rows = await stub.fills(q);
    return c.json({ items: rows.map((r) => r.fill), nextCursor: nextCursor(rows, q.limit, (r) => r.seq) }, 200);
  })
  .openapi(ledgerRoute, async (c) => {
    const { stub, ...q } = await pageOf(c);
    const rows = await stub.ledger(q);
    const items = rows.map((r) => {
      const tr = r.transfer;
      return {
        transferId: tr.transferId,
        t: tr.t,
        code: tr.code,
        amountMicroUsd: r.amountMicroUsd,
        ...(tr.symbol === undefined ? {} : { symbol: tr.symbol }),
        refId: tr.refId,
        postings: tr.postings.filter((p) => !p.book.startsWith("prop:")),
      };
    });
    return c.json({ items, nextCursor: nextCursor(rows, q.limit, (r) => r.seq) }, 200);
  })
  .openapi(ordersRoute, async (c) => {
    const { stub, ...q } = await pageOf(c);
    const rows = await stub.orders(q);
    const items = rows.map((r) => ({
      orderId: r.order_id,
      event: r.event as "placed",
      t: r.t,
      symbol: r.symbol,
      kind: r.kind as "stop_loss",
      triggerPx: r.trigger_px,
    }));
    return c.json({ items, nextCursor: nextCursor(rows, q.limit, (r) => r.seq) }, 200);
  })
  .openapi(snapshotsRoute, async (c) => {
    const { stub, resolution, ...q } = await pageOf(c);
    const rows = await stub.snapshots({ ...q, hourlyOnly: resolution === "hour" });
    const items = rows.map((r) => ({ ...r.snapshot, t: r.t, hourly: r.hourly }));
    return c.json({ items, nextCursor: nextCursor(rows, q.limit, (r) => r.t) }, 200);
  })
  .openapi(resultRoute, async (c) => {
    const { accountId } = c.req.valid("param");
    await visibleAccount(c, accountId);
    const result = await accountStub(c.env, accountId).result();
    if (!result) throw notFound("result");
    return c.json(result, 200);
  });
