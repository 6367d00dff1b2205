/**
 * Pipeline routes of a clone (owner or admin): read and save the document (409 on a stale version,
 * 422 with every problem on an invalid graph), validate without storing, the compiled plan, and the
 * owner's entitlement with this clone's usage. Thin: parse, call the service, map.
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { openDb } from "../../../db/client";
import { declareRoute } from "../../../http/access";
import type { AppEnv } from "../../../http/app-env";
import { ApiError, errorResponses, notFound } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { CloneParamsSchema, ownedClone } from "../clones/clone-access.http";
import { EntitlementSchema } from "../clones/clones.model";
import { entitlementOf } from "../clones/clones.service";
import { PipelineBodySchema, ProblemSchema } from "./graph.model";
import {
  type CheckContext,
  checkPipeline,
  compileStored,
  getPipeline,
  loadRegistry,
  MAX_DOCUMENT_BYTES,
  savePipeline,
} from "./pipeline.service";
import { CompiledPlanSchema } from "./plan.model";

/**
 * Body cap of save and validate: the stored document may reach MAX_DOCUMENT_BYTES (graph + layout); the
 * request adds the version and formatting, so twice that leaves room while refusing 50 MB before parsing.
 */
const PIPELINE_BODY_BYTES = 2 * MAX_DOCUMENT_BYTES;

const body = { content: { "application/json": { schema: PipelineBodySchema } }, required: true };
const request = { params: CloneParamsSchema };

const getRoute = declareRoute({
  access: { role: "user", owner: true },
  method: "get",
  path: "/clones/{cloneId}/pipeline",
  tags: ["pipeline"],
  summary: "The pipeline document: version, graph and layout (a new clone has an empty graph at version 0)",
  request,
  responses: { 200: jsonResponse(PipelineBodySchema, "The stored document"), ...errorResponses("unauthorized", "not_found") },
});

const putRoute = declareRoute({
  access: { role: "user", owner: true, maxBodyBytes: PIPELINE_BODY_BYTES },
  method: "put",
  path: "/clones/{cloneId}/pipeline",
  tags: ["pipeline"],
  summary:
    "Save graph and layout; `version` must be the stored one. 422 lists every problem (error.details.problems); 409 on a stale version, or when two enabled trading prompts decide one symbol (details.reason `universe_overlap`)",
  request: { ...request, body },
  responses: {
    200: jsonResponse(PipelineBodySchema, "The saved document with its new version"),
    ...errorResponses("validation_failed", "unauthorized", "not_found", "conflict", "unprocessable"),
  },
});

const validateRoute = declareRoute({
  access: { role: "user", owner: true, maxBodyBytes: PIPELINE_BODY_BYTES, rateLimit: "read" },
  method: "post",
  path: "/clones/{cloneId}/pipeline/validate",
  tags: ["pipeline"],
  summary: "Check a document like a save would (entitlements included), storing nothing",
  request: { ...request, body },
  responses: {
    200: jsonResponse(z.object({ valid: z.boolean(), problems: z.array(ProblemSchema) }).openapi("PipelineValidation"), "Every problem"),
    ...errorResponses("validation_failed", "unauthorized", "not_found"),
  },
});

const compiledRoute = declareRoute({
  access: { role: "user", owner: true, rateLimit: "read" },
  method: "get",
  path: "/clones/{cloneId}/pipeline/compiled",
  tags: ["pipeline"],
  summary: "The stored graph compiled against the current asset registry: strategies, per-asset executions and read plans",
  request,
  responses: { 200: jsonResponse(CompiledPlanSchema, "The plan"), ...errorResponses("unauthorized", "not_found") },
});

const entitlementsRoute = declareRoute({
  access: { role: "user", owner: true, rateLimit: "read" },
  method: "get",
  path: "/clones/{cloneId}/entitlements",
  tags: ["pipeline"],
  summary: "The owner's clone capacity entitlement and this clone's usage",
  request,
  responses: {
    200: jsonResponse(
      EntitlementSchema.extend({ usage: z.object({ activeAssets: z.number().int() }) }).openapi("CloneEntitlement"),
      "Entitlement",
    ),
    ...errorResponses("unauthorized", "not_found"),
  },
});

/** A clone deleted by a concurrent request after the ownership check is a 404, like one never there. */
function found<T>(value: T | undefined): T {
  if (value === undefined) throw notFound("clone");
  return value;
}

async function context(c: Context<AppEnv>, cloneId: string): Promise<CheckContext> {
  const clone = await ownedClone(c, cloneId);
  const db = openDb(c.env.DB);
  return { clone, entitlement: await entitlementOf(db, clone.ownerId), registry: await loadRegistry(db) };
}

export const pipelineRoutes = createRouter()
  .openapi(getRoute, async (c) => {
    const clone = await ownedClone(c, c.req.valid("param").cloneId);
    return c.json(found(await getPipeline(openDb(c.env.DB), clone.id)), 200);
  })
  .openapi(putRoute, async (c) => {
    const ctx = await context(c, c.req.valid("param").cloneId);
    const saved = await savePipeline(openDb(c.env.DB), c.get("deps"), c.req.valid("json"), ctx);
    if (saved.ok) return c.json(saved.value, 200);
    const failure = saved.error;
    if (failure.kind === "not_found") throw notFound("clone");
    if (failure.kind === "too_large") {
      throw new ApiError("validation_failed", `pipeline document is ${failure.bytes} bytes; at most ${failure.maxBytes}`, failure);
    }
    if (failure.kind === "version_conflict") {
      throw new ApiError("conflict", `pipeline version is ${failure.currentVersion}`, { currentVersion: failure.currentVersion });
    }
    const codes = [...new Set(failure.problems.map((p) => p.code))].join(", ");
    const first = failure.problems[0]?.message ?? "invalid pipeline";
    // A valid graph whose only fault is two prompts owning a symbol conflicts with itself: 409, reason universe_overlap.
    if (failure.problems.every((p) => p.code === "universe_overlap")) {
      throw new ApiError("conflict", `pipeline refused (universe_overlap): ${first}`, {
        reason: "universe_overlap",
        problems: failure.problems,
      });
    }
    throw new ApiError("unprocessable", `pipeline refused (${codes}): ${first}`, { problems: failure.problems, ...failure.capacity });
  })
  .openapi(validateRoute, async (c) => {
    const ctx = await context(c, c.req.valid("param").cloneId);
    const { problems } = checkPipeline(c.req.valid("json"), ctx);
    return c.json({ valid: problems.length === 0, problems }, 200);
  })
  .openapi(compiledRoute, async (c) => {
    const ctx = await context(c, c.req.valid("param").cloneId);
    return c.json(found(await compileStored(openDb(c.env.DB), ctx.clone, ctx.registry)), 200);
  })
  .openapi(entitlementsRoute, async (c) => {
    const ctx = await context(c, c.req.valid("param").cloneId);
    const plan = found(await compileStored(openDb(c.env.DB), ctx.clone, ctx.registry));
    return c.json({ ...ctx.entitlement, usage: { activeAssets: plan.activeSymbols.length } }, 200);
  });
