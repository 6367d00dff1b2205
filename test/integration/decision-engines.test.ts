/**
 * The AI SDK engine against local servers speaking the real wire protocols (src/cli/stand-ins/
 * llm.stand-in.ts, answers built from the recordings in test/fixtures/llm): OpenAI Chat Completions with
 * `json_schema` output and Anthropic Messages with tool use. Each case ends in a validated action or in
 * a failure the runtime turns into a hold, with usage metered; the request on the wire is checked too.
 */
import { describe, expect, inject, it } from "vitest";
import { type DecisionPacket, holdAction, toDecisionAction } from "../../src/domains/decision/decision.model";
import { llmEngine } from "../../src/domains/decision/engines";
import type { Model } from "../../src/domains/strategy";
import { emptyAccountSummary } from "../../src/domains/trading";

const baseURL = inject("llmBaseUrl");
const T = Date.UTC(2026, 10, 29, 12, 0, 0);

const packet: DecisionPacket = {
  hash: "sha256:test",
  cloneId: "clone_1",
  strategyId: "prompt-1",
  symbol: "BTC",
  asOfMs: T,
  account: emptyAccountSummary({ accountId: "acct_1", cloneId: "clone_1", asOfMs: T, startingBalanceMicroUsd: 10_000_000_000 }),
  venue: { szDecimals: 5, maxLeverage: 40, minNotionalUsd: 10 },
  indicators: null,
  body: {},
};
const prompt = { system: "You are a careful trader. Answer with one decision.", user: "Decide BTC now." };
const stamp = { runId: "run_1", symbol: "BTC", slotMs: T, decidedAtMs: T };

const model = (provider: "openai" | "anthropic", scenario: string): Model => ({
  id: `${provider}-test`,
  name: "test",
  provider,
  strength: 1,
  engine: "llm",
  providerModelId: scenario,
  pricing: { inputMicroUsdPerMTok: 1_000_000, outputMicroUsdPerMTok: 2_000_000 },
});

async function decide(provider: "openai" | "anthropic", scenario: string, timeoutMs = 10_000) {
  const engine = llmEngine(model(provider, scenario), { endpoint: { baseURL, apiKey: "test-key" }, timeoutMs, maxRetries: 2 });
  return engine.decide(packet, prompt, new AbortController().signal);
}

async function requestsFor(modelId: string) {
  const res = await fetch(`${baseURL.replace(/\/v1$/, "")}/__requests?model=${encodeURIComponent(modelId)}`);
  return (await res.json()) as Array<{ path: string; headers: Record<string, string>; body: Record<string, unknown> }>;
}

describe.each(["openai", "anthropic"] as const)("%s wire protocol", (provider) => {
  const tag = (s: string) => `${s}:BTC:${provider}`;

  it("turns a valid answer into a validated action, with usage from the response", async () => {
    const result = await decide(provider, tag("valid"));
    expect(result.failure).toBeUndefined();
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    const checked = toDecisionAction(result.proposal, stamp);
    expect(checked).toMatchObject({
      ok: true,
      action: { symbol: "BTC", action: "open_long", sizeUsd: "200", leverage: 2, actionId: "act_run_1" },
    });

    const [sent] = await requestsFor(tag("valid"));
    if (provider === "openai") {
      expect(sent?.path).toBe("/v1/chat/completions");
      expect(sent?.headers.authorization).toBe("Bearer test-key");
      expect(sent?.body.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "decision_action" } });
      const schema = (sent?.body.response_format as { json_schema: { schema: { properties: object } } } | undefined)?.json_schema
        .schema ?? { properties: {} };
      expect(Object.keys(schema.properties)).toEqual(
        expect.arrayContaining(["symbol", "action", "sizeUsd", "leverage", "confidence", "reason"]),
      );
    } else {
      expect(sent?.path).toBe("/v1/messages");
      expect(sent?.headers["x-api-key"]).toBe("test-key");
      const tools = sent?.body.tools as Array<{ name: string; input_schema: { properties: object } }>;
      expect(tools).toHaveLength(1);
      expect(Object.keys(tools[0]?.input_schema.properties ?? {})).toContain("action");
      // Forced tool use: with one tool, `any` means that tool.
      expect(sent?.body.tool_choice).toMatchObject({ type: "any" });
    }
  });

  it("reports malformed JSON as `malformed` (the runtime holds), keeping the raw text and usage", async () => {
    const result = await decide(provider, tag("malformed"));
    expect(result.failure?.code).toBe("malformed");
    expect(result.responseText).toContain('"action":"open_long"');
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(holdAction(stamp, result.failure?.message ?? "")).toMatchObject({ action: "hold", actionId: "act_run_1" });
  });

  it("reports a schema-violating action as `schema_violation` with the parsed proposal", async () => {
    const result = await decide(provider, tag("schema"));
    expect(result.failure?.code).toBe("schema_violation");
    expect(result.proposal).toMatchObject({ action: "buy_everything" });
    expect(toDecisionAction(result.proposal, stamp).ok).toBe(false);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
  });

  it("passes leverage 100 through validation unchanged: the venue limit is the intake gate's job", async () => {
    const result = await decide(provider, tag("leverage100"));
    expect(result.failure).toBeUndefined();
    expect(toDecisionAction(result.proposal, stamp)).toMatchObject({ ok: true, action: { leverage: 100 } });
  });

  it("reports a refusal as `refused`", async () => {
    const result = await decide(provider, tag("refusal"));
    expect(result.failure?.code).toBe("refused");
  });

  it("retries a 429 after its Retry-After (1 s), then succeeds", async () => {
    const started = Date.now();
    const result = await decide(provider, tag("ratelimit"));
    const elapsed = Date.now() - started;
    expect(result.failure).toBeUndefined();
    expect(toDecisionAction(result.proposal, stamp).ok).toBe(true);
    expect(await requestsFor(tag("ratelimit"))).toHaveLength(2);
    // Retry-After is 1 s; the SDK's own first backoff would be 2 s.
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(2000);
  });

  it("gives up at the timeout and reports `timeout` with zero usage", async () => {
    const started = Date.now();
    const result = await decide(provider, tag("timeout"), 400);
    expect(result.failure?.code).toBe("timeout");
    expect(result.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("stops when the caller aborts", async () => {
    const controller = new AbortController();
    const engine = llmEngine(model(provider, tag("timeout")), { endpoint: { baseURL, apiKey: "k" }, timeoutMs: 10_000, maxRetries: 2 });
    const pending = engine.decide(packet, prompt, controller.signal);
    setTimeout(() => controller.abort(), 100);
    expect((await pending).failure?.code).toBe("timeout");
  });
});
