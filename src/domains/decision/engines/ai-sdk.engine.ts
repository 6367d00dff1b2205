/**
 * Real models through the Vercel AI SDK. One adapter for every provider: OpenAI (Chat Completions at
 * `{OPENAI_BASE_URL}/chat/completions`, `response_format: json_schema`), Anthropic (Messages with a
 * forced tool whose input schema is the proposal: "tool use" structured output) and any OpenAI-compatible
 * server. The structured output schema is `ModelProposalSchema` (the `DecisionAction` fields a model owns).
 *
 * Failure policy: this adapter never throws for a bad answer. A timeout (the whole budget, retries
 * included), a refusal, unparseable JSON, a schema violation or a provider error comes back as
 * `failure` with whatever usage was metered; the runtime records it and sends a hold. Retries are the
 * SDK's: bounded by `maxRetries`, exponential backoff, and `Retry-After`/`retry-after-ms` honoured when
 * the server sends it (under 60 s).
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { APICallError, generateText, type LanguageModel, NoObjectGeneratedError, Output, RetryError } from "ai";
import type { Model } from "../../strategy";
import type { ProviderEndpoint } from "../decision.config";
import type { DecisionEngine, EngineFailureCode, EngineResult, EngineUsage } from "../decision.model";
import { ModelProposalSchema } from "../decision.model";

export interface LlmEngineOptions {
  endpoint: ProviderEndpoint;
  timeoutMs: number;
  maxRetries: number;
  /** Injected for tests and the bench; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** The AI SDK language model for a catalog entry on its configured endpoint. */
export function languageModel(model: Model, options: LlmEngineOptions): LanguageModel {
  const { baseURL, apiKey } = options.endpoint;
  const common = { baseURL, apiKey: apiKey ?? "", fetch: options.fetch };
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

const usageOf = (usage: { inputTokens?: number | undefined; outputTokens?: number | undefined } | undefined): EngineUsage => ({
  inputTokens: usage?.inputTokens ?? 0,
  outputTokens: usage?.outputTokens ?? 0,
});

function isAbort(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "AbortError" || error.name === "TimeoutError") return true;
  return RetryError.isInstance(error) && isAbort(error.lastError);
}

function describeError(error: unknown): string {
  if (RetryError.isInstance(error)) return `${error.message} (last: ${describeError(error.lastError)})`;
  if (APICallError.isInstance(error)) return `HTTP ${error.statusCode ?? "?"}: ${(error.responseBody ?? error.message).slice(0, 500)}`;
  return error instanceof Error ? error.message : String(error);
}

/** Maps a thrown SDK error to the failure the runtime records (and the answer text, when there was one). */
function failureOf(error: unknown): { code: EngineFailureCode; message: string; text?: string; proposal?: unknown; usage: EngineUsage } {
  if (NoObjectGeneratedError.isInstance(error)) {
    const usage = usageOf(error.usage);
    const text = error.text ?? "";
    if (error.finishReason === "content-filter")
      return { code: "refused", message: `the model refused: ${text.slice(0, 500)}`, text, usage };
    try {
      const parsed: unknown = JSON.parse(text);
      const issues = error.cause instanceof Error ? error.cause.message : "the answer does not match the schema";
      return { code: "schema_violation", message: issues.slice(0, 1000), text, proposal: parsed, usage };
    } catch {
      return { code: "malformed", message: `the answer is not JSON: ${text.slice(0, 200)}`, text, proposal: text, usage };
    }
  }
  if (isAbort(error)) return { code: "timeout", message: "the model call timed out or was aborted", usage: usageOf(undefined) };
  return { code: "error", message: describeError(error).slice(0, 1000), usage: usageOf(undefined) };
}

/** A decision engine over `model` on its configured provider endpoint. */
export function llmEngine(model: Model, options: LlmEngineOptions): DecisionEngine {
  const lm = languageModel(model, options);
  return {
    id: model.id,
    async decide(_packet, prompt, signal): Promise<EngineResult> {
      const started = Date.now();
      try {
        const result = await generateText({
          model: lm,
          system: prompt.system,
          prompt: prompt.user,
          output: Output.object({
            schema: ModelProposalSchema,
            name: "decision_action",
            description: "One trading decision for the asset",
          }),
          // A decision is a small JSON object; a cap keeps a runaway answer cheap.
          maxOutputTokens: 1024,
          maxRetries: options.maxRetries,
          timeout: options.timeoutMs,
          abortSignal: signal,
          providerOptions: {
            // Optional fields are part of the contract, which OpenAI's strict mode cannot express.
            openai: { strictJsonSchema: false },
            anthropic: { structuredOutputMode: "jsonTool" },
          },
        });
        if (result.finishReason === "content-filter") {
          return {
            proposal: result.text,
            usage: usageOf(result.usage),
            engineMs: Date.now() - started,
            responseText: result.text,
            failure: { code: "refused", message: `the model refused: ${result.text.slice(0, 500)}` },
          };
        }
        return { proposal: result.output, usage: usageOf(result.totalUsage), engineMs: Date.now() - started, responseText: result.text };
      } catch (error) {
        const failure = failureOf(error);
        return {
          proposal: failure.proposal ?? null,
          usage: failure.usage,
          engineMs: Date.now() - started,
          responseText: failure.text,
          failure: { code: failure.code, message: failure.message },
        };
      }
    },
  };
}
