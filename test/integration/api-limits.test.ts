/**
 * Issue 14, found #5, #6, #7 through the Worker: body limits (413 before parsing), unsupported content
 * types (415), rate limits per user and per IP on writes and expensive reads (429 + Retry-After, a
 * RateLimiter Durable Object, deterministic windows from the injected clock, behind the Rate Limiting
 * binding gate that refuses without touching the object), and the small ones:
 * case-insensitive Bearer, `sub` length cap, issuer/audience required outside development, no role
 * lists in 401/403 bodies, /docs headers, the operator document for admins only, one request log line.
 */
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { sign } from "hono/jwt";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { readConfig } from "../../src/config";
import { fixedClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { runJobNow } from "../../src/jobs";
import { API, callApi, isEnvelope } from "../support/api";
import { bearer, tokenFor } from "../support/auth";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 15);
/** One id sequence for every app of this file (clone ids must not repeat across apps). */
const ids = sequentialIds();

/** The app on a fixed clock with some settings overridden (a fresh env object: parsed anew). */
function appWith(overrides: Record<string, unknown>, nowMs = NOW) {
  const app = createApp({ clock: fixedClock(nowMs), ids });
  const testEnv = { ...env, ...overrides } as Env;
  return (path: string, init: RequestInit) => app.request(`${API}${path}`, init, testEnv);
}

async function json(res: Response) {
  return {
    status: res.status,
    body: (await res.json()) as { error: { code: string; message: string; details?: unknown } },
    headers: res.headers,
  };
}

describe("body limits and content types", () => {
  it("refuses a body above the route's cap with 413 and the envelope, before parsing", async () => {
    const huge = JSON.stringify({ name: "x".repeat(100 * 1024), modelId: "gpt-5" });
    const res = await callApi("lim-a", "POST", "/clones", JSON.parse(huge));
    expect(res.status).toBe(413);
    expect(isEnvelope(res.body)).toBe(true);
    expect(res.body.error.code).toBe("payload_too_large");
    // Invalid JSON proves the body was never parsed: a parse would have answered 400.
    const raw = await SELF.fetch(`${API}/admin/jobs/ops.prune-job-runs/run`, {
      method: "POST",
      headers: { ...(await bearer("root", "admin")), "content-type": "application/json" },
      body: `{${"x".repeat(2 * 1024 * 1024)}`,
    });
    expect(raw.status).toBe(413);
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });

  it("lets the pipeline routes take a full-size document but not 50x that", async () => {
    const clone = await callApi("lim-b", "POST", "/clones", { name: "big", modelId: "gpt-5" });
    const layout = { note: "y".repeat(200 * 1024) };
    const ok = await callApi("lim-b", "POST", `/clones/${clone.body.id}/pipeline/validate`, {
      version: 0,
      graph: { nodes: [], edges: [] },
      layout,
    });
    expect(ok.status).not.toBe(413);
    const tooBig = await callApi("lim-b", "POST", `/clones/${clone.body.id}/pipeline/validate`, {
      version: 0,
      graph: { nodes: [], edges: [] },
      layout: { note: "y".repeat(600 * 1024) },
    });
    expect(tooBig.status).toBe(413);
  });

  it("answers an unsupported content type with 415 and the envelope", async () => {
    for (const type of ["text/plain", "multipart/form-data", "application/x-www-form-urlencoded"]) {
      const res = await SELF.fetch(`${API}/clones`, {
        method: "POST",
        headers: { ...(await bearer("lim-c")), "content-type": type },
        body: "name=x",
      });
      expect(res.status, type).toBe(415);
      expect(isEnvelope(await res.json())).toBe(true);
    }
  });
});

