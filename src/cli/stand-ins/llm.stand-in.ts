/**
 * A local stand-in for model providers, speaking the real wire protocols: OpenAI Chat Completions
 * (`POST /v1/chat/completions`, structured output through `response_format: json_schema`) and Anthropic
 * Messages (`POST /v1/messages`, structured output through a forced `tool_use`). Answers are the
 * recorded responses in test/fixtures/llm (see its ORIGIN.md) with the decision swapped in; what is
 * derived rather than recorded is listed there.
 *
 * The request's `model` picks the scenario, `<scenario>[:<SYMBOL>][:<tag>]` (the tag only makes a
 * per-test counter unique):
 *   valid       a valid open_long for SYMBOL (default BTC)
 *   leverage100 the same with leverage 100 (a venue limit breach the intake must deny)
 *   malformed   a cut-off JSON answer
 *   schema      well-formed JSON that violates the action schema
 *   refusal     a refusal (OpenAI `message.refusal`; Anthropic `stop_reason: "refusal"`)
 *   ratelimit   the first request per model string gets 429 with `retry-after: 1`, the next a valid answer
 *   ratelimit<n> the first n requests get 429 (`retry-after: 1`), then valid answers
 *   overloaded  the first request gets Anthropic's 529 `overloaded_error` (OpenAI wire: 503), then valid
 *   truncated   a reasoning model that spent its whole output budget: `finish_reason: "length"` (Anthropic
 *               `stop_reason: "max_tokens"`), no content, usage = the request's output budget
 *   nooutput    (OpenAI wire) no content and no tool call, `finish_reason: "tool_calls"`: nothing to parse
 *   nostrict    a server that refuses strict mode: 400 when `strict: true` is sent, else a valid answer
 *   timeout     the request hangs for `hangMs`
 *   slow<ms>    a valid answer after <ms> milliseconds (bench: a model with a known latency)
 * `GET /__requests?model=<model>` lists the bodies received for that model (tests assert the wire shape).
 *
 * Strict mode is enforced like OpenAI enforces it: a Chat Completions request whose `response_format`
 * (or a function tool) says `strict: true` gets OpenAI's 400 `invalid_request_error` when any object
 * of its schema leaves a property out of `required` or has `additionalProperties` other than false.
 * Callers: test/global-setup.ts, test/bench/decision.bench.ts.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

const FIXTURES = new URL("../../../test/fixtures/llm/", import.meta.url);
const load = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8"));

const OPENAI_OK = load("openai_chat_completion_json_schema.json");
const ANTHROPIC_OK = load("anthropic_messages_tool_use.json");
const OPENROUTER_429 = load("openrouter_429.json") as { status: number; body: unknown };
/** Body of anthropics/claude-code issue #45257 (fixtures/llm/issue-reports), body only. */
const ANTHROPIC_429 = {
  type: "error",
  error: { type: "rate_limit_error", message: "This request would exceed your account's rate limit. Please try again later." },
  request_id: "req_011CZrU3xcqt5z3XzEkovTus",
};

/** Body of anthropics/claude-code issue #35792 (fixtures/llm/issue-reports): HTTP 529, overloaded. */
const ANTHROPIC_529 = {
  type: "error",
  error: { type: "overloaded_error", message: "Overloaded" },
  request_id: "req_011CZAau32QzxDkriovTaFCB",
};
/** OpenAI's documented 503 body shape (derived: no recording; see test/fixtures/llm/ORIGIN.md). */
const OPENAI_503 = { error: { message: "The server is overloaded or not ready yet.", type: "server_error", param: null, code: null } };

type Wire = "openai" | "anthropic";

/** Python's repr of a tuple of strings, as OpenAI's schema errors print the path: `()`, `('items',)`. */
const pythonTuple = (path: readonly string[]): string =>
  path.length === 1 ? `('${path[0]}',)` : `(${path.map((p) => `'${p}'`).join(", ")})`;

/**
 * The first strict-mode rule `schema` breaks, worded as OpenAI words it, or undefined. Checked: every
 * object has `additionalProperties: false` and lists every property in `required`; recursion into
 * properties, items, anyOf and definitions.
 */
