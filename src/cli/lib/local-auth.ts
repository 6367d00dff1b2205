/** Local-only helpers for the CLI scripts: the dev JWT secret and admin tokens. */
import { existsSync, readFileSync } from "node:fs";
import { sign } from "hono/jwt";

/** JWT_SECRET from $JWT_SECRET, .dev.vars or .dev.vars.example (in that order). */
export function localJwtSecret(): string | undefined {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  for (const file of [".dev.vars", ".dev.vars.example"]) {
    if (!existsSync(file)) continue;
    const line = readFileSync(file, "utf8")
      .split("\n")
      .find((l) => l.startsWith("JWT_SECRET="));
    if (line) return line.slice("JWT_SECRET=".length).trim();
  }
  return undefined;
}

/** Mints an HS256 token for local use; `iss`/`aud` for a Worker that requires them (APP_ENV not development). */
export async function mintToken(
  sub: string,
  role: string,
  ttlSec: number,
  secret: string,
  claims: { iss?: string; aud?: string } = {},
): Promise<string> {
  const extra = { ...(claims.iss ? { iss: claims.iss } : {}), ...(claims.aud ? { aud: claims.aud } : {}) };
  return sign({ sub, role, exp: Math.floor(Date.now() / 1000) + ttlSec, ...extra }, secret, "HS256");
}
