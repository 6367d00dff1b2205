/**
 * The /admin/ingestion HTML dashboard (not linked from anywhere, not in the OpenAPI documents):
 *   GET  /admin/ingestion          admins only (bearer token or session cookie); else 401/403 + sign-in form
 *   POST /admin/ingestion/session  form field `token` (an admin JWT) -> HttpOnly session cookie, 303 back
 *   POST /admin/ingestion/sign-out clears the cookie
 * Every answer carries a strict CSP (no scripts, a per-response nonce for the one <style>) and no-store.
 */
import { Hono } from "hono";
import { readConfig } from "../../../config";
import { endSession, pageCaller, startSession } from "../../../http/admin-session";
import type { AppEnv } from "../../../http/app-env";
import { ApiError } from "../../../http/errors";
import { renderDashboard, renderSignIn } from "./dashboard.page";
import { ingestionHealth } from "./health.service";

function nonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

const pageHeaders = (styleNonce: string) => ({
  "content-security-policy": `default-src 'none'; style-src 'nonce-${styleNonce}'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
});

export const ingestionDashboard = new Hono<AppEnv>()
  .get("/", async (c) => {
    const n = nonce();
    const caller = await pageCaller(c);
    if (!caller.ok) return c.html(renderSignIn(caller.error.message, n), caller.error.status as 401 | 403, pageHeaders(n));
    const nowMs = c.get("deps").clock.nowMs();
    const channels = await ingestionHealth(c.env.DB, readConfig(c.env), nowMs);
    return c.html(renderDashboard(channels, nowMs, n), 200, pageHeaders(n));
  })
  .post("/session", async (c) => {
    const n = nonce();
    const form = await c.req.parseBody();
    const token = typeof form.token === "string" ? form.token.trim() : "";
    try {
      if (!token) throw new ApiError("unauthorized", "enter an admin token");
      await startSession(c, token);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return c.html(renderSignIn(error.message, n), error.status as 401 | 403, pageHeaders(n));
    }
    return c.redirect("/admin/ingestion", 303);
  })
  .post("/sign-out", (c) => {
    endSession(c);
    return c.redirect("/admin/ingestion", 303);
  });
