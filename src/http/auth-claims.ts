/**
 * The claims of a bearer token (role, subject, expiry...), as a zod schema. A leaf file so that the Hono
 * environment (app-env.ts) can name the claims without importing the middleware that verifies them (which
 * imports app-env.ts: that was an import circle). Callers: auth.ts (verifies), app-env.ts (types).
 */
import { z } from "zod";

export const RoleSchema = z.enum(["user", "admin", "service"]);
export type Role = z.infer<typeof RoleSchema>;

/** Longest accepted `sub`: ids are short; a megabyte `sub` would land in logs, keys and rows. */
export const MAX_SUB_LENGTH = 128;

export const AuthClaimsSchema = z.object({
  sub: z.union([z.string().min(1).max(MAX_SUB_LENGTH), z.number().int()]).transform(String),
  role: RoleSchema,
  exp: z.number().int(),
  nbf: z.number().int().optional(),
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
});
export type AuthClaims = z.infer<typeof AuthClaimsSchema>;
