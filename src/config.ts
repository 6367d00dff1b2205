/**
 * The Worker's configuration: per-domain zod schemas composed into one, parsed from `env` (wrangler
 * vars + secrets) once per isolate and memoized per `env` object. A bad setting is a deploy error: the
 * Worker entry parses it before serving anything (src/index.ts), so every request and cron tick fails
 * loudly until it is fixed ("refuses to start": Workers have no start hook to fail earlier).
 *
 * Domains own their schemas (imported here from their leaf files, not their index, so that a domain
 * reading the config never forms an import cycle through this file).
 */
import { z } from "zod";
import { LifecycleConfigSchema } from "./domains/lifecycle/lifecycle.config";
import { IngestionSettingsSchema } from "./domains/market-data/ingestion/ingestion.model";
import { MarketDataConfigSchema } from "./domains/market-data/market-data.config";
import { OpsConfigSchema, refineOpsSettings } from "./domains/ops/ops.config";

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

/** Outside development a token without issuer and audience checks could come from any system sharing the key. */
export const ConfigSchema = z
  .object({
    ...PlatformConfigSchema.shape,
    ...MarketDataConfigSchema.shape,
    ...IngestionSettingsSchema.shape,
    ...LifecycleConfigSchema.shape,
    ...OpsConfigSchema.shape,
  })
  .superRefine((config, ctx) => {
    refineOpsSettings(config, ctx);
    if (config.APP_ENV === "development") return;
    for (const key of ["JWT_ISSUER", "JWT_AUDIENCE"] as const) {
      if (!config[key]) ctx.addIssue({ code: "custom", path: [key], message: `${key} is required when APP_ENV is ${config.APP_ENV}` });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

const parsed = new WeakMap<object, Config>();

/** The parsed configuration of `env`; parsed on first use, then served from the per-isolate memo. */
export function readConfig(env: Env): Config {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    throw new Error(`invalid configuration: ${z.prettifyError(result.error)}`);
  }
  parsed.set(env, result.data);
  return result.data;
}

/** Secrets are not in wrangler.toml, so `wrangler types` cannot see them. */
interface Secrets {
  JWT_SECRET: string;
  /** Model provider keys (decision runtime); a provider without its key is not configured. */
  OPENAI_API_KEY?: string;
  ANTHROPIC_API_KEY?: string;
  OPENAI_COMPATIBLE_API_KEY?: string;
  /** HMAC key of the alert webhook signature (ops); required when ALERT_WEBHOOK_URL is set. */
  ALERT_WEBHOOK_SECRET?: string;
}

declare global {
  interface Env extends Secrets {}
  namespace Cloudflare {
    interface Env extends Secrets {}
  }
}
