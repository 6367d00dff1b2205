/**
 * Admin ingestion health API (role admin; app.ts guards /api/v1/admin/*):
 *   GET /admin/ingestion           every source and channel
 *   GET /admin/ingestion/{source}  one source, with its recent poll runs (Hyperliquid: job heartbeats
 *                                  of its ingestion jobs, and the feed shards' live status)
 */
import { z } from "@hono/zod-openapi";
import { openDb } from "../../../db/client";
import { declareRoute } from "../../../http/access";
import { errorResponses } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { SourceSchema } from "../channels.model";
import { FeedStatusSchema } from "../hyperliquid/feed.model";
import { feedsStatus } from "../hyperliquid/feeds.service";
import { readMarketDataConfig } from "../market-data.config";
import { ChannelHealthSchema } from "./health.model";
import { ingestionHealth, recentRuns } from "./health.service";

const RunSchema = z
  .object({
    channel: z.string().openapi({ description: "channel, or the job name for Hyperliquid heartbeats" }),
    status: z.string(),
    startedAtMs: z.number().int(),
    finishedAtMs: z.number().int().nullable(),
    rowsWritten: z.number().int().nullable(),
    error: z.string().nullable(),
  })
  .openapi("IngestionRun");

const overviewRoute = declareRoute({
  access: { role: "admin", rateLimit: "read" },
  method: "get",
  path: "/admin/ingestion",
  tags: ["admin"],
  summary: "Ingestion health of every source and channel: status, last success/error, lag, volume, coverage, 24h history",
  responses: {
    200: jsonResponse(
      z.object({ generatedAtMs: z.number().int(), channels: z.array(ChannelHealthSchema) }),
      "One row per (source, channel), in vocabulary order",
    ),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const sourceRoute = declareRoute({
  access: { role: "admin", rateLimit: "read" },
  method: "get",
  path: "/admin/ingestion/{source}",
  tags: ["admin"],
  summary: "Ingestion health of one source, with its most recent runs (and Hyperliquid feed shards)",
  request: { params: z.object({ source: SourceSchema }) },
  responses: {
    200: {
      description: "The source's channels and recent runs",
      content: {
        "application/json": {
          schema: z.object({
            source: SourceSchema,
            generatedAtMs: z.number().int(),
            channels: z.array(ChannelHealthSchema),
            recentRuns: z.array(RunSchema),
            feeds: z.array(FeedStatusSchema).optional(),
          }),
        },
      },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden"),
  },
});

export const ingestionHealthRoutes = createRouter()
  .openapi(overviewRoute, async (c) => {
    const nowMs = c.get("deps").clock.nowMs();
    return c.json({ generatedAtMs: nowMs, channels: await ingestionHealth(c.env.DB, readMarketDataConfig(c.env), nowMs) }, 200);
  })
  .openapi(sourceRoute, async (c) => {
    const { source } = c.req.valid("param");
    const nowMs = c.get("deps").clock.nowMs();
    const channels = await ingestionHealth(c.env.DB, readMarketDataConfig(c.env), nowMs, [source]);
    const runs = await recentRuns(c.env.DB, source, 50);
    const feeds = source === "hyperliquid" ? await feedsStatus(openDb(c.env.DB), c.env.HYPERLIQUID_FEED) : undefined;
    return c.json({ source, generatedAtMs: nowMs, channels, recentRuns: runs, ...(feeds ? { feeds } : {}) }, 200);
  });
