/**
 * One structured log line per request (Workers Logs, `[observability]` in wrangler.toml): request id,
 * method, route template, status, duration and the caller's user id. Never headers, query strings,
 * bodies or tokens: the route template (`/api/v1/clones/:cloneId`) carries no secrets, and the raw path
 * is logged only when no route matched, cut to 200 characters.
 */
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { AppEnv } from "./app-env";

export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const startedMs = Date.now();
  try {
    await next();
  } finally {
    const route = routePath(c, -1);
    console.log(
      JSON.stringify({
        msg: "request",
        requestId: c.get("requestId"),
        method: c.req.method,
        route: route === "*" || route === "/*" ? undefined : route,
        path: route === "*" || route === "/*" ? c.req.path.slice(0, 200) : undefined,
        status: c.res.status,
        durationMs: Date.now() - startedMs,
        userId: c.get("auth")?.sub ?? null,
      }),
    );
  }
});
