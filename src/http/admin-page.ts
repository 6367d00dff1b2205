/**
 * The frame every server-rendered /admin/* page shares (ingestion, arena, alerts): one factory that
 * gives a page its three routes, their access declarations, the strict headers and the HTML layout.
 *   GET  /admin/<page>            admins only (bearer token or session cookie); else 401/403 + sign-in form
 *   POST /admin/<page>/session    form field `token` (an admin JWT) -> HttpOnly session cookie, 303 back
 *   POST /admin/<page>/sign-out   revokes the session server-side and clears the cookie
 * Both POSTs refuse cross-site requests (403, CSRF), bodies over 16 KiB (413, checked before parsing),
 * non-form content types (415) and unreadable forms (400), each as the sign-in page, never a 500.
 * Every answer carries a strict CSP (no scripts, a per-response nonce for the one <style>) and no-store.
 * The session cookie is scoped to /admin, so signing in on one page signs in on all of them.
 * Pages render with hono/html templates: every interpolated value is escaped unless a page wraps it in
 * `html` itself, so user-provided text (clone names, alert summaries) cannot inject markup.
 * Callers: the domains' page modules (market-data ingestion, arena, ops alerts); src/app.ts mounts them.
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { PageAccess } from "./access";
import { assertSameOrigin, endSession, pageCaller, startSession } from "./admin-session";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors";

export type Page = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The admin pages, linked from each other's header (path, label). */
export const ADMIN_NAV: ReadonlyArray<readonly [path: string, label: string]> = [
  ["/admin/ingestion", "Ingestion"],
  ["/admin/arena", "Arena"],
  ["/admin/alerts", "Alerts"],
];

/** `2026-11-25T12:00:00Z` (milliseconds kept only when not zero); `never` for null. */
export const iso = (ms: number | null) => (ms === null ? "never" : new Date(ms).toISOString().replace(".000Z", "Z"));

/** Integer micro-USD as a decimal USD string, exact (`12.5`, `-0.000001`, `3`); accepts decimal strings. */
export function usd(micro: number | bigint | string): string {
  const v = BigInt(micro);
  const abs = v < 0n ? -v : v;
  const frac = (abs % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${v < 0n ? "-" : ""}${abs / 1_000_000n}${frac ? `.${frac}` : ""}`;
}

function pageNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

const pageHeaders = (styleNonce: string) => ({
  "content-security-policy": `default-src 'none'; style-src 'nonce-${styleNonce}'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
});

const BASE_STYLE = `
body{font:13px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fafbfc}
h1{font-size:1.2rem;margin:0 0 .25rem}
h2{font-size:1rem;margin:1.25rem 0 .35rem}
nav{margin-bottom:.75rem}nav a{margin-right:.75rem}nav a[aria-current=page]{font-weight:600;color:#1b1f24;text-decoration:none}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e3e6ea;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}
.num{text-align:right;white-space:nowrap}
.note{color:#6a737d;font-size:11px}
.err{color:#b31d28}
.status{display:inline-block;padding:0 .4rem;border-radius:3px;font-weight:600}
form{display:flex;gap:.5rem;margin-top:1rem}
input[type=password]{width:28rem}
`;

function layout(title: string, nonce: string, style: string, body: Page): Page {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><link rel="icon" href="data:,"><title>${title}</title>
<style nonce="${nonce}">${BASE_STYLE}${style}</style></head>
<body>${body}</body></html>`;
}

const nav = (current: string) =>
  html`<nav>${ADMIN_NAV.map(([path, label]) =>
    path === current ? html`<a href="${path}" aria-current="page">${label}</a>` : html`<a href="${path}">${label}</a>`,
  )}</nav>`;

/** The sign-in form shown to a caller without a valid admin token or session. */
function renderSignIn(spec: AdminPageSpec, message: string, nonce: string): Page {
  return layout(
    "Sign in",
    nonce,
    spec.style ?? "",
    html`<h1>${spec.title}</h1><p class="err" id="refused">${message}</p>
<form method="post" action="${spec.path}/session"><label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="off" required><button type="submit">Sign in</button></form>`,
  );
}

export interface AdminPageSpec {
  /** Where the page is mounted, e.g. `/admin/arena` (also its link in the header). */
  path: `/admin/${string}`;
  /** The page's heading and <title>. */
  title: string;
  /** Extra CSS for this page (inside the nonce'd <style>). */
  style?: string;
  /** The page's content below the heading, for an admitted admin. */
  render: (c: Context<AppEnv>) => Promise<Page>;
}

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

/** One admin page: its routes (mount at `spec.path`) and their access (for src/app.ts's PAGES list). */
export function adminPage(spec: AdminPageSpec): { routes: Hono<AppEnv>; access: PageAccess[] } {
  /** An expected refusal as the sign-in page with its status; anything else goes to the error handler. */
  const refusedPage = (c: Context<AppEnv>, error: unknown): Response | Promise<Response> => {
    if (!(error instanceof ApiError)) throw error;
    const n = pageNonce();
    return c.html(renderSignIn(spec, error.message, n), error.status as 400 | 401 | 403 | 413 | 415, pageHeaders(n));
  };
  // The sign-in form carries one token: 16 KiB is generous; checked before the body is parsed.
  const formLimit = bodyLimit({
    maxSize: 16 * 1024,
    onError: (c) => refusedPage(c as Context<AppEnv>, new ApiError("payload_too_large", "the form is too large")),
  });
  const routes = new Hono<AppEnv>()
    .get("/", async (c) => {
      const n = pageNonce();
      const caller = await pageCaller(c);
      if (!caller.ok) return c.html(renderSignIn(spec, caller.error.message, n), caller.error.status as 401 | 403, pageHeaders(n));
      const body = await spec.render(c);
      const page = html`${nav(spec.path)}<h1>${spec.title}</h1>${body}
<form method="post" action="${spec.path}/sign-out"><button type="submit">Sign out</button></form>`;
      return c.html(layout(spec.title, n, spec.style ?? "", page), 200, pageHeaders(n));
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
      return c.redirect(spec.path, 303);
    })
    .post("/sign-out", formLimit, async (c) => {
      try {
        assertSameOrigin(c);
        await endSession(c);
      } catch (error) {
        return refusedPage(c, error);
      }
      return c.redirect(spec.path, 303);
    });
  const access: PageAccess[] = [
    { method: "GET", path: spec.path, role: "admin", ok: 200 },
    { method: "POST", path: `${spec.path}/session`, role: "admin", credential: "form", ok: 303 },
    // Signing out ends only the caller's own session (their cookie), so anyone may ask.
    { method: "POST", path: `${spec.path}/sign-out`, role: "public", ok: 303 },
  ];
  return { routes, access };
}
