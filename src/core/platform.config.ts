/**
 * Platform settings: runtime mode, bearer-token verification, the HTTP rate limits and access logs.
 * Owned by the platform layer (src/http/ and src/cron/ read them), so no domain is involved; domains own
 * their own `<domain>.config.ts`. Parsed from `env` once per isolate and memoized per `env` object.
 * The Worker entry checks every part at start-up through the composition root src/config.ts.
 * Invariant: outside development a token without issuer and audience checks could come from any system
 * sharing the key, so both are required there.
 */
import { z } from "zod";
import { withoutBlankSettings } from "./config-values";

const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v ? v : undefined))
  .pipe(z.url().optional());

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v ? v : undefined));
const perMinute = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000_000).default(fallback);

/** Runtime mode, bearer-token verification and the HTTP rate limits. */
export const PlatformConfigSchema = z.object({
  APP_ENV: z.enum(["development", "test", "production"]).default("development"),
  JWT_SECRET: z.string().min(16, "JWT_SECRET must be at least 16 characters"),
  /** Tokens must carry this `iss`; required outside development. */
  JWT_ISSUER: optionalText,
  /** Tokens must carry this `aud` (string or list); required outside development. */
  JWT_AUDIENCE: optionalText,
  JWKS_URL: optionalUrl,
  /** Per-user writes a minute (every non-GET API route unless declared otherwise). */
  RATE_LIMIT_USER_WRITES_PER_MIN: perMinute(60),
  /** Per-user expensive reads a minute (routes declared `rateLimit: "read"`). */
  RATE_LIMIT_USER_READS_PER_MIN: perMinute(120),
  /** Per-client-IP limited requests a minute (writes and expensive reads together). */
  RATE_LIMIT_IP_PER_MIN: perMinute(600),
  /** One structured log line per request and per job run ("false" only in tests, to keep output readable). */
  ACCESS_LOGS: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
});

type PlatformShape = z.infer<typeof PlatformConfigSchema>;

/** The cross-field rule of the platform settings (also applied by the composed schema in src/config.ts). */
export function refinePlatformConfig(config: PlatformShape, ctx: z.RefinementCtx): void {
  if (config.APP_ENV === "development") return;
  for (const key of ["JWT_ISSUER", "JWT_AUDIENCE"] as const) {
    if (!config[key]) ctx.addIssue({ code: "custom", path: [key], message: `${key} is required when APP_ENV is ${config.APP_ENV}` });
  }
}

const PlatformConfigChecked = PlatformConfigSchema.superRefine(refinePlatformConfig);
export type PlatformConfig = z.infer<typeof PlatformConfigChecked>;

const parsed = new WeakMap<object, PlatformConfig>();

/** The platform settings of `env`; parsed on first use, then served from the per-isolate memo. */
export function readPlatformConfig(env: Env): PlatformConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = PlatformConfigChecked.safeParse(withoutBlankSettings(env));
  if (!result.success) throw new Error(`invalid configuration: ${z.prettifyError(result.error)}`);
  parsed.set(env, result.data);
  return result.data;
}
