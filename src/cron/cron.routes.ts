/**
 * Job routes: worker health (internal) and on-demand job runs (admin), over the catalog they are
 * handed (src/app.ts passes the Worker's). Thin: parse, call the scheduler/health functions, map the result.
 */
import { z } from "@hono/zod-openapi";
import { openDb } from "../db/client";
import { declareRoute } from "../http/access";
import { ApiError, errorResponses } from "../http/errors";
import { createRouter, jsonResponse } from "../http/router";
import { WorkerHealthSchema, workersHealth } from "./health";
import type { JobCatalog } from "./job";
import { runJobNow } from "./scheduler";

const JobRunSchema = z
  .object({
    id: z.string(),
    jobName: z.string(),
    trigger: z.enum(["cron", "manual"]),
    scheduledAtMs: z.number().int(),
    startedAtMs: z.number().int(),
    finishedAtMs: z.number().int().nullable(),
    status: z.enum(["running", "ok", "error"]),
    error: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    itemsProcessed: z.number().int().nullable(),
    summary: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("JobRun");

const workersHealthRoute = declareRoute({
  access: { role: "service" },
  method: "get",
  path: "/internal/health/workers",
  tags: ["internal"],
  summary: "Last run, age and staleness of every cron job",
  responses: {
    200: jsonResponse(z.object({ nowMs: z.number().int(), jobs: z.array(WorkerHealthSchema) }), "Health of every known job"),
    ...errorResponses("unauthorized", "forbidden"),
  },
});

const runJobRoute = declareRoute({
  access: { role: "admin" },
  method: "post",
  path: "/admin/jobs/{name}/run",
  tags: ["admin"],
  summary: "Run one job now (manual trigger), with optional parameters",
  request: {
    params: z.object({ name: z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/) }),
    body: {
      required: false,
      content: { "application/json": { schema: z.object({ params: z.record(z.string(), z.unknown()).default({}) }) } },
    },
  },
  responses: {
    200: jsonResponse(z.object({ status: z.enum(["ran", "skipped"]), run: JobRunSchema.nullable() }), "The run's heartbeat"),
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found"),
  },
});

export const createCronRoutes = (catalog: JobCatalog) =>
  createRouter()
    .openapi(workersHealthRoute, async (c) => {
      const nowMs = c.get("deps").clock.nowMs();
      return c.json({ nowMs, jobs: await workersHealth(catalog, openDb(c.env.DB), nowMs) }, 200);
    })
    .openapi(runJobRoute, async (c) => {
      const { name } = c.req.valid("param");
      // The body is optional: without a JSON content type the validator is skipped and params default to {}.
      const body = c.req.valid("json") as { params: Record<string, unknown> } | undefined;
      const result = await runJobNow(catalog, c.env, c.get("deps"), name, body?.params ?? {});
      if (!result.ok) {
        if (result.error.kind === "unknown-job") throw new ApiError("not_found", `job ${name} not found`);
        throw new ApiError("validation_failed", `invalid parameters for job ${name}`, { issues: result.error.issues });
      }
      const outcome = result.value;
      if (outcome.status === "skipped") return c.json({ status: "skipped" as const, run: null }, 200);
      const { summaryJson, ...run } = outcome.run;
      return c.json({ status: "ran" as const, run: { ...run, summary: summaryJson ? JSON.parse(summaryJson) : null } }, 200);
    });
