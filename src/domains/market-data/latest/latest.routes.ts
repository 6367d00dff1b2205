/**
 * `GET /api/v1/market/latest`: the newest rows of one source/channel for a symbol or target (any
 * authenticated caller). Thin: parse, call the reader registry, map failures to the envelope.
 */
import { openDb } from "../../../db/client";
import { declareRoute } from "../../../http/access";
import { ApiError, errorResponses } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { LatestQuerySchema, LatestResponseSchema } from "./latest.model";
import { type LatestFailure, readLatest } from "./latest.readers";

const latestRoute = declareRoute({
  access: { role: "user", rateLimit: "read" },
  method: "get",
  path: "/market/latest",
  tags: ["market"],
  summary: "Latest rows of one source/channel for a symbol (Hyperliquid) or target (Polymarket, DefiLlama), newest first",
  description:
    "400 for an unknown channel or a missing/ill-formed symbol or target; 404 for an unknown symbol or target; 422 for a pair the " +
    "asset registry does not support (spot funding, `details.reason = unsupported_channel`).",
  request: { query: LatestQuerySchema },
  responses: {
    200: jsonResponse(LatestResponseSchema, "Rows in the channel's normalized shape"),
    ...errorResponses("validation_failed", "bad_request", "unauthorized", "not_found", "unprocessable"),
  },
});

function toApiError(failure: LatestFailure): ApiError {
  switch (failure.kind) {
    case "not_found":
      return new ApiError("not_found", failure.message);
    case "bad_request":
      return new ApiError("bad_request", failure.message);
    case "unsupported":
      return new ApiError("unprocessable", failure.message, { reason: "unsupported_channel" });
  }
}

export const latestRoutes = createRouter().openapi(latestRoute, async (c) => {
  const query = c.req.valid("query");
  const answer = await readLatest(openDb(c.env.DB), query, c.get("deps").clock.nowMs());
  if (!answer.ok) throw toApiError(answer.error);
  return c.json({ source: query.source, channel: query.channel, ...answer.value }, 200);
});
