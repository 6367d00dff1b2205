/**
 * `GET /clones/{cloneId}/pipeline/preview` (owner or admin; anyone else 404): per node of the stored
 * pipeline, what it resolves to now. The strategy domain computes the preview; this domain mounts the
 * route because the prompt-token estimate needs its tokenizer, and context sits above strategy in the
 * import graph (strategy never imports context).
 */
import { openDb } from "../../db/client";
import { declareRoute } from "../../http/access";
import { errorResponses, notFound } from "../../http/errors";
import { createRouter, jsonResponse } from "../../http/router";
import { CloneParamsSchema, loadRegistry, ownedClone, PipelinePreviewSchema, previewStored } from "../strategy";
import { PROMPT_FIXED_ALLOWANCE_TOKENS } from "./context.service";
import { tokenCount } from "./prompt.model";
import { loadTokenizer } from "./tokenizer";

const previewRoute = declareRoute({
  access: { role: "user", owner: true, rateLimit: "read" },
  method: "get",
  path: "/clones/{cloneId}/pipeline/preview",
  tags: ["pipeline"],
  summary:
    "Per node of the stored pipeline, what it resolves to now: a stream's subjects, a selection's assets, a prompt's candidate cap and estimated prompt tokens",
  request: { params: CloneParamsSchema },
  responses: { 200: jsonResponse(PipelinePreviewSchema, "The preview, nodes in id order"), ...errorResponses("unauthorized", "not_found") },
});

export const pipelinePreviewRoutes = createRouter().openapi(previewRoute, async (c) => {
  const clone = await ownedClone(c, c.req.valid("param").cloneId);
  const db = openDb(c.env.DB);
  await loadTokenizer();
  const tokens = { countTokens: tokenCount, fixedAllowanceTokens: PROMPT_FIXED_ALLOWANCE_TOKENS };
  const preview = await previewStored(db, clone, await loadRegistry(db), tokens);
  if (!preview) throw notFound("clone");
  return c.json(preview, 200);
});
