/**
 * Real models through the Vercel AI SDK. One adapter for every provider: OpenAI (Chat Completions at
 * `{OPENAI_BASE_URL}/chat/completions`, `response_format: json_schema`, strict), Anthropic (Messages
 * with a forced tool whose input schema is the proposal: "tool use" structured output) and any
 * OpenAI-compatible server (json_schema, strict unless the provider's setting turns it off). The
 * structured output schema is `ModelProposalSchema`: every property required, `additionalProperties:
 * false`, so OpenAI's strict mode accepts it.
 *
 * Per-model call settings come from the catalog (`Model.call`): reasoning effort, output budget (reasoning
 * tokens count against it) and timeout.
 *
 * Failure policy: this adapter never throws for a bad answer. A timeout (the whole budget, retries
 * included), a refusal, an answer cut off at the output budget (`truncated`), unparseable JSON, a schema
 * violation or a provider error comes back as `failure` with whatever usage was metered (every response
 * body the provider sent is read for its `usage`, so a timeout after a metered answer still bills it).
 * `failure.transient` marks what a later attempt may fix (429, 5xx, Anthropic 529, timeouts): the
 * runtime retries those on the queue while the slot is valid. Retries inside one call are the SDK's:
 * bounded by `maxRetries`, exponential backoff, `Retry-After`/`retry-after-ms` honoured (under 60 s).
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import {
  APICallError,
  type FinishReason,
  generateText,
  type LanguageModel,
  NoObjectGeneratedError,
  NoOutputGeneratedError,
  Output,
  RetryError,
} from "ai";
import type { Model } from "../../strategy";
import type { ProviderEndpoint } from "../decision.config";
import type { DecisionEngine, EngineFailure, EngineResult, EngineUsage } from "../decision.model";
import { proposalOutputSchema } from "../proposal.contract";

/** Output budget of a model without catalog call settings: a decision is a small JSON object. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 1024;

export interface LlmEngineOptions {
  endpoint: ProviderEndpoint;
  /** Budget of one call when the catalog entry sets none. */
  timeoutMs: number;
  maxRetries: number;
  /** Injected for tests and the bench; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** The call budget of `model`: its catalog timeout, else the runtime's default. */
export const callTimeoutMs = (model: Model, defaultMs: number): number => model.call?.timeoutMs ?? defaultMs;

/** The AI SDK language model for a catalog entry on its configured endpoint. */
export function languageModel(model: Model, options: LlmEngineOptions, fetchImpl?: typeof fetch): LanguageModel {
  const { baseURL, apiKey } = options.endpoint;
  const common = { baseURL, apiKey: apiKey ?? "", fetch: fetchImpl ?? options.fetch };
  switch (model.provider) {
    case "openai":
      // `.chat`: Chat Completions (every OpenAI-compatible server implements it), not the Responses API.
      return createOpenAI(common).chat(model.providerModelId);
    case "anthropic":
      return createAnthropic(common)(model.providerModelId);
    case "openai-compatible":
      return createOpenAICompatible({ name: "openai-compatible", ...common, supportsStructuredOutputs: true }).chatModel(
        model.providerModelId,
      );
    default:
      throw new Error(`model ${model.id} has no AI SDK provider (${model.provider})`);
  }
}

/** The provider options of one call: strict JSON schema, reasoning effort, forced-tool structured output. */
export function providerOptionsFor(model: Model, strictJsonSchema: boolean) {
  const effort = model.call?.reasoningEffort;
  return {
    // `forceReasoning`: the request is shaped as a reasoning model's (max_completion_tokens, developer
    // message) even for a model id the SDK does not recognise.
    openai: { strictJsonSchema, ...(effort ? { reasoningEffort: effort, forceReasoning: true } : {}) },
    openaiCompatible: { strictJsonSchema, ...(effort ? { reasoningEffort: effort } : {}) },
    anthropic: { structuredOutputMode: "jsonTool" as const },
  };
}

const usageOf = (usage: { inputTokens?: number | undefined; outputTokens?: number | undefined } | undefined): EngineUsage => ({
  inputTokens: usage?.inputTokens ?? 0,
  outputTokens: usage?.outputTokens ?? 0,
});

/**
 * A fetch that reads the `usage` of every JSON response the provider sends (OpenAI `prompt_tokens`/
 * `completion_tokens`, Anthropic `input_tokens`/`output_tokens`), so a call that ends in a timeout or an
 * error still reports what was metered.
 */
function meteringFetch(inner: typeof fetch): { fetch: typeof fetch; metered: EngineUsage } {
  const metered: EngineUsage = { inputTokens: 0, outputTokens: 0 };
  const wrapped: typeof fetch = async (input, init) => {
    const response = await inner(input, init);
    if (response.ok && (response.headers.get("content-type") ?? "").includes("json")) {
      response
        .clone()
        .json()
        .then((body: unknown) => {
          const u = ((body as { usage?: Record<string, unknown> } | null)?.usage ?? {}) as Record<string, unknown>;
          const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
          metered.inputTokens += n(u.prompt_tokens) + n(u.input_tokens);
          metered.outputTokens += n(u.completion_tokens) + n(u.output_tokens);
        })
        .catch(() => undefined);
    }
    return response;
  };
  return { fetch: wrapped, metered };
}

