/**
 * One structured log line per request (Workers Logs, `[observability]` in wrangler.toml): request id,
 * method, route template, status, duration and the caller's user id. Never headers, query strings,
 * bodies or tokens: the route template (`/api/v1/clones/:cloneId`) carries no secrets, and the raw path
 * is logged only when no route matched, cut to 200 characters.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { readPlatformConfig } from "../core/platform.config";
import type { AppEnv } from "./app-env";

export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const startedMs = Date.now();
  try {
    await next();
  } finally {
    if (readPlatformConfig(c.env).ACCESS_LOGS) logRequest(c, startedMs);
  }
});

function logRequest(c: Context<AppEnv>, startedMs: number): void {
  const route = routePath(c, -1);
  const matched = route !== "*" && route !== "/*";
  console.log(
    JSON.stringify({
      msg: "request",
      requestId: c.get("requestId"),
      method: c.req.method,
      route: matched ? route : undefined,
      path: matched ? undefined : c.req.path.slice(0, 200),
      status: c.res.status,
      durationMs: Date.now() - startedMs,
      userId: c.get("auth")?.sub ?? null,
    }),
  );
}