describe("rate limits (429 + Retry-After)", () => {
  it("limits writes per user: the 4th in a minute is 429 with the seconds to the window's end", async () => {
    const call = appWith({ RATE_LIMIT_USER_WRITES_PER_MIN: "3" });
    const headers = { ...(await bearer("rl-a", "user", NOW)), "content-type": "application/json" };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await call("/clones", { method: "POST", headers, body: JSON.stringify({ name: `c${i}`, modelId: "gpt-5" }) })).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    const refused = await json(
      await call("/clones", { method: "POST", headers, body: JSON.stringify({ name: "again", modelId: "gpt-5" }) }),
    );
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(refused.headers.get("retry-after")).toBe("45");
    // Another user is not affected; the next minute the user may write again.
    const other = { ...(await bearer("rl-b", "user", NOW)), "content-type": "application/json" };
    expect((await call("/clones", { method: "POST", headers: other, body: JSON.stringify({ name: "b", modelId: "gpt-5" }) })).status).toBe(
      201,
    );
    const later = appWith({ RATE_LIMIT_USER_WRITES_PER_MIN: "3" }, NOW + 60_000);
    expect((await later("/clones", { method: "POST", headers, body: JSON.stringify({ name: "d", modelId: "gpt-5" }) })).status).toBe(201);
  });

  it("limits expensive reads per user", async () => {
    const call = appWith({ RATE_LIMIT_USER_READS_PER_MIN: "2" });
    const headers = { ...(await bearer("rl-c", "user", NOW)), "content-type": "application/json" };
    const id = (
      (await (await call("/clones", { method: "POST", headers, body: JSON.stringify({ name: "r", modelId: "gpt-5" }) })).json()) as {
        id: string;
      }
    ).id;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(`/clones/${id}/pipeline/compiled`, { headers })).status);
    expect(statuses).toEqual([200, 200, 429]);
    // Cheap reads are not limited.
    expect((await call(`/clones/${id}`, { headers })).status).toBe(200);
  });

  it("limits per client IP across users", async () => {
    const call = appWith({ RATE_LIMIT_IP_PER_MIN: "2" });
    const statuses = [];
    for (const user of ["ip-1", "ip-2", "ip-3"]) {
      const headers = { ...(await bearer(user, "user", NOW)), "content-type": "application/json", "cf-connecting-ip": "203.0.113.9" };
      statuses.push((await call("/clones", { method: "POST", headers, body: JSON.stringify({ name: "i", modelId: "gpt-5" }) })).status);
    }
    expect(statuses).toEqual([201, 201, 429]);
    const elsewhere = { ...(await bearer("ip-4", "user", NOW)), "content-type": "application/json", "cf-connecting-ip": "198.51.100.1" };
    expect(
      (await call("/clones", { method: "POST", headers: elsewhere, body: JSON.stringify({ name: "i", modelId: "gpt-5" }) })).status,
    ).toBe(201);
  });
});

describe("the Rate Limiting binding gate", () => {
  it("refuses a key over the binding's limit without a RateLimiter round trip, with Retry-After to the minute's end", async () => {
    // A real local binding with a limit of 2 a minute in place of the per-user write gate; the object's
    // limit (vars) stays far above. Its windows are wall-clock, so at most one rollover falls among the
    // five quick requests: some run of three within one window is refused.
    const call = appWith({ RATE_LIMIT_USER_WRITES: env.TEST_RATE_LIMIT_TWO });
    const sub = `rl-gate-${crypto.randomUUID()}`;
    const headers = { ...(await bearer(sub, "user", NOW)), "content-type": "application/json" };
    const responses = [];
    for (let i = 0; i < 5; i++)
      responses.push(await call("/clones", { method: "POST", headers, body: JSON.stringify({ name: `g${i}`, modelId: "gpt-5" }) }));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(2);
    const refused = await json(responses[statuses.indexOf(429)] as Response);
    expect(refused.body.error.code).toBe("rate_limited");
    expect(refused.headers.get("retry-after")).toBe("45"); // NOW is 15 s into its minute
    // The object counted only the accepted writes: the refused ones never reached it.
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`user:${sub}`));
    const counted = await runInDurableObject(
      stub,
      (_o, state) => state.storage.sql.exec<{ count: number }>("SELECT count FROM windows WHERE rule = 'write'").one().count,
    );
    expect(counted).toBe(statuses.filter((s) => s === 201).length);
  });
});

