/**
 * Backtest routes (owner or admin; anyone else gets 404): create on a clone, list a clone's backtests,
 * status with progress and ETA, cancel, and the report. Thin: parse, authorize, call, map.
 */
import type { Context } from "hono";
import { openDb } from "../../db/client";
import { declareRoute } from "../../http/access";
import type { AppEnv } from "../../http/app-env";
import { assertOwner } from "../../http/auth";
import { ApiError, errorResponses, notFound } from "../../http/errors";
import { createRouter, jsonResponse } from "../../http/router";
import { CloneParamsSchema, ownedClone } from "../strategy";
import { BacktestReportSchema, BacktestRequestSchema } from "./backtest.model";
import { backtestView, cancelBacktest, createBacktest, getBacktest, listCloneBacktests } from "./backtest.service";
import { backtestDeps } from "./backtest.wiring";
import { BacktestListSchema, BacktestParamsSchema, BacktestViewSchema } from "./backtest-api.model";

const createRoute = declareRoute({
  // Queues work that may call the clone's model (money): the write rate limit applies.
  access: { role: "user", owner: true, rateLimit: "write" },
  method: "post",
  path: "/clones/{cloneId}/backtests",
  tags: ["backtests"],
  summary: "Queues a backtest of the clone's stored pipeline over recorded history (engine hold | rules-v1 | model)",
  request: { params: CloneParamsSchema, body: { content: { "application/json": { schema: BacktestRequestSchema } }, required: true } },
  responses: {
    202: jsonResponse(BacktestViewSchema, "The queued backtest"),
    ...errorResponses("bad_request", "validation_failed", "unauthorized", "forbidden", "not_found", "conflict", "unprocessable"),
  },
});

const listRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "get",
  path: "/clones/{cloneId}/backtests",
  tags: ["backtests"],
  summary: "A clone's backtests, newest first (at most 50)",
  request: { params: CloneParamsSchema },
  responses: { 200: jsonResponse(BacktestListSchema, "The backtests"), ...errorResponses("unauthorized", "not_found") },
});

const getRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "get",
  path: "/backtests/{backtestId}",
  tags: ["backtests"],
  summary: "A backtest's status, progress (percent, slots done, ETA) and, once succeeded, its reportHash",
  request: { params: BacktestParamsSchema },
  responses: { 200: jsonResponse(BacktestViewSchema, "The backtest"), ...errorResponses("unauthorized", "not_found") },
});

const cancelRoute = declareRoute({
  access: { role: "user", owner: true, rateLimit: "write" },
  method: "post",
  path: "/backtests/{backtestId}/cancel",
  tags: ["backtests"],
  summary: "Cancels a queued or running backtest (a finished one is returned unchanged)",
  request: { params: BacktestParamsSchema },
  responses: { 200: jsonResponse(BacktestViewSchema, "The backtest after the cancel"), ...errorResponses("unauthorized", "not_found") },
});

const reportRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "get",
  path: "/backtests/{backtestId}/report",
  tags: ["backtests"],
  summary: "The report of a succeeded backtest (equity curve, fills, metrics, benchmark, reportHash)",
  request: { params: BacktestParamsSchema },
  responses: { 200: jsonResponse(BacktestReportSchema, "The report"), ...errorResponses("unauthorized", "not_found", "conflict") },
});

/** The backtest when the caller owns it (or is admin); otherwise 404. */
async function ownedBacktest(c: Context<AppEnv>, backtestId: string) {
  const row = await getBacktest(openDb(c.env.DB), backtestId);
  if (!row) throw notFound("backtest");
  assertOwner(c.get("auth"), row.ownerId, "backtest");
  return row;
}

export const backtestRoutes = createRouter()
  .openapi(createRoute, async (c) => {
    const clone = await ownedClone(c, c.req.valid("param").cloneId);
    const result = await createBacktest(backtestDeps(c.env, c.get("deps")), clone, c.req.valid("json"));
    if (!result.ok) {
      const { status, code, message, details } = result.error;
      throw new ApiError(status, message, { reason: code, ...(details === undefined ? {} : { ...(details as object) }) });
    }
    return c.json(backtestView(result.value), 202);
  })
  .openapi(listRoute, async (c) => {
    const clone = await ownedClone(c, c.req.valid("param").cloneId);
    const rows = await listCloneBacktests(openDb(c.env.DB), clone.id);
    return c.json({ backtests: rows.map(backtestView) }, 200);
  })
  .openapi(getRoute, async (c) => c.json(backtestView(await ownedBacktest(c, c.req.valid("param").backtestId)), 200))
  .openapi(cancelRoute, async (c) => {
    const row = await ownedBacktest(c, c.req.valid("param").backtestId);
    const after = await cancelBacktest(openDb(c.env.DB), row.id, c.get("deps").clock.nowMs());
    if (!after) throw notFound("backtest");
    return c.json(backtestView(after), 200);
  })
  .openapi(reportRoute, async (c) => {
    const row = await ownedBacktest(c, c.req.valid("param").backtestId);
    if (row.status !== "succeeded" || !row.reportKey)
      throw new ApiError("conflict", `the backtest is ${row.status}; the report exists once it succeeded`);
    const found = await backtestDeps(c.env, c.get("deps")).artifacts.get(row.reportKey);
    if (!found) throw notFound("report");
    return c.json(BacktestReportSchema.parse(JSON.parse(new TextDecoder().decode(found.content))), 200);
  });
