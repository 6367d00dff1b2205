/**
 * Composition root of the configuration (beside src/jobs.ts): the platform settings (src/core/) and every
 * domain's `<domain>.config.ts` schema composed into one, used for the start-up check only. The Worker
 * entry parses it before serving anything (src/index.ts), so a bad setting in ANY domain fails every
 * request and cron tick loudly until it is fixed ("refuses to start": Workers have no start hook to fail
 * earlier). Code never reads settings from here: the platform reads `readPlatformConfig`, each domain its
 * own memoized reader; so no lower layer imports this file (no back-arrow), and it imports domains only
 * through their index.
 */
import { z } from "zod";
import { withoutBlankSettings } from "./core/config-values";
import { PlatformConfigSchema, refinePlatformConfig } from "./core/platform.config";
import { ArenaConfigSchema, RaceConfigSchema, refineRaceSettings } from "./domains/arena";
import { DecisionSettingsSchema } from "./domains/decision";
import { LifecycleConfigSchema } from "./domains/lifecycle";
import { MarketDataConfigSchema } from "./domains/market-data";
import { OpsConfigSchema, refineOpsSettings } from "./domains/ops";
import { LiveConfigSchema, refineLiveConfig, TradingConfigSchema } from "./domains/trading";

export const ConfigSchema = z
  .object({
    ...PlatformConfigSchema.shape,
    ...MarketDataConfigSchema.shape,
    ...LifecycleConfigSchema.shape,
    ...ArenaConfigSchema.shape,
    ...DecisionSettingsSchema.shape,
    ...OpsConfigSchema.shape,
    ...TradingConfigSchema.shape,
    ...LiveConfigSchema.shape,
    ...RaceConfigSchema.shape,
  })
  .superRefine((config, ctx) => {
    refinePlatformConfig(config, ctx);
    refineOpsSettings(config, ctx);
    refineLiveConfig(config, ctx);
    refineRaceSettings(config, ctx);
  });

export type Config = z.infer<typeof ConfigSchema>;

const parsed = new WeakMap<object, Config>();

/** The whole parsed configuration of `env` (start-up check); parsed on first use, then memoized. */
export function readConfig(env: Env): Config {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = ConfigSchema.safeParse(withoutBlankSettings(env));
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
  /** Live trading: base64 of the 32-byte key-encryption key of agent keys, and older ones (id:base64,...) during rotation. */
  LIVE_AGENT_KEK?: string;
  LIVE_AGENT_KEK_PREVIOUS?: string;
}

declare global {
  interface Env extends Secrets {}
  namespace Cloudflare {
    interface Env extends Secrets {}
  }
}
