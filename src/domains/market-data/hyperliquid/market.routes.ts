/**
 * Market routes of the Hyperliquid connection. Client API (any authenticated user): the taxonomy's
 * categories with counts, and assets with capability flags. Internal (service/admin): the status of
 * every feed shard. Thin: parse, call the service, map.
 */
import { z } from "@hono/zod-openapi";
import { openDb } from "../../../db/client";
import { declareRoute } from "../../../http/access";
import { errorResponses } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { HYPERLIQUID_CHANNELS } from "../channels.model";
import { listCategories, queryAssets } from "./catalog.service";
import { FeedStatusSchema } from "./feed.model";
import { feedsStatus } from "./feeds.service";
import { CATEGORIES } from "./taxonomy.data";

const CategorySchema = z
  .object({
    id: z.string(),
    label: z.string(),
    assetCount: z.number().int(),
    subcategories: z.array(z.object({ name: z.string(), assetCount: z.number().int() })),
  })
  .openapi("MarketCategory");

const AssetSchema = z
  .object({
    symbol: z.string().openapi({ example: "@107" }),
    assetId: z.number().int(),
    kind: z.enum(["perp", "spot"]),
    displayName: z.string().openapi({ example: "HYPE/USDC" }),
    baseToken: z.string(),
    quoteToken: z.string(),
    szDecimals: z.number().int(),
    maxLeverage: z.number().int().nullable(),
    onlyIsolated: z.boolean(),
    isDelisted: z.boolean(),
    category: z.string(),
    subcategories: z.array(z.string()),
    channels: z.object(
      Object.fromEntries(HYPERLIQUID_CHANNELS.map((c) => [c, z.boolean()])) as Record<(typeof HYPERLIQUID_CHANNELS)[number], z.ZodBoolean>,
    ),
  })
  .openapi("MarketAsset");

const booleanQuery = z
  .enum(["true", "false"])
  .optional()
  .transform((v) => v === "true");

const categoriesRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/market/categories",
  tags: ["market"],
  summary: "Asset categories of the taxonomy, with subcategories and counts of listed assets",
  responses: {
    200: jsonResponse(
      z.object({ taxonomyVersion: z.string(), categories: z.array(CategorySchema) }),
      "Every category (including `uncategorized`)",
    ),
    ...errorResponses("unauthorized"),
  },
});

const assetsRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/market/assets",
  tags: ["market"],
  summary: "Hyperliquid assets with taxonomy and per-channel capability flags",
  request: {
    query: z.object({
      category: z.enum(Object.keys(CATEGORIES) as [string, ...string[]]).optional(),
      subcategory: z.string().min(1).max(80).optional(),
      kind: z.enum(["perp", "spot"]).optional(),
      includeDelisted: booleanQuery,
    }),
  },
  responses: {
    200: jsonResponse(z.object({ assets: z.array(AssetSchema) }), "Matching assets, by symbol"),
    ...errorResponses("validation_failed", "unauthorized"),
  },
});

const feedsRoute = declareRoute({
  access: { role: "service" },
  method: "get",
  path: "/internal/market/feeds",
  tags: ["internal"],
  summary: "Status of every Hyperliquid feed shard (connection, subscriptions, message rates, reconnects, backfills)",
  responses: {
    200: jsonResponse(z.object({ shards: z.array(FeedStatusSchema) }), "One entry per configured shard"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

export const marketRoutes = createRouter()
  .openapi(categoriesRoute, async (c) => c.json(await listCategories(openDb(c.env.DB)), 200))
  .openapi(assetsRoute, async (c) => c.json({ assets: await queryAssets(openDb(c.env.DB), c.req.valid("query")) }, 200))
  .openapi(feedsRoute, async (c) => c.json({ shards: await feedsStatus(openDb(c.env.DB), c.env.HYPERLIQUID_FEED) }, 200));
