/** Public liveness route (cheap, no storage access) and the admin alert routes (alerts/alerts.routes.ts). */
import { z } from "@hono/zod-openapi";
import { declareRoute } from "../../http/access";
import { createRouter, PUBLIC } from "../../http/router";
import { alertRoutes } from "./alerts/alerts.routes";

const healthRoute = declareRoute({
  access: { role: "public" },
  method: "get",
  path: "/health",
  tags: ["ops"],
  summary: "Liveness: the Worker answers",
  security: PUBLIC,
  responses: {
    200: {
      description: "Alive",
      content: {
        "application/json": {
          schema: z.object({ status: z.literal("ok"), service: z.string(), nowMs: z.number().int() }).openapi("Health"),
        },
      },
    },
  },
});

export const opsRoutes = createRouter()
  .openapi(healthRoute, (c) => c.json({ status: "ok" as const, service: "clash-arena-backend", nowMs: c.get("deps").clock.nowMs() }, 200))
  .route("/", alertRoutes);
