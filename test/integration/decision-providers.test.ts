/**
 * Real provider behaviour the AI SDK engine must survive (issue 23, items 6 and 7), against the LLM
 * stand-in, which enforces OpenAI's strict structured-output rules the way OpenAI does (400
 * `invalid_request_error`): strict JSON schema on OpenAI and OpenAI-compatible servers, a per-provider
 * switch for a server that refuses strict mode, the catalog's reasoning call settings on the wire, an
 * answer cut off at the output budget recorded as `truncated` with its usage, no output at all handled
 * like an unusable object, and transient failures (429, 529) marked for a retry on the queue.
 */
import { describe, expect, inject, it } from "vitest";
import { type DecisionPacket, toDecisionAction } from "../../src/domains/decision/decision.model";
import { llmEngine } from "../../src/domains/decision/engines";
import { proposalJsonSchema } from "../../src/domains/decision/proposal.contract";
import type { Model } from "../../src/domains/strategy";
import { emptyAccountSummary } from "../../src/domains/trading";
import { catalogWithScenarios } from "../support/decision-ports";

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

const modelOf = (id: string): Model => {
  const m = catalogWithScenarios(id);
  if (!m) throw new Error(id);
  return m;
};

async function decide(id: string, options: { strict?: boolean; maxRetries?: number; timeoutMs?: number } = {}) {
  const engine = llmEngine(modelOf(id), {
    endpoint: { baseURL, apiKey: "test-key", strictJsonSchema: options.strict },
    timeoutMs: options.timeoutMs ?? 10_000,
    maxRetries: options.maxRetries ?? 0,
  });
  return engine.decide(packet, prompt, new AbortController().signal);
}

type Sent = { path: string; body: Record<string, unknown> & { response_format?: { json_schema: Record<string, unknown> } } };
async function requestsFor(providerModelId: string): Promise<Sent[]> {
  const res = await fetch(`${baseURL.replace(/\/v1$/, "")}/__requests?model=${encodeURIComponent(providerModelId)}`);
  return (await res.json()) as Sent[];
}

describe("strict JSON schema everywhere", () => {
  it.each(["openai", "openai-compatible"])(
    "%s: sends strict: true with every property required and additionalProperties false, and the strict server accepts it",
    async (provider) => {
      const scenario = `valid:BTC:strict-${provider}`;
      const result = await decide(`test-${provider}-${scenario}`);
      expect(result.failure).toBeUndefined();
      expect(toDecisionAction(result.proposal, stamp)).toMatchObject({ ok: true, action: { action: "open_long", sizeUsd: "200" } });
      const [sent] = await requestsFor(scenario);
      const format = sent?.body.response_format?.json_schema as { strict: boolean; schema: Record<string, unknown> };
      expect(format.strict).toBe(true);
      expect(format.schema.additionalProperties).toBe(false);
      expect([...(format.schema.required as string[])].sort()).toEqual(Object.keys(format.schema.properties as object).sort());
      // `reason` first, so the model reasons before it decides; the wire schema is the one the prompt shows.
      expect(Object.keys(format.schema.properties as object)[0]).toBe("reason");
      const { $schema: _ignored, ...shown } = proposalJsonSchema() as Record<string, unknown>;
      expect(format.schema).toMatchObject(shown);
    },
  );

  it("the strict-enforcing server answers 400 like OpenAI when a strict schema leaves a property out of required", async () => {
    const send = (schema: unknown) =>
      fetch(`${baseURL}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer k" },
        body: JSON.stringify({
          model: "valid:BTC:strict-raw",
          messages: [{ role: "user", content: "x" }],
          response_format: { type: "json_schema", json_schema: { name: "decision_action", strict: true, schema } },
        }),
      });
    const optional = await send({
      type: "object",
      properties: { reason: { type: "string" }, sizeUsd: { type: "string" } },
      required: ["reason"],
      additionalProperties: false,
    });
    expect(optional.status).toBe(400);
    expect(await optional.json()).toEqual({
      error: {
        message:
          "Invalid schema for response_format 'decision_action': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'sizeUsd'.",
        type: "invalid_request_error",
        param: "response_format",
        code: null,
      },
    });
    const open = await send({ type: "object", properties: { reason: { type: "string" } }, required: ["reason"] });
    expect(open.status).toBe(400);
    expect(((await open.json()) as { error: { message: string } }).error.message).toContain(
      "'additionalProperties' is required to be supplied and to be false",
    );
  });

  it("a server that refuses strict mode: the provider's strict setting off sends strict: false and decides", async () => {
    const refused = await decide("test-openai-compatible-nostrict:BTC:on");
    expect(refused.failure).toMatchObject({ code: "error" });
    expect(refused.failure?.transient).toBeFalsy();
    const relaxed = await decide("test-openai-compatible-nostrict:BTC:off", { strict: false });
    expect(relaxed.failure).toBeUndefined();
    const [sent] = await requestsFor("nostrict:BTC:off");
    expect(sent?.body.response_format?.json_schema.strict).toBe(false);
  });
});

describe("reasoning models", () => {
  it("catalog call settings go on the wire: reasoning_effort and the output budget as max_completion_tokens", async () => {
    const result = await decide("test-openai-reasoning-valid:BTC:reasoning-wire");
    expect(result.failure).toBeUndefined();
    const [sent] = await requestsFor("valid:BTC:reasoning-wire");
    expect(sent?.body).toMatchObject({ reasoning_effort: "low", max_completion_tokens: 4_096 });
    expect(sent?.body.max_tokens).toBeUndefined();
  });

  it.each(["openai", "openai-compatible", "anthropic"])(
    "%s: an answer truncated at the output budget is `truncated` with its token usage",
    async (provider) => {
      const result = await decide(`test-${provider}-reasoning-truncated:BTC:${provider}`);
      expect(result.failure?.code).toBe("truncated");
      expect(result.failure?.transient).toBeFalsy();
      expect(result.usage.inputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBe(4_096);
    },
  );

  it("no output at all (NoOutputGeneratedError) is handled like an unusable object, with its usage", async () => {
    const result = await decide("test-openai-nooutput:BTC:engine");
    expect(result.failure?.code).toBe("malformed");
    expect(result.usage.inputTokens).toBeGreaterThan(0);
  });
});

describe("transient provider failures", () => {
  it.each([
    ["openai", "ratelimit"],
    ["anthropic", "ratelimit"],
    ["anthropic", "overloaded"],
    ["openai", "overloaded"],
  ])("%s %s without SDK retries left is a transient error (the queue retries it)", async (provider, scenario) => {
    const result = await decide(`test-${provider}-${scenario}:BTC:transient-${provider}`);
    expect(result.failure).toMatchObject({ code: "error", transient: true });
  });

  it("a timeout is transient", async () => {
    const result = await decide("test-openai-timeout:BTC:transient", { timeoutMs: 300 });
    expect(result.failure).toMatchObject({ code: "timeout", transient: true });
  });
});
