/**
 * Composes the HTTP surface: request id, auth by path, the domain routers under /api/v1, the API
 * reference at /docs, and the one error envelope for every failure (including unknown routes).
 *
 * Auth by path: /api/v1/admin/* needs role admin; /api/v1/internal/* needs service or admin;
 * everything else under /api/v1 needs a valid token, except the PUBLIC_PATHS.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { systemClock } from "./core/clock";
import type { AppDeps } from "./core/deps";
import { randomIds } from "./core/ids";
import { createCronRoutes } from "./cron/cron.routes";
import { contextRoutes } from "./domains/context";
import { decisionRoutes } from "./domains/decision";
import { ingestionDashboard, ingestionHealthRoutes, latestRoutes, marketRoutes } from "./domains/market-data";
import { opsRoutes } from "./domains/ops";
import { strategyRoutes } from "./domains/strategy";
import type { AppEnv } from "./http/app-env";
import { requireAuth, requireRole } from "./http/auth";
import { renderDocsPage } from "./http/docs-page";
import { errorResponse, handleError } from "./http/errors";
import { openApiDocuments } from "./http/openapi";
import { requestId } from "./http/request-id";
import { createRouter } from "./http/router";
import { JOB_CATALOG } from "./jobs";

const PUBLIC_PATHS = new Set(["/api/v1/health"]);

export const defaultDeps: AppDeps = { clock: systemClock, ids: randomIds };

/** The API under /api/v1 (also what the OpenAPI documents are generated from). */
export function createApi(): OpenAPIHono<AppEnv> {
  const api = createRouter();
  api.route("/", opsRoutes);
  api.route("/", createCronRoutes(JOB_CATALOG));
  api.route("/", marketRoutes);
  api.route("/", latestRoutes);
  api.route("/", ingestionHealthRoutes);
  api.route("/", strategyRoutes);
  api.route("/", contextRoutes);
  api.route("/", decisionRoutes);
  return api;
}

/** The whole Worker HTTP app. `deps` are injected so tests control clock and ids. */
export function createApp(deps: AppDeps = defaultDeps): OpenAPIHono<AppEnv> {
  const app = createRouter();
  app.use("*", async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  app.use("*", requestId);
  app.use("/api/v1/admin/*", requireRole("admin"));
  app.use("/api/v1/internal/*", requireRole("service", "admin"));
  app.use("/api/v1/*", async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path) || c.get("auth")) return next();
    return requireAuth(c, next);
  });

  const api = createApi();
  app.route("/api/v1", api);

  const docs = openApiDocuments(app);
  app.get("/docs", (c) => c.html(renderDocsPage([docs.client, docs.operator], docs.client.components ?? {})));
  app.get("/docs/openapi.json", (c) => c.json(docs.client));
  app.get("/docs/operator-openapi.json", (c) => c.json(docs.operator));
  // Admin HTML pages authenticate themselves (bearer or session cookie), see src/http/admin-session.ts.
  app.route("/admin/ingestion", ingestionDashboard);

  app.notFound((c) => errorResponse(c, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError(handleError);
  return app;
}
