/**
 * The Worker's configuration: per-domain zod schemas composed into one, parsed from `env` (wrangler
 * vars + secrets) once per isolate and memoized per `env` object. A bad setting is a deploy error,
 * reported loudly by the first request or job that reads it.
 *
 * Domains own their schemas (imported here from their leaf files, not their index, so that a domain
 * reading the config never forms an import cycle through this file).
 */
import { z } from "zod";
import { IngestionSettingsSchema } from "./domains/market-data/ingestion/ingestion.model";
import { MarketDataConfigSchema } from "./domains/market-data/market-data.config";

const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v ? v : undefined))
  .pipe(z.url().optional());

/** Runtime mode and bearer-token verification. */
export const PlatformConfigSchema = z.object({
  APP_ENV: z.enum(["development", "test", "production"]).default("development"),
  JWT_SECRET: z.string().min(16, "JWT_SECRET must be at least 16 characters"),
  JWT_ISSUER: z.string().optional(),
  JWKS_URL: optionalUrl,
});

export const ConfigSchema = z.object({
  ...PlatformConfigSchema.shape,
  ...MarketDataConfigSchema.shape,
  ...IngestionSettingsSchema.shape,
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
}

declare global {
  interface Env extends Secrets {}
  namespace Cloudflare {
    interface Env extends Secrets {}
  }
}
