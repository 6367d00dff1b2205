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
 *   timeout     the request hangs for `hangMs`
 *   slow<ms>    a valid answer after <ms> milliseconds (bench: a model with a known latency)
 * `GET /__requests?model=<model>` lists the bodies received for that model (tests assert the wire shape).
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

type Wire = "openai" | "anthropic";

function decision(scenario: string, symbol: string): { kind: "json"; value: unknown } | { kind: "text"; value: string } {
  const action = { symbol, action: "open_long", sizeUsd: "200", leverage: 2, confidence: 0.7, reason: "stand-in: momentum is up" };
  if (scenario === "leverage100") return { kind: "json", value: { ...action, leverage: 100, reason: "stand-in: all in" } };
  if (scenario === "schema") return { kind: "json", value: { symbol, action: "buy_everything", confidence: 2, reason: 42 } };
  if (scenario === "malformed") return { kind: "text", value: `{"symbol":"${symbol}","action":"open_long","sizeUsd":"2` };
  return { kind: "json", value: action };
}

function openaiAnswer(scenario: string, symbol: string): unknown {
  const body = structuredClone(OPENAI_OK) as { choices: Array<{ message: Record<string, unknown>; finish_reason: string }> };
  const message = body.choices[0]?.message ?? {};
  if (scenario === "refusal") {
    message.content = null;
    message.refusal = "I'm sorry, I can't help with trading decisions.";
    return body;
  }
  const d = decision(scenario, symbol);
  message.content = d.kind === "json" ? JSON.stringify(d.value) : d.value;
  return body;
}

function anthropicAnswer(
  scenario: string,
  symbol: string,
  request: { tools?: Array<{ name: string }>; tool_choice?: { name?: string } },
): unknown {
  const body = structuredClone(ANTHROPIC_OK) as { content: Array<Record<string, unknown>>; stop_reason: string };
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
    let body: { model?: string; tools?: Array<{ name: string }>; tool_choice?: { name?: string } };
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
    if (scenario === "ratelimit" && hit === 1) {
      return send(res, 429, wire === "openai" ? OPENROUTER_429.body : ANTHROPIC_429, { "retry-after": "1" });
    }
    const slow = /^slow(\d+)$/.exec(scenario);
    const delayMs = slow ? Number(slow[1]) : (options.delayMs ?? 0);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const effective = scenario === "ratelimit" || slow ? "valid" : scenario;
    return send(res, 200, wire === "openai" ? openaiAnswer(effective, symbol) : anthropicAnswer(effective, symbol, body));
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
