/**
 * Context routes of a clone (owner or admin; anyone else 404): the "what does my clone see" preview
 * and the candidate scan. Thin: parse, check the clone, call the service, map failures (unknown
 * strategy or symbol 404, a prop account of another clone 404, asOf in the future 400).
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { openDb } from "../../db/client";
import { declareRoute } from "../../http/access";
import type { AppEnv } from "../../http/app-env";
import { ApiError, errorResponses } from "../../http/errors";
import { createRouter, jsonResponse } from "../../http/router";
import { CloneParamsSchema, ownedClone } from "../strategy";
import { getAccountSummary } from "../trading";
import { scanCandidates } from "./candidates.service";
import { CandidateScanSchema, ContextPreviewSchema } from "./context.model";
import { type ContextDeps, type ContextFailure, resolvePacket } from "./context.service";

const AsOf = z.coerce.number().int().min(0).optional().openapi({ description: "Epoch ms; default now. Later than now is 400." });

const previewRoute = declareRoute({
  access: { role: "user", owner: true, rateLimit: "read" },
  method: "get",
  path: "/clones/{cloneId}/context-preview",
  tags: ["context"],
  summary: "The effective context packet and assembled prompt of one strategy and asset at asOfMs",
  description: "Deterministic: the same stored data and asOfMs give the same packetHash. 404 for an unknown clone, strategy or symbol.",
  request: {
    params: CloneParamsSchema,
    query: z.object({
      strategyId: z.string().min(1).max(64),
      symbol: z.string().min(1).max(60),
      asOfMs: AsOf,
      propAccountId: z.string().min(1).max(80).optional(),
    }),
  },
  responses: {
    200: jsonResponse(ContextPreviewSchema, "Packet, hash, tokens by section, trims and the prompt text"),
    ...errorResponses("validation_failed", "unauthorized", "not_found"),
  },
});

const candidatesRoute = declareRoute({
  access: { role: "user", owner: true, rateLimit: "read" },
  method: "get",
  path: "/clones/{cloneId}/candidates",
  tags: ["context"],
  summary: "The candidate scan of one strategy branch at asOfMs: ranked assets with scores and reasons",
  request: {
    params: CloneParamsSchema,
    query: z.object({
      strategyId: z.string().min(1).max(64),
      asOfMs: AsOf,
      propAccountId: z.string().min(1).max(80).optional(),
    }),
  },
  responses: {
    200: jsonResponse(CandidateScanSchema, "Selected symbols and every universe asset's verdict"),
    ...errorResponses("validation_failed", "unauthorized", "not_found"),
  },
});

/** The resolver's dependencies for a request: D1 and the trading domain's account summary. */
export function contextDepsFor(c: Context<AppEnv>): ContextDeps {
  const trading = { env: c.env, ids: c.get("deps").ids };
  return { db: openDb(c.env.DB), accountSummary: (accountId, asOfMs) => getAccountSummary(trading, accountId, asOfMs) };
}

function asOfOf(c: Context<AppEnv>, asOfMs: number | undefined): number {
  const nowMs = c.get("deps").clock.nowMs();
  if (asOfMs === undefined) return nowMs;
  if (asOfMs > nowMs) throw new ApiError("validation_failed", `asOfMs ${asOfMs} is in the future (now ${nowMs})`, { asOfMs, nowMs });
  return asOfMs;
}

const toApiError = (f: ContextFailure) => new ApiError("not_found", f.message, { reason: f.kind });

export const contextRoutes = createRouter()
  .openapi(previewRoute, async (c) => {
    const clone = await ownedClone(c, c.req.valid("param").cloneId);
    const q = c.req.valid("query");
    const asOfMs = asOfOf(c, q.asOfMs);
    const resolved = await resolvePacket(contextDepsFor(c), {
      cloneId: clone.id,
      strategyId: q.strategyId,
      symbol: q.symbol,
      asOfMs,
      propAccountId: q.propAccountId,
    });
    if (!resolved.ok) throw toApiError(resolved.error);
    const { packet, packetHash, prompt, pipelineVersion } = resolved.value;
    return c.json(
      {
        packetHash,
        pipelineVersion,
        asOfMs,
        tokens: {
          total: prompt.tokens,
          budget: prompt.budgetTokens,
          bySection: Object.fromEntries(prompt.sections.map((s) => [s.id, s.tokens])),
        },
        trimmed: prompt.trimmed,
        packet,
        prompt: prompt.text,
      },
      200,
    );
  })
  .openapi(candidatesRoute, async (c) => {
    const clone = await ownedClone(c, c.req.valid("param").cloneId);
    const q = c.req.valid("query");
    const asOfMs = asOfOf(c, q.asOfMs);
    const scan = await scanCandidates(contextDepsFor(c), {
      cloneId: clone.id,
      strategyId: q.strategyId,
      asOfMs,
      slotMs: asOfMs,
      propAccountId: q.propAccountId,
    });
    if (!scan.ok) throw toApiError(scan.error);
    return c.json(scan.value, 200);
  });
