/**
 * Graph-builder routes: the node catalog (JSON Schemas, defaults, edges, the caller's limits), the
 * asset search over the registry with taxonomy
 * facets. Thin: parse, call the model or service, map. Validation of a draft without saving is
 * `POST /clones/{cloneId}/pipeline/validate` (pipeline.routes.ts).
 */
import { z } from "@hono/zod-openapi";
import { openDb } from "../../../db/client";
import { declareRoute } from "../../../http/access";
import { errorResponses } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { ASSET_TAXONOMY, CATEGORIES, searchAssets } from "../../market-data";
import { entitlementOf } from "../clones/clones.service";
import { buildCatalog, CatalogSchema } from "./catalog.model";
import { MAX_DOCUMENT_BYTES } from "./pipeline.service";

const catalogRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/pipeline/catalog",
  tags: ["pipeline"],
  summary:
    "Every node type with its config JSON Schema (generated from the save path's zod schemas), defaults, labels, allowed edges and the caller's entitlement limits",
  responses: { 200: jsonResponse(CatalogSchema, "The catalog"), ...errorResponses("unauthorized") },
});

const SECTORS = new Set(Object.values(ASSET_TAXONOMY).flatMap((e) => e.subcategories));
const encoder = new TextEncoder();

/** Opaque keyset cursor: base64url of the last symbol of the previous page. */
export const encodeCursor = (symbol: string) =>
  btoa(String.fromCharCode(...encoder.encode(symbol)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

function decodeCursor(cursor: string): string | undefined {
  try {
    const bytes = Uint8Array.from(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
    const symbol = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    return symbol.length > 0 && symbol.length <= 80 && encodeCursor(symbol) === cursor ? symbol : undefined;
  } catch {
    return undefined;
  }
}

const AssetSearchQuerySchema = z.object({
  query: z.string().max(80).optional().openapi({ description: "Case-insensitive substring of symbol, display name or base token" }),
  category: z.enum(Object.keys(CATEGORIES) as [string, ...string[]]).optional(),
  sector: z
    .string()
    .min(1)
    .max(80)
    .refine((s) => SECTORS.has(s), "unknown sector (a taxonomy subcategory, see GET /api/v1/market/categories)")
    .optional()
    .openapi({ description: "A taxonomy subcategory, e.g. `Dog`" }),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z
    .string()
    .min(1)
    .max(120)
    .transform((c, ctx) => {
      const symbol = decodeCursor(c);
      if (symbol === undefined) ctx.addIssue({ code: "custom", message: "malformed cursor (use nextCursor of the previous page)" });
      return symbol ?? "";
    })
    .optional()
    .openapi({ description: "`nextCursor` of the previous page" }),
});

const AssetHitSchema = z
  .object({
    symbol: z.string(),
    displayName: z.string(),
    kind: z.enum(["perp", "spot"]),
    baseToken: z.string(),
    quoteToken: z.string(),
    maxLeverage: z.number().int().nullable(),
    category: z.string(),
    subcategories: z.array(z.string()),
    channels: z.record(z.string(), z.boolean()),
  })
  .openapi("AssetSearchHit");

const assetsRoute = declareRoute({
  access: { role: "user" },
  method: "get",
  path: "/assets",
  tags: ["pipeline"],
  summary:
    "Search listed registry assets (for the asset-selection node): text query, category and sector filters, facet counts, keyset paging",
  request: { query: AssetSearchQuerySchema },
  responses: {
    200: jsonResponse(
      z
        .object({
          assets: z.array(AssetHitSchema),
          total: z.number().int().openapi({ description: "Matches of every filter, all pages" }),
          nextCursor: z.string().nullable(),
          facets: z.object({
            categories: z.array(z.object({ id: z.string(), count: z.number().int() })),
            sectors: z.array(z.object({ name: z.string(), count: z.number().int() })),
          }),
        })
        .openapi("AssetSearchPage"),
      "One page in symbol order",
    ),
    ...errorResponses("validation_failed", "unauthorized"),
  },
});

export const builderRoutes = createRouter()
  .openapi(catalogRoute, async (c) => {
    const entitlement = await entitlementOf(openDb(c.env.DB), c.get("auth").sub);
    return c.json(buildCatalog(entitlement, MAX_DOCUMENT_BYTES), 200);
  })
  .openapi(assetsRoute, async (c) => {
    const q = c.req.valid("query");
    const page = await searchAssets(openDb(c.env.DB), {
      query: q.query,
      category: q.category,
      sector: q.sector,
      limit: q.limit,
      afterSymbol: q.cursor,
    });
    return c.json(
      {
        assets: page.assets.map(({ symbol, displayName, kind, baseToken, quoteToken, maxLeverage, category, subcategories, channels }) => ({
          symbol,
          displayName,
          kind,
          baseToken,
          quoteToken,
          maxLeverage,
          category,
          subcategories,
          channels,
        })),
        total: page.total,
        nextCursor: page.nextAfterSymbol === null ? null : encodeCursor(page.nextAfterSymbol),
        facets: page.facets,
      },
      200,
    );
  });
