/** The HTTP foundation through the real Worker: auth, error envelope, request ids, 404s, docs. */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bearer, tokenFor } from "../support/auth";

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message).toEqual(expect.any(String));
  expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  return body;
}

const HEALTH_WORKERS = "https://api.test/api/v1/internal/health/workers";
const RUN_PRUNE = "https://api.test/api/v1/admin/jobs/ops.prune-job-runs/run";

describe("public health", () => {
  it("answers without a token and carries a request id", async () => {
    const res = await SELF.fetch("https://api.test/api/v1/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("echoes a sane caller request id and replaces an insane one", async () => {
    const good = await SELF.fetch("https://api.test/api/v1/health", { headers: { "x-request-id": "abc-123" } });
    expect(good.headers.get("x-request-id")).toBe("abc-123");
    const bad = await SELF.fetch("https://api.test/api/v1/health", { headers: { "x-request-id": "<script>" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^req_/);
  });
});

describe("authentication", () => {
  it("refuses a protected route without a token (401)", async () => {
    await expectError(await SELF.fetch(HEALTH_WORKERS), 401, "unauthorized");
  });

  it("refuses a malformed Authorization header (401)", async () => {
    await expectError(await SELF.fetch(HEALTH_WORKERS, { headers: { authorization: "Basic abc" } }), 401, "unauthorized");
  });

  it("refuses an expired token (401)", async () => {
    const token = await tokenFor({ sub: "1", role: "admin", exp: Math.floor(Date.now() / 1000) - 10 });
    const body = await expectError(
      await SELF.fetch(HEALTH_WORKERS, { headers: { authorization: `Bearer ${token}` } }),
      401,
      "unauthorized",
    );
    expect(body.error.message).toContain("expired");
  });

  it("refuses a token signed with another secret (401)", async () => {
    const token = await tokenFor({ sub: "1", role: "admin" }, "some-other-secret-0123456789abcdef");
    await expectError(await SELF.fetch(HEALTH_WORKERS, { headers: { authorization: `Bearer ${token}` } }), 401, "unauthorized");
  });

  it("refuses a token with an unknown role (401)", async () => {
    const { sign } = await import("hono/jwt");
    const { env } = await import("cloudflare:test");
    const token = await sign({ sub: "1", role: "root", exp: Math.floor(Date.now() / 1000) + 60 }, env.JWT_SECRET, "HS256");
    await expectError(await SELF.fetch(HEALTH_WORKERS, { headers: { authorization: `Bearer ${token}` } }), 401, "unauthorized");
  });

  it("gives a user token on an admin route 403", async () => {
    await expectError(await SELF.fetch(RUN_PRUNE, { method: "POST", headers: await bearer("7", "user") }), 403, "forbidden");
  });

  it("lets service tokens into internal routes but not admin routes", async () => {
    expect((await SELF.fetch(HEALTH_WORKERS, { headers: await bearer("svc", "service") })).status).toBe(200);
    await expectError(await SELF.fetch(RUN_PRUNE, { method: "POST", headers: await bearer("svc", "service") }), 403, "forbidden");
    await expectError(await SELF.fetch(HEALTH_WORKERS, { headers: await bearer("7", "user") }), 403, "forbidden");
  });
});

describe("error envelope", () => {
  it("answers malformed JSON with 400 and writes nothing", async () => {
    const headers = { ...(await bearer("1", "admin")), "content-type": "application/json" };
    await expectError(await SELF.fetch(RUN_PRUNE, { method: "POST", headers, body: "{not json" }), 400, "bad_request");
  });

  it("answers a schema violation with 400 validation_failed and the zod issues", async () => {
    const headers = { ...(await bearer("1", "admin")), "content-type": "application/json" };
    const res = await SELF.fetch(RUN_PRUNE, { method: "POST", headers, body: JSON.stringify({ params: "nope" }) });
    const body = await expectError(res, 400, "validation_failed");
    expect(JSON.stringify(body)).toContain("params");
  });

  it("answers bad job parameters with 400 and an unknown job with 404", async () => {
    const headers = { ...(await bearer("1", "admin")), "content-type": "application/json" };
    const bad = await SELF.fetch(RUN_PRUNE, { method: "POST", headers, body: JSON.stringify({ params: { retentionDays: -1 } }) });
    await expectError(bad, 400, "validation_failed");
    const unknown = await SELF.fetch("https://api.test/api/v1/admin/jobs/ops.nope/run", {
      method: "POST",
      headers: await bearer("1", "admin"),
    });
    await expectError(unknown, 404, "not_found");
  });

  it("answers unknown routes with 404 JSON", async () => {
    await expectError(await SELF.fetch("https://api.test/api/v1/nowhere", { headers: await bearer("1") }), 404, "not_found");
    await expectError(await SELF.fetch("https://api.test/nowhere"), 404, "not_found");
  });
});

describe("admin job runs", () => {
  it("runs a job on demand with and without a body and records a manual heartbeat", async () => {
    const headers = await bearer("1", "admin");
    const res = await SELF.fetch(RUN_PRUNE, { method: "POST", headers });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; run: { trigger: string; status: string; jobName: string } };
    expect(body).toMatchObject({ status: "ran", run: { trigger: "manual", status: "ok", jobName: "ops.prune-job-runs" } });
    const withBody = await SELF.fetch(RUN_PRUNE, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ params: { retentionDays: 30 } }),
    });
    expect(withBody.status).toBe(200);
  });
});

describe("API reference", () => {
  it("serves /docs as HTML listing the routes", async () => {
    const res = await SELF.fetch("https://api.test/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("/api/v1/health");
    expect(html).not.toContain("<script");
  });

  it("serves the raw OpenAPI documents", async () => {
    const res = await SELF.fetch("https://api.test/docs/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/api/v1/health");
    expect(Object.keys(doc.paths).some((p) => p.startsWith("/api/v1/admin"))).toBe(false);
  });
});
