/**
 * The model catalog clones choose from: every decision engine a clone can pick, local (`hold`,
 * `rules-v1`) or a real model behind a provider. Each entry has a strength tier (1 light, 2 standard,
 * 3 frontier) that the owner's entitlement caps, the engine kind the decision runtime dispatches on,
 * the provider's own model id, and its list price per million tokens in integer micro-USD (the cost of
 * a decision run is computed from it, see doc/domains/decision.md "Price table"). Hand-maintained
 * product data.
 */
export const STRENGTH_TIERS = { 1: "light", 2: "standard", 3: "frontier" } as const;
export type StrengthTier = keyof typeof STRENGTH_TIERS;

/** Which adapter runs the model: the local no-op, the local rules, or a provider through the AI SDK. */
export type EngineKind = "hold" | "rules" | "llm";
/** `local` engines need no network; the others are configured by base URL + API key settings. */
export type ModelProvider = "local" | "openai" | "anthropic" | "openai-compatible";

export interface ModelPricing {
  /** Micro-USD per million input (prompt) tokens: $1.25/MTok is 1_250_000. */
  inputMicroUsdPerMTok: number;
  /** Micro-USD per million output (completion) tokens. */
  outputMicroUsdPerMTok: number;
}

/**
 * How the decision runtime calls a model, where it differs from the defaults (1,024 output tokens, the
 * `DECISION_MODEL_TIMEOUT_MS` budget, no reasoning). Reasoning models spend hidden reasoning tokens out
 * of the same output budget (`max_completion_tokens`), so 1,024 truncates them: they get a larger budget,
 * an explicit effort and a longer timeout.
 */
export interface ModelCallSettings {
  /** Sent as `reasoning_effort` (OpenAI and OpenAI-compatible); the request is sent as a reasoning model's. */
  reasoningEffort?: "minimal" | "low" | "medium" | "high";
  /** Output budget of one call, reasoning tokens included. */
  maxOutputTokens?: number;
  /** Budget of one call, the SDK's retries and their waits included. */
  timeoutMs?: number;
}

export interface Model {
  id: string;
  name: string;
  provider: ModelProvider;
  strength: StrengthTier;
  engine: EngineKind;
  /** The id sent to the provider (`model` in the request body); the catalog id for local engines. */
  providerModelId: string;
  pricing: ModelPricing;
  call?: ModelCallSettings;
}

const FREE: ModelPricing = { inputMicroUsdPerMTok: 0, outputMicroUsdPerMTok: 0 };
const usdPerMTok = (input: number, output: number): ModelPricing => ({
  inputMicroUsdPerMTok: Math.round(input * 1_000_000),
  outputMicroUsdPerMTok: Math.round(output * 1_000_000),
});

// Call settings: the gpt-5 family reasons (effort and a budget that leaves room for reasoning tokens);
// Claude decides through a forced tool, which Anthropic does not allow together with extended thinking,
// so Claude entries run without thinking and only get a roomier budget (doc/domains/decision.md).
// Prices: the providers' public list prices per million tokens (standard tier, no caching or batch
// discounts) as of 2026-11; the OpenAI-compatible entry uses OpenRouter's listed price for that model.
export const MODELS: readonly Model[] = [
  { id: "hold", name: "Hold (no-op)", provider: "local", strength: 1, engine: "hold", providerModelId: "hold", pricing: FREE },
  {
    id: "rules-v1",
    name: "Rules v1 (trend + mean reversion)",
    provider: "local",
    strength: 1,
    engine: "rules",
    providerModelId: "rules-v1",
    pricing: FREE,
  },
  {
    id: "claude-haiku-4-5",
    name: "Claude Haiku 4.5",
    provider: "anthropic",
    strength: 1,
    engine: "llm",
    providerModelId: "claude-haiku-4-5",
    pricing: usdPerMTok(1, 5),
    call: { maxOutputTokens: 2_048, timeoutMs: 60_000 },
  },
  {
    id: "gpt-5-mini",
    name: "GPT-5 mini",
    provider: "openai",
    strength: 1,
    engine: "llm",
    providerModelId: "gpt-5-mini",
    pricing: usdPerMTok(0.25, 2),
    call: { reasoningEffort: "low", maxOutputTokens: 8_000, timeoutMs: 90_000 },
  },
  {
    id: "llama-3.3-70b",
    name: "Llama 3.3 70B Instruct (OpenAI-compatible)",
    provider: "openai-compatible",
    strength: 1,
    engine: "llm",
    providerModelId: "meta-llama/llama-3.3-70b-instruct",
    pricing: usdPerMTok(0.13, 0.4),
  },
  {
    id: "claude-sonnet-4-5",
    name: "Claude Sonnet 4.5",
    provider: "anthropic",
    strength: 2,
    engine: "llm",
    providerModelId: "claude-sonnet-4-5",
    pricing: usdPerMTok(3, 15),
    call: { maxOutputTokens: 2_048, timeoutMs: 90_000 },
  },
  {
    id: "gpt-5",
    name: "GPT-5",
    provider: "openai",
    strength: 2,
    engine: "llm",
    providerModelId: "gpt-5",
    pricing: usdPerMTok(1.25, 10),
    call: { reasoningEffort: "medium", maxOutputTokens: 16_000, timeoutMs: 180_000 },
  },
  {
    id: "claude-opus-4-1",
    name: "Claude Opus 4.1",
    provider: "anthropic",
    strength: 3,
    engine: "llm",
    providerModelId: "claude-opus-4-1",
    pricing: usdPerMTok(15, 75),
    call: { maxOutputTokens: 2_048, timeoutMs: 120_000 },
  },
];

/** The catalog entry of `id`, if any. */
export function findModel(id: string): Model | undefined {
  return MODELS.find((m) => m.id === id);
}
