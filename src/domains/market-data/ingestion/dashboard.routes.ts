/**
 * The /admin/ingestion HTML dashboard (not linked from anywhere, not in the OpenAPI documents):
 *   GET  /admin/ingestion          admins only (bearer token or session cookie); else 401/403 + sign-in form
 *   POST /admin/ingestion/session  form field `token` (an admin JWT) -> HttpOnly session cookie, 303 back
 *   POST /admin/ingestion/sign-out revokes the session server-side and clears the cookie
 * Both POSTs refuse cross-site requests (403, CSRF), bodies over 16 KiB (413, checked before parsing),
 * non-form content types (415) and unreadable forms (400), each as the sign-in page, never a 500.
 * Every answer carries a strict CSP (no scripts, a per-response nonce for the one <style>) and no-store.
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { PageAccess } from "../../../http/access";
import { assertSameOrigin, endSession, pageCaller, startSession } from "../../../http/admin-session";
import type { AppEnv } from "../../../http/app-env";
import { ApiError } from "../../../http/errors";
import { readMarketDataConfig } from "../market-data.config";
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

/** Access of these pages (the route × role matrix test reads it; see src/http/access.ts). */
export const DASHBOARD_PAGES: PageAccess[] = [
  { method: "GET", path: "/admin/ingestion", role: "admin", ok: 200 },
  { method: "POST", path: "/admin/ingestion/session", role: "admin", credential: "form", ok: 303 },
  // Signing out ends only the caller's own session (their cookie), so anyone may ask.
  { method: "POST", path: "/admin/ingestion/sign-out", role: "public", ok: 303 },
];

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

/** The posted form; 415 for another content type, 400 for a form that cannot be read (bad boundary). */
async function readForm(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (!FORM_TYPES.includes(type)) throw new ApiError("unsupported_media_type", "post the sign-in form (form content types only)");
  try {
    return await c.req.parseBody();
  } catch {
    throw new ApiError("bad_request", "the form could not be read; sign in again");
  }
}

/** An expected refusal as the sign-in page with its status; anything else goes to the error handler. */
function refusedPage(c: Context<AppEnv>, error: unknown): Response | Promise<Response> {
  if (!(error instanceof ApiError)) throw error;
  const n = nonce();
  return c.html(renderSignIn(error.message, n), error.status as 400 | 401 | 403 | 413 | 415, pageHeaders(n));
}

/** The sign-in form carries one token: 16 KiB is generous; checked before the body is parsed. */
const formLimit = bodyLimit({
  maxSize: 16 * 1024,
  onError: (c) => refusedPage(c as Context<AppEnv>, new ApiError("payload_too_large", "the form is too large")),
});

export const ingestionDashboard = new Hono<AppEnv>()
  .get("/", async (c) => {
    const n = nonce();
    const caller = await pageCaller(c);
    if (!caller.ok) return c.html(renderSignIn(caller.error.message, n), caller.error.status as 401 | 403, pageHeaders(n));
    const nowMs = c.get("deps").clock.nowMs();
    const channels = await ingestionHealth(c.env.DB, readMarketDataConfig(c.env), nowMs);
    return c.html(renderDashboard(channels, nowMs, n), 200, pageHeaders(n));
  })
  .post("/session", formLimit, async (c) => {
    try {
      assertSameOrigin(c);
      const form = await readForm(c);
      const token = typeof form.token === "string" ? form.token.trim() : "";
      if (!token) throw new ApiError("unauthorized", "enter an admin token");
      await startSession(c, token);
    } catch (error) {
      return refusedPage(c, error);
    }
    return c.redirect("/admin/ingestion", 303);
  })
  .post("/sign-out", formLimit, async (c) => {
    try {
      assertSameOrigin(c);
      await endSession(c);
    } catch (error) {
      return refusedPage(c, error);
    }
    return c.redirect("/admin/ingestion", 303);
  });
