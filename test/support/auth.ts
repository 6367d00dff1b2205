/** Mints tokens for tests with the test secret, issuer and audience from vitest.config.ts. */
import { env } from "cloudflare:test";
import { sign } from "hono/jwt";

export async function tokenFor(
  claims: { sub: string; role: "user" | "admin" | "service"; exp?: number },
  secret = env.JWT_SECRET,
): Promise<string> {
  const exp = claims.exp ?? Math.floor(Date.now() / 1000) + 3600;
  return sign({ sub: claims.sub, role: claims.role, exp, iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE }, secret, "HS256");
}

/** Authorization header for `sub`; pass `nowMs` when the app under test runs on an injected clock. */
export async function bearer(
  sub: string,
  role: "user" | "admin" | "service" = "user",
  nowMs = Date.now(),
): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await tokenFor({ sub, role, exp: Math.floor(nowMs / 1000) + 3600 })}` };
}
