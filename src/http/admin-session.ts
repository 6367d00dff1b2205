/**
 * Browser sessions for admin pages (the /admin/* HTML dashboards). A page accepts an admin bearer token
 * in `Authorization`, or a short-lived HttpOnly cookie obtained by posting an admin token to the
 * page's sign-in form.
 *
 * - The cookie holds a JWT signed with a key DERIVED from JWT_SECRET (never accepted as an API bearer
 *   token) naming a row of `admin_sessions`. The row is the authority: sign-out revokes it, so a
 *   replayed cookie is refused; its stored role must still be admin.
 * - A session lasts min(token exp, sign-in + SESSION_TTL_MS): it never outlives the token behind it.
 * - Sign-in and sign-out are POSTs that change state, so both refuse cross-site requests (CSRF):
 *   `Sec-Fetch-Site` must be same-origin (or none: typed by the user); without it, `Origin`, when sent,
 *   must be this host. Non-browser clients send neither and carry no victim's cookie. SameSite=Strict on the
 *   cookie covers sign-out's cookie but not a forged sign-in, which sets a cookie rather than using one.
 */
import { and, eq, isNull, lt } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { sign, verify } from "hono/jwt";
import { readPlatformConfig } from "../core/platform.config";
import { openDb } from "../db/client";
import { adminSessions } from "./admin-session.tables";
import type { AppEnv } from "./app-env";
import { type AuthClaims, bearerToken, verifyToken } from "./auth";
import { ApiError } from "./errors";

export const SESSION_COOKIE = "ca_admin_session";
export const SESSION_TTL_MS = 15 * 60_000;
const COOKIE_PATH = "/admin";
/** Expired rows are deleted on the next sign-in once they are this old (kept a day for forensics). */
const EXPIRED_ROW_RETENTION_MS = 24 * 60 * 60_000;

const sessionKey = (env: Env) => `${readPlatformConfig(env).JWT_SECRET}:admin-page-session`;

/** Who is asking for an admin page: `admin` claims, or the reason they are refused. */
export async function pageCaller(c: Context<AppEnv>): Promise<{ ok: true; auth: AuthClaims } | { ok: false; error: ApiError }> {
  const nowMs = c.get("deps").clock.nowMs();
  try {
    const header = c.req.header("authorization");
    let auth: AuthClaims;
    if (header) {
      const token = bearerToken(header);
      if (!token) throw new ApiError("unauthorized", "malformed Authorization header");
      auth = await verifyToken(token, c.env, nowMs);
    } else {
      const cookie = getCookie(c, SESSION_COOKIE);
      if (!cookie) throw new ApiError("unauthorized", "sign in with an admin token");
      auth = await verifySession(cookie, c.env, nowMs);
    }
    if (auth.role !== "admin") throw new ApiError("forbidden", "this page is for administrators");
    return { ok: true, auth };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, error };
    throw error;
  }
}

/** The session id inside a cookie whose signature holds; undefined otherwise. */
async function sessionIdOf(cookie: string, env: Env): Promise<string | undefined> {
  try {
    const payload = (await verify(cookie, sessionKey(env), { alg: "HS256", exp: false, nbf: false, iat: false })) as Record<
      string,
      unknown
    >;
    return typeof payload.sid === "string" ? payload.sid : undefined;
  } catch {
    return undefined;
  }
}

async function verifySession(cookie: string, env: Env, nowMs: number): Promise<AuthClaims> {
  const sid = await sessionIdOf(cookie, env);
  if (!sid) throw new ApiError("unauthorized", "session is invalid; sign in again");
  const [row] = await openDb(env.DB).select().from(adminSessions).where(eq(adminSessions.id, sid));
  if (!row || row.revokedAtMs !== null) throw new ApiError("unauthorized", "session ended; sign in again");
  if (row.expiresAtMs <= nowMs) throw new ApiError("unauthorized", "session expired; sign in again");
  if (row.role !== "admin") throw new ApiError("forbidden", "this page is for administrators");
  return { sub: row.subject, role: "admin", exp: Math.floor(row.expiresAtMs / 1000) };
}

/**
 * Refuses a state-changing page request made from another site (forged form posts). Every current
 * browser sends `Sec-Fetch-Site` on a form POST: when present it decides (only `same-origin`, or `none`
 * for a user-initiated request, pass). Older browsers send only `Origin`, which must then name this
 * host. (Origin is not compared when Sec-Fetch-Site is there: behind `wrangler dev`'s proxy, or any
 * proxy, the Worker's view of its own host can differ from the browser's.) Non-browser clients send
 * neither and carry no victim's cookie.
 */
export function assertSameOrigin(c: Context<AppEnv>): void {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined) {
    if (site !== "same-origin" && site !== "none") throw new ApiError("forbidden", "cross-site request refused");
    return;
  }
  const origin = c.req.header("origin");
  if (origin === undefined) return;
  const hosts = new Set([new URL(c.req.url).host, c.req.header("host")]);
  let originHost: string | undefined;
  try {
    originHost = origin === "null" ? undefined : new URL(origin).host;
  } catch {
    originHost = undefined;
  }
  if (!originHost || !hosts.has(originHost)) throw new ApiError("forbidden", "cross-site request refused");
}

/** Exchanges a posted admin token for the session cookie; throws `unauthorized`/`forbidden`. */
export async function startSession(c: Context<AppEnv>, token: string): Promise<void> {
  const { clock, ids } = c.get("deps");
  const nowMs = clock.nowMs();
  const auth = await verifyToken(token, c.env, nowMs);
  if (auth.role !== "admin") throw new ApiError("forbidden", "this page is for administrators");
  const expiresAtMs = Math.min(auth.exp * 1000, nowMs + SESSION_TTL_MS);
  const id = ids.next("sess");
  const db = openDb(c.env.DB);
  await db.batch([
    db.delete(adminSessions).where(lt(adminSessions.expiresAtMs, nowMs - EXPIRED_ROW_RETENTION_MS)),
    db.insert(adminSessions).values({ id, subject: auth.sub, role: auth.role, createdAtMs: nowMs, expiresAtMs, revokedAtMs: null }),
  ]);
  const session = await sign({ sid: id, exp: Math.ceil(expiresAtMs / 1000) }, sessionKey(c.env), "HS256");
  setCookie(c, SESSION_COOKIE, session, {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: "Strict",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: Math.max(1, Math.floor((expiresAtMs - nowMs) / 1000)),
  });
}

/** Revokes the session named by the cookie (if any) server-side, then clears the cookie. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const cookie = getCookie(c, SESSION_COOKIE);
  const sid = cookie ? await sessionIdOf(cookie, c.env) : undefined;
  if (sid) {
    await openDb(c.env.DB)
      .update(adminSessions)
      .set({ revokedAtMs: c.get("deps").clock.nowMs() })
      .where(and(eq(adminSessions.id, sid), isNull(adminSessions.revokedAtMs)));
  }
  deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH });
}
