/** Admin: the latest Arena reconciliation report and recent ones (a mismatch shows `ok: false` with its list). */
import { z } from "@hono/zod-openapi";
import { declareRoute } from "../../../http/access";
import { errorResponses } from "../../../http/errors";
import { createRouter, jsonResponse } from "../../../http/router";
import { dbOf } from "../arena.http";
import { recentReports } from "./reconciliation.service";

const ReportSchema = z
  .object({
    id: z.string(),
    runAtMs: z.number().int(),
    ok: z.boolean(),
    checks: z.unknown(),
    mismatches: z.array(z.object({ check: z.string(), subject: z.string(), expected: z.string(), actual: z.string() })),
  })
  .openapi("ArenaReconciliationReport");

const route = declareRoute({
  access: { role: "admin" },
  method: "get",
  path: "/admin/arena/reconciliation",
  tags: ["arena-admin"],
  summary: "Arena reconciliation: the latest report (ok or its mismatches) and recent runs",
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: {
    200: jsonResponse(z.object({ latest: ReportSchema.nullable(), recent: z.array(ReportSchema) }), "Reports"),
    ...errorResponses("validation_failed", "unauthorized", "forbidden"),
  },
});

export const reconciliationRoutes = createRouter().openapi(route, async (c) =>
  c.json(await recentReports(dbOf(c), c.req.valid("query").limit), 200),
);