function isAbort(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "AbortError" || error.name === "TimeoutError") return true;
  return RetryError.isInstance(error) && isAbort(error.lastError);
}

/** 429, 5xx and Anthropic's 529 (overloaded): worth another attempt later. */
function isTransientStatus(error: unknown): boolean {
  const last = RetryError.isInstance(error) ? error.lastError : error;
  if (!APICallError.isInstance(last)) return false;
  const status = last.statusCode ?? 0;
  return status === 429 || status >= 500;
}

function describeError(error: unknown): string {
  if (RetryError.isInstance(error)) return `${error.message} (last: ${describeError(error.lastError)})`;
  if (APICallError.isInstance(error)) return `HTTP ${error.statusCode ?? "?"}: ${(error.responseBody ?? error.message).slice(0, 500)}`;
  return error instanceof Error ? error.message : String(error);
}

const TRUNCATING: ReadonlySet<FinishReason | undefined> = new Set(["length", "other"]);

interface Failed {
  failure: EngineFailure;
  text?: string;
  proposal?: unknown;
  usage: EngineUsage;
}

/** The failure of an answer that produced no usable object (`NoObjectGeneratedError` or no output at all). */
function unusableAnswer(text: string, finishReason: FinishReason | undefined, usage: EngineUsage, cause: unknown): Failed {
  if (finishReason === "content-filter")
    return { failure: { code: "refused", message: `the model refused: ${text.slice(0, 500)}` }, text, usage };
  if (TRUNCATING.has(finishReason)) {
    const message = `the answer stopped at finish reason ${finishReason} (output budget or provider cut-off) after ${usage.outputTokens} output tokens`;
    return { failure: { code: "truncated", message }, text, proposal: text, usage };
  }
  try {
    const parsed: unknown = JSON.parse(text);
    const issues = cause instanceof Error ? cause.message : "the answer does not match the schema";
    return { failure: { code: "schema_violation", message: issues.slice(0, 1000) }, text, proposal: parsed, usage };
  } catch {
    return { failure: { code: "malformed", message: `the answer is not JSON: ${text.slice(0, 200)}` }, text, proposal: text, usage };
  }
}

/** Maps a thrown SDK error to the failure the runtime records; `metered` is the usage seen on the wire. */
function failureOf(error: unknown, metered: EngineUsage): Failed {
  if (NoObjectGeneratedError.isInstance(error)) {
    const usage = error.usage ? usageOf(error.usage) : metered;
    return unusableAnswer(error.text ?? "", error.finishReason, usage, error.cause);
  }
  // No output at all (e.g. every output token went to reasoning): handled like an unusable object.
  if (NoOutputGeneratedError.isInstance(error)) return unusableAnswer("", undefined, metered, error);
  if (isAbort(error)) {
    return { failure: { code: "timeout", message: "the model call timed out or was aborted", transient: true }, usage: metered };
  }
  return { failure: { code: "error", message: describeError(error).slice(0, 1000), transient: isTransientStatus(error) }, usage: metered };
}

/**
 * A decision engine over `model` on its configured provider endpoint. `endpoint.strictJsonSchema` is the
 * provider's setting (on unless a server refuses strict mode).
 */
export function llmEngine(model: Model, options: LlmEngineOptions): DecisionEngine {
  const strict = options.endpoint.strictJsonSchema ?? true;
  return {
    id: model.id,
    async decide(_packet, prompt, signal): Promise<EngineResult> {
      const started = Date.now();
      const { fetch: metering, metered } = meteringFetch(options.fetch ?? ((input, init) => fetch(input, init)));
      const lm = languageModel(model, options, metering);
      const done = (f: Failed): EngineResult => ({
        proposal: f.proposal ?? null,
        usage: f.usage,
        engineMs: Date.now() - started,
        responseText: f.text,
        failure: f.failure,
      });
      try {
        const result = await generateText({
          model: lm,
          system: prompt.system,
          prompt: prompt.user,
          output: Output.object({
            schema: proposalOutputSchema,
            name: "decision_action",
            description: "One trading decision for the asset",
          }),
          maxOutputTokens: model.call?.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
          maxRetries: options.maxRetries,
          timeout: callTimeoutMs(model, options.timeoutMs),
          abortSignal: signal,
          providerOptions: providerOptionsFor(model, strict),
        });
        const usage = usageOf(result.totalUsage);
        if (result.finishReason === "content-filter" || (TRUNCATING.has(result.finishReason) && result.text.length === 0)) {
          return done(unusableAnswer(result.text, result.finishReason, usage, undefined));
        }
        let output: unknown;
        try {
          output = result.output;
        } catch (error) {
          if (!NoOutputGeneratedError.isInstance(error)) throw error;
          return done(unusableAnswer(result.text, result.finishReason, usage, error));
        }
        return { proposal: output, usage, engineMs: Date.now() - started, responseText: result.text };
      } catch (error) {
        // Let the body reads started by the metering fetch settle (they are microtasks on a read body).
        await new Promise((r) => setTimeout(r, 0));
        return done(failureOf(error, { ...metered }));
      }
    },
  };
}
