/**
 * Browser sessions for admin pages (the /admin/* HTML dashboards). A page accepts an admin bearer token
 * in `Authorization`, or a short-lived HttpOnly cookie obtained by posting an admin token to the
 * page's sign-in form. The cookie holds a JWT signed with a key DERIVED from JWT_SECRET, so it is
 * never accepted as an API bearer token, and it expires after SESSION_TTL_MS.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { sign, verify } from "hono/jwt";
import { readConfig } from "../config";
import type { AppEnv } from "./app-env";
import { type AuthClaims, bearerToken, verifyToken } from "./auth";
import { ApiError } from "./errors";

export const SESSION_COOKIE = "ca_admin_session";
export const SESSION_TTL_MS = 15 * 60_000;
const COOKIE_PATH = "/admin";

const sessionKey = (env: Env) => `${readConfig(env).JWT_SECRET}:admin-page-session`;

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
    if (auth.role !== "admin") throw new ApiError("forbidden", "requires role admin");
    return { ok: true, auth };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, error };
    throw error;
  }
}

async function verifySession(cookie: string, env: Env, nowMs: number): Promise<AuthClaims> {
  let payload: Record<string, unknown>;
  try {
    payload = (await verify(cookie, sessionKey(env), { alg: "HS256", exp: false, nbf: false, iat: false })) as Record<string, unknown>;
  } catch {
    throw new ApiError("unauthorized", "session is invalid; sign in again");
  }
  if (typeof payload.exp !== "number" || payload.exp * 1000 <= nowMs) throw new ApiError("unauthorized", "session expired; sign in again");
  return { sub: String(payload.sub), role: "admin", exp: payload.exp };
}

/** Exchanges a posted admin token for the session cookie; throws `unauthorized`/`forbidden`. */
export async function startSession(c: Context<AppEnv>, token: string): Promise<void> {
  const nowMs = c.get("deps").clock.nowMs();
  const auth = await verifyToken(token, c.env, nowMs);
  if (auth.role !== "admin") throw new ApiError("forbidden", "requires role admin");
  const exp = Math.floor((nowMs + SESSION_TTL_MS) / 1000);
  const session = await sign({ sub: auth.sub, role: "admin", exp }, sessionKey(c.env), "HS256");
  setCookie(c, SESSION_COOKIE, session, {
    path: COOKIE_PATH,
    httpOnly: true,
    sameSite: "Strict",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export function endSession(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: COOKIE_PATH });
}