describe("refusals from memory (issue 21: refusals must be cheap)", () => {
  it("refuses a key the binding refused from memory, with no further binding call, until the announced minute's end", async () => {
    let bindingCalls = 0;
    const counting = {
      limit: (options: RateLimitOptions) => {
        bindingCalls += 1;
        return env.TEST_RATE_LIMIT_TWO.limit(options);
      },
    };
    const call = appWith({ RATE_LIMIT_USER_WRITES: counting });
    const sub = `rl-memo-${crypto.randomUUID()}`;
    const headers = { ...(await bearer(sub, "user", NOW)), "content-type": "application/json" };
    const statuses: number[] = [];
    const retryAfter: (string | null)[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await call("/clones", { method: "POST", headers, body: JSON.stringify({ name: `m${i}`, modelId: "gpt-5" }) });
      statuses.push(res.status);
      retryAfter.push(res.headers.get("retry-after"));
    }
    const first = statuses.indexOf(429);
    expect(first).toBeGreaterThanOrEqual(2);
    // Every request after the first refusal is refused, and none of them asked the binding.
    expect(statuses.slice(first)).toEqual(Array(8 - first).fill(429));
    expect(retryAfter.slice(first)).toEqual(Array(8 - first).fill("45"));
    expect(bindingCalls).toBe(first + 1);
  });

  it("refuses a key the object refused from memory until its window ends, then admits it again", async () => {
    const testEnv = { ...env, RATE_LIMIT_USER_WRITES_PER_MIN: "2" } as Env;
    const at = (nowMs: number) => {
      const app = createApp({ clock: fixedClock(nowMs), ids });
      return (path: string, init: RequestInit) => app.request(`${API}${path}`, init, testEnv);
    };
    const headers = { ...(await bearer("rl-memo-obj", "user", NOW)), "content-type": "application/json" };
    const post = (call: ReturnType<typeof at>, name: string) =>
      call("/clones", { method: "POST", headers, body: JSON.stringify({ name, modelId: "gpt-5" }) });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(at(NOW), `o${i}`)).status);
    expect(statuses).toEqual([201, 201, 429, 429]);
    const lastSecond = await post(at(NOW + 44_500), "late");
    expect(lastSecond.status).toBe(429);
    expect(lastSecond.headers.get("retry-after")).toBe("1");
    // The window ended: the memo no longer refuses and the object admits the key again.
    expect((await post(at(NOW + 45_000), "next")).status).toBe(201);
  });
});

describe("tokens and configuration", () => {
  it("accepts the Bearer scheme in any case", async () => {
    const token = await tokenFor({ sub: "case", role: "user" });
    for (const scheme of ["bearer", "BEARER", "BeArEr"]) {
      expect((await SELF.fetch(`${API}/models`, { headers: { authorization: `${scheme} ${token}` } })).status, scheme).toBe(200);
    }
  });

  it("refuses a sub longer than 128 characters", async () => {
    expect(
      (
        await SELF.fetch(`${API}/models`, {
          headers: { authorization: `Bearer ${await tokenFor({ sub: "s".repeat(128), role: "user" })}` },
        })
      ).status,
    ).toBe(200);
    const long = await SELF.fetch(`${API}/models`, {
      headers: { authorization: `Bearer ${await tokenFor({ sub: "s".repeat(129), role: "user" })}` },
    });
    expect(long.status).toBe(401);
  });

  it("names no roles in 401 and 403 bodies", async () => {
    const root = await sign(
      { sub: "1", role: "root", exp: Math.floor(Date.now() / 1000) + 60, iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE },
      env.JWT_SECRET,
      "HS256",
    );
    const unauthorized = await SELF.fetch(`${API}/models`, { headers: { authorization: `Bearer ${root}` } });
    expect(unauthorized.status).toBe(401);
    const forbidden = await SELF.fetch(`${API}/internal/health/workers`, { headers: await bearer("u") });
    expect(forbidden.status).toBe(403);
    for (const text of [await unauthorized.text(), await forbidden.text()]) expect(text).not.toMatch(/\b(user|service|admin)\b/);
  });

  it("checks issuer and audience, and requires both outside development", async () => {
    const token = (claims: Record<string, unknown>) =>
      sign({ sub: "x", role: "user", exp: Math.floor(Date.now() / 1000) + 60, ...claims }, env.JWT_SECRET, "HS256");
    const call = async (t: string) => (await SELF.fetch(`${API}/models`, { headers: { authorization: `Bearer ${t}` } })).status;
    expect(await call(await token({ iss: env.JWT_ISSUER, aud: env.JWT_AUDIENCE }))).toBe(200);
    expect(await call(await token({ iss: env.JWT_ISSUER, aud: ["other", env.JWT_AUDIENCE] }))).toBe(200);
    expect(await call(await token({ iss: "someone-else", aud: env.JWT_AUDIENCE }))).toBe(401);
    expect(await call(await token({ iss: env.JWT_ISSUER, aud: "other-api" }))).toBe(401);
    expect(await call(await token({ aud: env.JWT_AUDIENCE }))).toBe(401);

    expect(() => readConfig({ ...env, APP_ENV: "production", JWT_ISSUER: "" } as Env)).toThrow(/JWT_ISSUER is required/);
    expect(() => readConfig({ ...env, APP_ENV: "test", JWT_AUDIENCE: "" } as Env)).toThrow(/JWT_AUDIENCE is required/);
    expect(readConfig({ ...env, APP_ENV: "development", JWT_ISSUER: "", JWT_AUDIENCE: "" } as Env).JWT_ISSUER).toBeUndefined();
    const worker = (await import("../../src/index")).default;
    expect(() =>
      worker.fetch(new Request(`${API}/health`), { ...env, APP_ENV: "production", JWT_ISSUER: "" } as Env, {} as ExecutionContext),
    ).toThrow(/invalid configuration/);
  });
});

