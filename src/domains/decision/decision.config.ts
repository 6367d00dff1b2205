/**
 * The decision runtime's settings, read from the Worker's vars and secrets at the edge (zod). Provider
 * base URLs are vars (wrangler.toml, or `.dev.vars` locally); API keys are secrets. A provider counts as
 * configured when its base URL is set and, for OpenAI and Anthropic, its key too (an OpenAI-compatible
 * server such as Ollama or vLLM may need no key). Callers: engines/index.ts, decision.wiring.ts; the
 * composition root src/config.ts adds the schema to the Worker's start-up check.
 */
import { z } from "zod";
import { withoutBlankSettings } from "../../core/config-values";
import { ProviderRatesSchema } from "./provider-rate.model";

const intFrom = (fallback: number, max: number) => z.coerce.number().int().min(0).max(max).optional().default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

const flag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? fallback : v.trim() !== "false"));

export const DecisionSettingsSchema = z.object({
  /** Chat Completions base URL including `/v1`: requests go to `{OPENAI_BASE_URL}/chat/completions`. */
  OPENAI_BASE_URL: optionalString,
  OPENAI_API_KEY: optionalString,
  /** Messages API base URL including `/v1`: requests go to `{ANTHROPIC_BASE_URL}/messages`. */
  ANTHROPIC_BASE_URL: optionalString,
  ANTHROPIC_API_KEY: optionalString,
  /** Any OpenAI-compatible server (OpenRouter, vLLM, Ollama, AI Gateway), base URL including `/v1`. */
  OPENAI_COMPATIBLE_BASE_URL: optionalString,
  OPENAI_COMPATIBLE_API_KEY: optionalString,
  /**
   * Strict JSON schema (OpenAI's structured outputs) per provider: on by default; "false" only for a
   * server that refuses strict mode (the answer is then validated after the fact, as always).
   */
  OPENAI_STRICT_JSON_SCHEMA: flag(true),
  OPENAI_COMPATIBLE_STRICT_JSON_SCHEMA: flag(true),
  /** Budget of one model call, retries and their waits included. */
  DECISION_MODEL_TIMEOUT_MS: intFrom(30_000, 600_000),
  /** Extra attempts after a retryable failure (429, 5xx); `Retry-After` sets the wait when present. */
  DECISION_MODEL_MAX_RETRIES: intFrom(2, 10),
  /** Most runs one queue consumer invocation executes at once (provider rate limits). */
  DECISION_CONSUMER_CONCURRENCY: intFrom(4, 50),
  /**
   * Most accounts one scheduler invocation plans: above it, the tick fans out one `decision-schedule`
   * message per chunk of this many accounts (each chunk ~3 D1 statements per distinct clone + ~8 per
   * 50 accounts, well inside an invocation's 1,000 D1 queries and its CPU limit).
   */
  DECISION_SCHEDULE_CHUNK: z.coerce.number().int().min(1).max(1000).optional().default(100),
  /**
   * Per-provider token buckets (JSON `{ "openai": { "perMinute": 500, "burst": 50 } }`), shared by every
   * consumer through one ProviderRateLimit object per provider; a provider not listed is unlimited.
   */
  DECISION_PROVIDER_RATES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v?.trim()) return {};
      try {
        const parsed = ProviderRatesSchema.safeParse(JSON.parse(v));
        if (parsed.success) return parsed.data;
        ctx.addIssue({ code: "custom", message: z.prettifyError(parsed.error) });
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
      }
      return z.NEVER;
    }),
  /**
   * Per-clone daily model spend cap in micro-USD (default 25 USD): the recorded model cost of the
   * clone's runs created in the current UTC day, dry-runs included. At or over it, a model run ends
   * `skipped`/`spend_cap_reached` before the model is called and a dry-run is refused (429). An
   * admin-set entitlement (`maxDailySpendMicroUsd`) overrides it per user. 0 refuses every model call.
   */
  DECISION_DAILY_SPEND_CAP_MICRO_USD: intFrom(25_000_000, 1_000_000_000_000),
  /**
   * Days a decision run is kept (default 30): the `decision.prune-runs` job deletes older runs, their
   * actions and artifacts, except runs whose action a fill or ledger entry still references.
   */
  DECISION_RUN_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).optional().default(30),
  /** "false" stops the scheduler from creating prop-account runs (dry-runs still work). */
  DECISION_SCHEDULER_ENABLED: z
    .string()
    .optional()
    .transform((v) => v !== "false"),
  /**
   * "true" lets the manual `decision.intake-probe` job submit its probe actions (benches and tests
   * only: it trades the sandbox accounts it is given). Unset everywhere in wrangler.toml.
   */
  DECISION_INTAKE_PROBE_ENABLED: z
    .string()
    .optional()
    .transform((v) => v === "true"),
});
export type DecisionSettings = z.infer<typeof DecisionSettingsSchema>;

const parsed = new WeakMap<object, DecisionSettings>();

/** Reads the decision settings from `env` (vars + secrets); parsed on first use, then memoized per `env`. */
export function readDecisionSettings(env: Env): DecisionSettings {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = DecisionSettingsSchema.safeParse(withoutBlankSettings(env));
  if (!result.success) throw new Error(`invalid decision settings: ${z.prettifyError(result.error)}`);
  parsed.set(env, result.data);
  return result.data;
}

export interface ProviderEndpoint {
  baseURL: string;
  apiKey: string | undefined;
  /** Whether structured output is sent with `strict: true` (default true). */
  strictJsonSchema?: boolean;
}

/** The endpoint of `provider` when configured, else undefined (runs are then skipped, never rerouted). */
export function providerEndpoint(settings: DecisionSettings, provider: string): ProviderEndpoint | undefined {
  switch (provider) {
    case "openai":
      return settings.OPENAI_BASE_URL && settings.OPENAI_API_KEY
        ? { baseURL: settings.OPENAI_BASE_URL, apiKey: settings.OPENAI_API_KEY, strictJsonSchema: settings.OPENAI_STRICT_JSON_SCHEMA }
        : undefined;
    case "anthropic":
      return settings.ANTHROPIC_BASE_URL && settings.ANTHROPIC_API_KEY
        ? { baseURL: settings.ANTHROPIC_BASE_URL, apiKey: settings.ANTHROPIC_API_KEY, strictJsonSchema: true }
        : undefined;
    case "openai-compatible":
      return settings.OPENAI_COMPATIBLE_BASE_URL
        ? {
            baseURL: settings.OPENAI_COMPATIBLE_BASE_URL,
            apiKey: settings.OPENAI_COMPATIBLE_API_KEY,
            strictJsonSchema: settings.OPENAI_COMPATIBLE_STRICT_JSON_SCHEMA,
          }
        : undefined;
    default:
      return undefined;
  }
}