export function strictSchemaViolation(schema: unknown, path: string[] = []): string | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  const node = schema as Record<string, unknown>;
  const properties = node.properties as Record<string, unknown> | undefined;
  if (node.type === "object" || properties !== undefined) {
    if (node.additionalProperties !== false)
      return `In context=${pythonTuple(path)}, 'additionalProperties' is required to be supplied and to be false.`;
    const required = Array.isArray(node.required) ? (node.required as unknown[]) : [];
    const missing = Object.keys(properties ?? {}).find((key) => !required.includes(key));
    if (missing !== undefined)
      return `In context=${pythonTuple(path)}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
  }
  for (const [key, child] of Object.entries(properties ?? {})) {
    const found = strictSchemaViolation(child, [...path, "properties", key]);
    if (found) return found;
  }
  if (node.items !== undefined) {
    const found = strictSchemaViolation(node.items, [...path, "items"]);
    if (found) return found;
  }
  for (const keyword of ["anyOf", "allOf"] as const) {
    const branches = Array.isArray(node[keyword]) ? (node[keyword] as unknown[]) : [];
    for (const [i, child] of branches.entries()) {
      const found = strictSchemaViolation(child, [...path, keyword, String(i)]);
      if (found) return found;
    }
  }
  for (const keyword of ["$defs", "definitions"] as const) {
    for (const [key, child] of Object.entries((node[keyword] as Record<string, unknown> | undefined) ?? {})) {
      const found = strictSchemaViolation(child, [...path, keyword, key]);
      if (found) return found;
    }
  }
  return undefined;
}

interface OpenAiRequest {
  response_format?: { type?: string; json_schema?: { name?: string; strict?: boolean; schema?: unknown } };
  tools?: Array<{ type?: string; function?: { name?: string; strict?: boolean; parameters?: unknown } }>;
}

/** OpenAI's 400 body for a strict schema it refuses (invalid_request_error), or undefined. */
function strictModeError(body: OpenAiRequest): { error: Record<string, unknown> } | undefined {
  const format = body.response_format?.json_schema;
  if (body.response_format?.type === "json_schema" && format?.strict === true) {
    const violation = strictSchemaViolation(format.schema);
    if (violation) {
      const message = `Invalid schema for response_format '${format.name ?? "response"}': ${violation}`;
      return { error: { message, type: "invalid_request_error", param: "response_format", code: null } };
    }
  }
  for (const [i, tool] of (body.tools ?? []).entries()) {
    if (tool.function?.strict !== true) continue;
    const violation = strictSchemaViolation(tool.function.parameters);
    if (violation) {
      const message = `Invalid schema for function '${tool.function.name ?? "?"}': ${violation}`;
      return { error: { message, type: "invalid_request_error", param: `tools[${i}].function.parameters`, code: null } };
    }
  }
  return undefined;
}

const sendsStrict = (body: OpenAiRequest): boolean =>
  body.response_format?.json_schema?.strict === true || (body.tools ?? []).some((t) => t.function?.strict === true);

function decision(scenario: string, symbol: string): { kind: "json"; value: unknown } | { kind: "text"; value: string } {
  // Every property present (strict mode's shape): `null` for what the decision leaves out.
  const action = {
    reason: "stand-in: momentum is up",
    symbol,
    action: "open_long",
    sizeUsd: "200",
    leverage: 2,
    stopLossPx: null,
    takeProfitPx: null,
    invalidationCondition: "stand-in: a 1h close below the 1h EMA20",
    confidence: 0.7,
  };
  if (scenario === "leverage100") return { kind: "json", value: { ...action, leverage: 100, reason: "stand-in: all in" } };
  if (scenario === "schema") return { kind: "json", value: { symbol, action: "buy_everything", confidence: 2, reason: 42 } };
  if (scenario === "malformed") return { kind: "text", value: `{"symbol":"${symbol}","action":"open_long","sizeUsd":"2` };
  return { kind: "json", value: action };
}

/** The output budget a request asked for (what a truncated answer used up). */
const budgetOf = (request: { max_completion_tokens?: number; max_tokens?: number }): number =>
  request.max_completion_tokens ?? request.max_tokens ?? 1024;

function openaiAnswer(scenario: string, symbol: string, request: { max_completion_tokens?: number; max_tokens?: number } = {}): unknown {
  const body = structuredClone(OPENAI_OK) as {
    choices: Array<{ message: Record<string, unknown>; finish_reason: string }>;
    usage: { completion_tokens: number; total_tokens: number; prompt_tokens: number; completion_tokens_details: Record<string, number> };
  };
  const choice = body.choices[0];
  const message = choice?.message ?? {};
  if (scenario === "truncated" && choice) {
    // Every output token went to hidden reasoning: no content, finish_reason length.
    const budget = budgetOf(request);
    message.content = "";
    choice.finish_reason = "length";
    body.usage.completion_tokens = budget;
    body.usage.completion_tokens_details.reasoning_tokens = budget;
    body.usage.total_tokens = body.usage.prompt_tokens + budget;
    return body;
  }
  if (scenario === "refusal") {
    message.content = null;
    message.refusal = "I'm sorry, I can't help with trading decisions.";
    return body;
  }
  if (scenario === "nooutput" && choice) {
    // No content and no tool call, finish_reason tool_calls: the SDK has no output to parse.
    message.content = null;
    choice.finish_reason = "tool_calls";
    return body;
  }
  const d = decision(scenario, symbol);
  message.content = d.kind === "json" ? JSON.stringify(d.value) : d.value;
  return body;
}

function anthropicAnswer(
  scenario: string,
  symbol: string,
  request: { tools?: Array<{ name: string }>; tool_choice?: { name?: string }; max_tokens?: number },
): unknown {
  const body = structuredClone(ANTHROPIC_OK) as {
    content: Array<Record<string, unknown>>;
    stop_reason: string;
    usage: { output_tokens: number };
  };
  if (scenario === "truncated") {
    body.content = [{ type: "text", text: `{"reason":"the trend is` }];
    body.stop_reason = "max_tokens";
    body.usage.output_tokens = budgetOf(request);
    return body;
  }
  if (scenario === "refusal") {
    body.content = [{ type: "text", text: "I can't help with that." }];
    body.stop_reason = "refusal";
    return body;
  }
  const d = decision(scenario, symbol);
  if (d.kind === "text") {
    body.content = [{ type: "text", text: d.value }];
    body.stop_reason = "end_turn";
    return body;
  }
  const block = body.content[0] ?? {};
  block.name = request.tool_choice?.name ?? request.tools?.at(-1)?.name ?? "json";
  block.input = d.value;
  body.content = [block];
  return body;
}

export interface LlmStandIn {
  /** Base URL including `/v1` (what OPENAI_BASE_URL / ANTHROPIC_BASE_URL take). */
  baseUrl: string;
  stop(): Promise<void>;
}

/** `delayMs`: every answer waits this long first (the bench's model with a known latency). */
export async function startLlmStandIn(options: { hangMs?: number; delayMs?: number } = {}): Promise<LlmStandIn> {
  const hangMs = options.hangMs ?? 30_000;
  const seen = new Map<string, unknown[]>();
  const hits = new Map<string, number>();
  const hanging = new Set<ServerResponse>();

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    if (req.method === "GET" && url.pathname === "/__requests") return send(res, 200, seen.get(url.searchParams.get("model") ?? "") ?? []);
    const wire: Wire | undefined =
      url.pathname === "/v1/chat/completions" ? "openai" : url.pathname === "/v1/messages" ? "anthropic" : undefined;
    if (req.method !== "POST" || !wire)
      return send(res, 404, { error: { message: `llm stand-in: no route ${req.method} ${url.pathname}` } });
    let body: {
      model?: string;
      tools?: Array<{ name: string }>;
      tool_choice?: { name?: string };
      max_tokens?: number;
      max_completion_tokens?: number;
    } & OpenAiRequest;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, { error: { message: "body is not JSON" } });
    }
    const model = body.model ?? "valid";
    seen.set(model, [...(seen.get(model) ?? []), { path: url.pathname, headers: req.headers, body }]);
    const [scenario = "valid", symbol = "BTC"] = model.split(":");
    const hit = (hits.get(model) ?? 0) + 1;
    hits.set(model, hit);

    if (scenario === "timeout") {
      hanging.add(res);
      setTimeout(() => {
        hanging.delete(res);
        send(res, 504, {});
      }, hangMs).unref();
      return;
    }
    if (wire === "openai") {
      if (scenario === "nostrict" && sendsStrict(body)) {
        const message = "strict mode is not supported by this server";
        return send(res, 400, { error: { message, type: "invalid_request_error", param: "response_format", code: null } });
      }
      const refused = strictModeError(body);
      if (refused) return send(res, 400, refused);
    }
    const limited = /^ratelimit(\d*)$/.exec(scenario);
    if (limited && hit <= Number(limited[1] || 1)) {
      return send(res, 429, wire === "openai" ? OPENROUTER_429.body : ANTHROPIC_429, { "retry-after": "1" });
    }
    if (scenario === "overloaded" && hit === 1) {
      return wire === "anthropic" ? send(res, 529, ANTHROPIC_529) : send(res, 503, OPENAI_503);
    }
    const slow = /^slow(\d+)$/.exec(scenario);
    const delayMs = slow ? Number(slow[1]) : (options.delayMs ?? 0);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const effective = limited || slow || scenario === "overloaded" || scenario === "nostrict" ? "valid" : scenario;
    return send(res, 200, wire === "openai" ? openaiAnswer(effective, symbol, body) : anthropicAnswer(effective, symbol, body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
