/**
 * Engine resolution: catalog model id -> the adapter that runs it. A typed table on the catalog's
 * `engine` kind, not a switch spread over callers. An unknown model or an unconfigured provider is a
 * value (the run is skipped with that reason), never a silent fallback to another engine.
 */
import { findModel, type Model } from "../../strategy";
import { type DecisionSettings, providerEndpoint } from "../decision.config";
import type { DecisionEngine } from "../decision.model";
import { llmEngine } from "./ai-sdk.engine";
import { holdEngine } from "./hold.engine";
import { rulesV1Engine } from "./rules-v1.engine";

export type EngineResolution =
  | { ok: true; engine: DecisionEngine; model: Model }
  | { ok: false; reason: "unknown_model" | "provider_not_configured"; message: string };

export interface EngineOptions {
  /** Replaces the global fetch of the AI SDK adapters (tests, bench). */
  fetch?: typeof fetch;
  /** Replaces the catalog lookup (tests and the bench add entries pointing at a stand-in's scenarios). */
  findModel?: (id: string) => Model | undefined;
  /** The per-provider rate limit asked before every model request (wiring: the ProviderRateLimit objects). */
  throttle?: ProviderThrottle;
}

/** Takes one request's token for `provider`; denied: milliseconds until one is there. */
export interface ProviderThrottle {
  take(provider: string): Promise<{ granted: boolean; retryAfterMs: number }>;
}

/**
 * `fetch` behind the provider's token bucket: a denied request never leaves the Worker and answers like
 * the provider would, 429 with `Retry-After`, so the AI SDK's retries and then the queue's transient
 * retry (while the slot is valid) handle it: a storm queues up instead of getting every run 429'd.
 */
export function throttledFetch(provider: string, throttle: ProviderThrottle, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const token = await throttle.take(provider);
    if (!token.granted) {
      const seconds = Math.max(1, Math.ceil(token.retryAfterMs / 1000));
      return new Response(
        JSON.stringify({ error: { type: "rate_limit_error", message: `local ${provider} rate limit: retry in ${seconds} s` } }),
        {
          status: 429,
          headers: { "content-type": "application/json", "retry-after": String(seconds), "retry-after-ms": String(token.retryAfterMs) },
        },
      );
    }
    return inner(input, init);
  };
}

/** The engine for catalog model `modelId` under `settings`. */
export function resolveEngine(modelId: string, settings: DecisionSettings, options: EngineOptions = {}): EngineResolution {
  const model = (options.findModel ?? findModel)(modelId);
  if (!model) return { ok: false, reason: "unknown_model", message: `model ${modelId} is not in the catalog` };
  if (model.engine === "hold") return { ok: true, engine: holdEngine, model };
  if (model.engine === "rules") return { ok: true, engine: rulesV1Engine, model };
  const endpoint = providerEndpoint(settings, model.provider);
  if (!endpoint) {
    return { ok: false, reason: "provider_not_configured", message: `provider ${model.provider} of model ${model.id} is not configured` };
  }
  const engine = llmEngine(model, {
    endpoint,
    timeoutMs: settings.DECISION_MODEL_TIMEOUT_MS,
    maxRetries: settings.DECISION_MODEL_MAX_RETRIES,
    fetch: options.throttle ? throttledFetch(model.provider, options.throttle, options.fetch) : options.fetch,
  });
  return { ok: true, engine, model };
}

export { llmEngine } from "./ai-sdk.engine";
export { holdEngine } from "./hold.engine";
export { rulesV1, rulesV1Engine, venuePrice } from "./rules-v1.engine";
