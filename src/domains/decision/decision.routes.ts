/**
 * Decision routes (owner or admin; anyone else gets 404): cursor-paginated run listings of a clone and
 * of a prop account, one run with its action, outcome, usage and artifact links, the run's stored
 * prompt/packet/response, and the workflow dry-run. Thin: parse, authorize, call, map.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { openDb } from "../../db/client";
import { declareRoute } from "../../http/access";
import type { AppEnv } from "../../http/app-env";
import { assertOwner } from "../../http/auth";
import { ApiError, errorResponses, notFound } from "../../http/errors";
import { createRouter, jsonResponse } from "../../http/router";
import { CloneParamsSchema, findClone, ownedClone } from "../strategy";
import { findAccount } from "../trading";
import { DryRunRequestSchema, DryRunResultSchema, runDryRun } from "./decision.dry-run";
import { DecisionRunSchema, getRun, listRuns, RunListQuerySchema, RunPageSchema, toRunView } from "./decision.views";
import { decisionRuntime } from "./decision.wiring";

const AccountParamsSchema = z.object({ accountId: z.string().min(1).max(128) });
const RunParamsSchema = z.object({ runId: z.string().min(1).max(128) });
const ArtifactParamsSchema = RunParamsSchema.extend({ name: z.enum(["prompt", "packet", "response"]) });

const cloneRunsRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "get",
  path: "/clones/{cloneId}/decision-runs",
  tags: ["decisions"],
  summary: "A clone's decision runs (prop accounts and dry-runs), newest first",
  request: { params: CloneParamsSchema, query: RunListQuerySchema },
  responses: { 200: jsonResponse(RunPageSchema, "One page of runs"), ...errorResponses("validation_failed", "unauthorized", "not_found") },
});

const accountRunsRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "get",
  path: "/prop-accounts/{accountId}/decision-runs",
  tags: ["decisions"],
  summary: "A prop account's decision runs, newest first",
  request: { params: AccountParamsSchema, query: RunListQuerySchema },
  responses: { 200: jsonResponse(RunPageSchema, "One page of runs"), ...errorResponses("validation_failed", "unauthorized", "not_found") },
});

const runRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "get",
  path: "/decision-runs/{runId}",
  tags: ["decisions"],
  summary: "One decision run with its action, intake outcome, usage, cost and artifact links",
  request: { params: RunParamsSchema },
  responses: { 200: jsonResponse(DecisionRunSchema, "The run"), ...errorResponses("unauthorized", "not_found") },
});

const artifactRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "get",
  path: "/decision-runs/{runId}/artifacts/{name}",
  tags: ["decisions"],
  summary: "The run's stored prompt (JSON {system,user}), packet (canonical JSON) or model response (text)",
  request: { params: ArtifactParamsSchema },
  responses: {
    200: { description: "The stored body", content: { "text/plain": { schema: z.string() } } },
    ...errorResponses("unauthorized", "not_found"),
  },
});

const dryRunRoute = declareRoute({
  // Runs the clone's engine (model calls cost money): the write rate limit applies.
  access: { role: "user", owner: true, rateLimit: "write" },
  method: "post",
  path: "/clones/{cloneId}/dry-run",
  tags: ["decisions"],
  summary: "Runs the pipeline once now for the candidates with the clone's engine, against a clone-scoped dry-run ledger",
  request: { params: CloneParamsSchema, body: { content: { "application/json": { schema: DryRunRequestSchema } }, required: false } },
  responses: {
    200: jsonResponse(DryRunResultSchema, "Runs, actions, gate outcomes, packet hashes and artifact links"),
    // 429 also when the clone's daily model spend cap is reached (details.code spend_cap_reached).
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "unprocessable", "rate_limited"),
  },
});

const badCursor = () => new ApiError("validation_failed", "cursor is not one this API issued", { target: "query", issues: [] });

/** The run when the caller owns its clone (or is admin); otherwise 404. */
async function ownedRun(c: Context<AppEnv>, runId: string) {
  const db = openDb(c.env.DB);
  const found = await getRun(db, runId);
  if (!found) throw notFound("decision run");
  const clone = await findClone(db, found.run.cloneId);
  if (!clone) throw notFound("decision run");
  assertOwner(c.get("auth"), clone.ownerId, "decision run");
  return found;
}

export const decisionRoutes = createRouter()
  .openapi(cloneRunsRoute, async (c) => {
    const clone = await ownedClone(c, c.req.valid("param").cloneId);
    const page = await listRuns(openDb(c.env.DB), { cloneId: clone.id }, c.req.valid("query"));
    if (!page.ok) throw badCursor();
    return c.json({ runs: page.runs, nextCursor: page.nextCursor }, 200);
  })
  .openapi(accountRunsRoute, async (c) => {
    const { accountId } = c.req.valid("param");
    const account = await findAccount(c.env.DB, accountId);
    if (!account) throw notFound("prop account");
    assertOwner(c.get("auth"), account.ownerId, "prop account");
    const page = await listRuns(openDb(c.env.DB), { accountId }, c.req.valid("query"));
    if (!page.ok) throw badCursor();
    return c.json({ runs: page.runs, nextCursor: page.nextCursor }, 200);
  })
  .openapi(runRoute, async (c) => {
    const found = await ownedRun(c, c.req.valid("param").runId);
    return c.json(toRunView(found.run, found.action), 200);
  })
  .openapi(artifactRoute, async (c) => {
    const { runId, name } = c.req.valid("param");
    const { run } = await ownedRun(c, runId);
    const key = { prompt: run.promptKey, packet: run.packetKey, response: run.responseKey }[name];
    const body = key ? await decisionRuntime(c.env, c.get("deps")).artifacts.get(key) : undefined;
    if (body === undefined) throw notFound("artifact");
    return c.text(body, 200);
  })
  .openapi(dryRunRoute, async (c) => {
    const clone = await ownedClone(c, c.req.valid("param").cloneId);
    const body = c.req.valid("json") ?? {};
    const result = await runDryRun(decisionRuntime(c.env, c.get("deps")), clone, body);
    if (!result.ok) throw new ApiError(result.error.status, result.error.message, result.error.details);
    return c.json(result.value, 200);
  });
