/**
 * Composes the HTTP surface: request id, auth by path, the domain routers under /api/v1, the API
 * reference at /docs, and the one error envelope for every failure (including unknown routes).
 *
 * Auth by path (a floor): /api/v1/admin/* needs role admin; /api/v1/internal/* needs service or admin;
 * everything else under /api/v1 needs a valid token, except the PUBLIC_PATHS. Each route's own
 * declaration (src/http/access.ts) then checks its exact role, rate limit, content type and body size.
 * A body ceiling (the largest any route declares) also covers anything undeclared.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { systemClock } from "./core/clock";
import type { AppDeps } from "./core/deps";
import { randomIds } from "./core/ids";
import { createCronRoutes } from "./cron/cron.routes";
import { ARENA_ADMIN_PAGES, arenaAdminPage, arenaRaceRoutes, arenaRoutes } from "./domains/arena";
import { backtestRoutes } from "./domains/backtest";
import { contextRoutes, pipelinePreviewRoutes } from "./domains/context";
import { decisionRoutes } from "./domains/decision";
import { lifecycleRoutes, walletOf } from "./domains/lifecycle";
import { DASHBOARD_PAGES, ingestionDashboard, ingestionHealthRoutes, latestRoutes, marketRoutes } from "./domains/market-data";
import { ALERTS_PAGES, alertsPage, opsRoutes } from "./domains/ops";
import { strategyRoutes } from "./domains/strategy";
import { tradingRoutes } from "./domains/trading";
import type { PageAccess } from "./http/access";
import type { AppEnv } from "./http/app-env";
import { requireAuth, requireRole } from "./http/auth";
import { renderDocsPage } from "./http/docs-page";
import { ApiError, errorResponse, handleError } from "./http/errors";
import { openApiDocuments } from "./http/openapi";
import { requestId } from "./http/request-id";
import { requestLog } from "./http/request-log";
import { createRouter } from "./http/router";
import { JOB_CATALOG } from "./jobs";

const PUBLIC_PATHS = new Set(["/api/v1/health"]);

/** No request body anywhere may exceed this (routes declare smaller caps); refused before parsing. */
export const MAX_ANY_BODY_BYTES = 1024 * 1024;

/** /docs pages: no scripts at all, nothing external; only the page's own inline <style>. */
const DOCS_HEADERS = {
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** Access of every HTML page and raw document outside /api/v1 (the matrix test requires an entry per route). */
export const PAGES: PageAccess[] = [
  { method: "GET", path: "/docs", role: "public", ok: 200 },
  { method: "GET", path: "/docs/openapi.json", role: "public", ok: 200 },
  { method: "GET", path: "/docs/operator", role: "admin", ok: 200 },
  { method: "GET", path: "/docs/operator-openapi.json", role: "admin", ok: 200 },
  ...DASHBOARD_PAGES,
  ...ARENA_ADMIN_PAGES,
  ...ALERTS_PAGES,
];

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
  api.route("/", pipelinePreviewRoutes);
  api.route("/", decisionRoutes);
  api.route("/", backtestRoutes);
  api.route("/", tradingRoutes({ provenWallet: async (db, ownerId) => (await walletOf(db, ownerId))?.address ?? null }));
  api.route("/", lifecycleRoutes);
  api.route("/", arenaRoutes);
  api.route("/", arenaRaceRoutes);
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
  app.use("*", requestLog);
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_ANY_BODY_BYTES,
      onError: () => {
        throw new ApiError("payload_too_large", `request body larger than ${MAX_ANY_BODY_BYTES} bytes`);
      },
    }),
  );
  app.use("/api/v1/admin/*", requireRole("admin"));
  app.use("/api/v1/internal/*", requireRole("service", "admin"));
  app.use("/api/v1/*", async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path) || c.get("auth")) return next();
    return requireAuth(c, next);
  });

  const api = createApi();
  app.route("/api/v1", api);

  const docs = openApiDocuments(app);
  // The client reference is public; the operator document (admin and internal routes) is for admins only.
  app.get("/docs", (c) => c.html(renderDocsPage([docs.client], docs.client.components ?? {}), 200, DOCS_HEADERS));
  app.get("/docs/openapi.json", (c) => c.json(docs.client, 200, { "x-content-type-options": "nosniff" }));
  app.get("/docs/operator", requireRole("admin"), (c) =>
    c.html(renderDocsPage([docs.operator], docs.operator.components ?? {}), 200, DOCS_HEADERS),
  );
  app.get("/docs/operator-openapi.json", requireRole("admin"), (c) => c.json(docs.operator, 200, { "x-content-type-options": "nosniff" }));
  // Admin HTML pages authenticate themselves (bearer or session cookie), see src/http/admin-session.ts.
  app.route("/admin/ingestion", ingestionDashboard);
  app.route("/admin/arena", arenaAdminPage);
  app.route("/admin/alerts", alertsPage);

  app.notFound((c) => errorResponse(c, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError(handleError);
  return app;
}
