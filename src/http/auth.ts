/**
 * Bearer JWT authentication. HS256 tokens are signed with JWT_SECRET; when JWKS_URL is set, RS256/ES256
 * tokens from that key set are accepted too. Claims: `sub` (user id), `role`, `exp` (required).
 * Expiry is checked against the injected clock so tests are deterministic.
 *
 * Route guards: `requireAuth` (any role), `requireRole(...)`; owner checks go through `assertOwner`,
 * which answers 404 (not 403) so that another user's resources are indistinguishable from missing ones.
 */
import { createMiddleware } from "hono/factory";
import { verify, verifyWithJwks } from "hono/jwt";
import { decodeHeader } from "hono/utils/jwt/jwt";
import { readPlatformConfig } from "../core/platform.config";
import type { AppEnv } from "./app-env";
import { type AuthClaims, AuthClaimsSchema, type Role } from "./auth-claims";
import { ApiError } from "./errors";

export { type AuthClaims, AuthClaimsSchema, MAX_SUB_LENGTH, type Role, RoleSchema } from "./auth-claims";

/** RFC 7235: the scheme is case-insensitive (`bearer`, `BEARER` are the same). */
const BEARER = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/** Verifies a compact JWT and returns its claims, or throws an `unauthorized` ApiError. */
export async function verifyToken(token: string, env: Env, nowMs: number): Promise<AuthClaims> {
  const config = readPlatformConfig(env);
  let payload: unknown;
  try {
    const header = decodeHeader(token);
    const checks = { exp: false, nbf: false, iat: false } as const;
    if (header.alg === "HS256") {
      payload = await verify(token, config.JWT_SECRET, { alg: "HS256", ...checks });
    } else if (config.JWKS_URL) {
      payload = await verifyWithJwks(token, {
        jwks_uri: config.JWKS_URL,
        allowedAlgorithms: ["RS256", "ES256"],
        verification: checks,
      });
    } else {
      throw new Error(`algorithm ${header.alg} not accepted`);
    }
  } catch {
    throw new ApiError("unauthorized", "invalid token");
  }
  const claims = AuthClaimsSchema.safeParse(payload);
  // No details: the zod issues would list the accepted roles and claim shapes to an anonymous caller.
  if (!claims.success) throw new ApiError("unauthorized", "token claims are invalid");
  const nowSec = Math.floor(nowMs / 1000);
  if (claims.data.exp <= nowSec) throw new ApiError("unauthorized", "token expired");
  if (claims.data.nbf !== undefined && claims.data.nbf > nowSec) throw new ApiError("unauthorized", "token not yet valid");
  if (config.JWT_ISSUER && claims.data.iss !== config.JWT_ISSUER) throw new ApiError("unauthorized", "token issuer not accepted");
  if (config.JWT_AUDIENCE && ![claims.data.aud ?? []].flat().includes(config.JWT_AUDIENCE)) {
    throw new ApiError("unauthorized", "token audience not accepted");
  }
  return claims.data;
}

/** Reads the bearer token from `Authorization` (or, for browser pages, a session cookie handled elsewhere). */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return BEARER.exec(header.trim())?.[1];
}

/** Any authenticated caller. */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  const token = bearerToken(header);
  if (!token) {
    throw new ApiError("unauthorized", header ? "malformed Authorization header" : "missing bearer token");
  }
  c.set("auth", await verifyToken(token, c.env, c.get("deps").clock.nowMs()));
  await next();
});

/** An authenticated caller with one of `roles`; runs `requireAuth` first if needed. */
export function requireRole(...roles: Role[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!c.get("auth")) await requireAuth(c, async () => {});
    const auth = c.get("auth");
    // The message names no roles: which roles exist is nobody's business before they hold one.
    if (!roles.includes(auth.role)) throw new ApiError("forbidden", "insufficient role for this route");
    await next();
  });
}

/** Owner check used by every owner-scoped route: admins see everything, others only their own. */
export function assertOwner(auth: AuthClaims, ownerId: string, what: string): void {
  if (auth.role === "admin") return;
  if (auth.sub !== ownerId) throw new ApiError("not_found", `${what} not found`);
}
