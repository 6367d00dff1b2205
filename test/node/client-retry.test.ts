/**
 * The typed client (client/src/index.ts) against a local HTTP server that answers like the API's rate
 * limiter: bearer auth on every attempt, 429 retried after `Retry-After` (seconds and HTTP date) with
 * the request body replayed, giving up after `maxRetries` or when the wait exceeds `maxRetryDelayMs`,
 * and `unwrap` turning the error envelope into an ArenaApiError. Sleeps are recorded, not waited.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ArenaApiError, type ArenaClientOptions, createArenaClient, retryAfterMs, unwrap } from "../../client/src/index";

let server: Server;
let baseUrl = "";
/** Answers still to give 429 before a 200, and the Retry-After header they carry. */
let limited = 0;
let retryAfter: string | null = "2";
const seen: Array<{ method: string; url: string; auth: string | undefined; body: string }> = [];

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    seen.push({ method: req.method ?? "", url: req.url ?? "", auth: req.headers.authorization, body });
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(value));
    };
    if (limited > 0) {
      limited--;
      return json(
        429,
        { error: { code: "rate_limited", message: "slow down", requestId: "r1" } },
        retryAfter ? { "retry-after": retryAfter } : {},
      );
    }
    if (req.url === "/api/v1/clones" && req.method === "POST") {
      const input = JSON.parse(body) as { name: string; modelId: string };
      return json(201, { id: "c1", ownerId: "u", ...input, tradingEnabled: false, pipelineVersion: 0, createdAtMs: 1, updatedAtMs: 1 });
    }
    return json(404, { error: { code: "not_found", message: "clone not found", requestId: "r2" } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
  limited = 0;
  retryAfter = "2";
});

const client = (extra: Partial<ArenaClientOptions> = {}) => {
  const sleeps: number[] = [];
  const api = createArenaClient({
    baseUrl,
    token: () => "jwt-1",
    sleep: async (ms) => void sleeps.push(ms),
    nowMs: () => Date.parse("2026-12-02T12:00:00Z"),
    ...extra,
  });
  return { api, sleeps };
};

describe("typed client", () => {
  it("retries a 429 after Retry-After, replaying the body with the bearer token", async () => {
    limited = 2;
    const { api, sleeps } = client();
    const res = await api.POST("/api/v1/clones", { body: { name: "Momentum", modelId: "hold" } });
    expect(res.response.status).toBe(201);
    expect(unwrap(res)).toMatchObject({ id: "c1", name: "Momentum", modelId: "hold" });
    expect(sleeps).toEqual([2000, 2000]);
    expect(seen).toHaveLength(3);
    for (const s of seen) {
      expect(s).toMatchObject({ method: "POST", url: "/api/v1/clones", auth: "Bearer jwt-1" });
      expect(JSON.parse(s.body)).toEqual({ name: "Momentum", modelId: "hold" });
    }
  });

  it("reads an HTTP-date Retry-After and backs off exponentially without one", async () => {
    expect(retryAfterMs("Wed, 02 Dec 2026 12:00:05 GMT", Date.parse("2026-12-02T12:00:00Z"))).toBe(5000);
    expect(retryAfterMs("soon", 0)).toBeUndefined();
    limited = 1;
    retryAfter = "Wed, 02 Dec 2026 12:00:03 GMT";
    const dated = client();
    expect((await dated.api.GET("/api/v1/pipeline/catalog")).response.status).toBe(404);
    expect(dated.sleeps).toEqual([3000]);
    limited = 3;
    retryAfter = null;
    const bare = client();
    await bare.api.GET("/api/v1/pipeline/catalog");
    expect(bare.sleeps).toEqual([500, 1000, 2000]);
  });

  it("gives up with the 429 after maxRetries, or at once when the wait is too long", async () => {
    limited = 10;
    const capped = client({ maxRetries: 2 });
    const res = await capped.api.GET("/api/v1/pipeline/catalog");
    expect(res.response.status).toBe(429);
    expect(capped.sleeps).toHaveLength(2);
    expect(() => unwrap(res)).toThrow(ArenaApiError);
    limited = 1;
    retryAfter = "120";
    const impatient = client({ maxRetryDelayMs: 10_000 });
    expect((await impatient.api.GET("/api/v1/pipeline/catalog")).response.status).toBe(429);
    expect(impatient.sleeps).toEqual([]);
  });

  it("unwraps the error envelope into an ArenaApiError with its code", async () => {
    const { api } = client();
    const res = await api.GET("/api/v1/clones/{cloneId}", { params: { path: { cloneId: "nope" } } });
    expect(res.error?.error.code).toBe("not_found");
    try {
      unwrap(res);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ArenaApiError);
      expect((e as ArenaApiError).code).toBe("not_found");
      expect((e as ArenaApiError).status).toBe(404);
      expect((e as ArenaApiError).message).toBe("404 not_found: clone not found");
    }
  });
});