describe("API reference pages", () => {
  it("serves /docs with a CSP and nosniff, without operator routes", async () => {
    const res = await SELF.fetch("https://api.test/docs");
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    expect(html).not.toContain("/api/v1/admin");
    expect(html).not.toContain("/api/v1/internal");
  });

  it("serves the operator document to admins only", async () => {
    const url = "https://api.test/docs/operator-openapi.json";
    expect((await SELF.fetch(url)).status).toBe(401);
    expect((await SELF.fetch(url, { headers: await bearer("u", "user") })).status).toBe(403);
    expect((await SELF.fetch(url, { headers: await bearer("svc", "service") })).status).toBe(403);
    const admin = await SELF.fetch(url, { headers: await bearer("root", "admin") });
    expect(admin.status).toBe(200);
    expect(Object.keys(((await admin.json()) as { paths: object }).paths)).toContain("/api/v1/admin/jobs/{name}/run");
    expect((await SELF.fetch("https://api.test/docs/operator", { headers: await bearer("root", "admin") })).status).toBe(200);
    expect((await SELF.fetch("https://api.test/docs/operator")).status).toBe(401);
  });
});

describe("observability", () => {
  afterEach(() => vi.restoreAllMocks());

  it("logs one structured line per request with id, route, status, duration and user, and no token", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const headers = await bearer("logger", "user", NOW);
    const res = await appWith({ ACCESS_LOGS: "true" })("/clones/clone_missing", { headers: { ...headers, "x-request-id": "log-test-1" } });
    expect(res.status).toBe(404);
    const mine = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request" && l.requestId === "log-test-1");
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ method: "GET", route: "/api/v1/clones/:cloneId", status: 404, userId: "logger" });
    expect(mine[0].durationMs).toEqual(expect.any(Number));
    const token = headers.authorization?.split(" ")[1] as string;
    expect(lines.join("\n")).not.toContain(token);
  });

  it("logs one structured line per job run", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const result = await runJobNow({ ...env, ACCESS_LOGS: "true" } as Env, { clock: fixedClock(NOW), ids }, "ops.prune-job-runs", {
      retentionDays: 3,
    });
    expect(result.ok).toBe(true);
    const jobs = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "job");
    expect(jobs).toEqual([
      expect.objectContaining({ job: "ops.prune-job-runs", trigger: "manual", status: "ok", durationMs: 0, itemsProcessed: 0 }),
    ]);
    expect(jobs[0].runId).toMatch(/^run_/);
  });
});
