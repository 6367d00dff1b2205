/**
 * Authorization of every lifecycle route, role by role (the lifecycle's part of the route × role
 * matrix): anonymous → 401 everywhere; admin routes → 403 for user and service; owner-scoped routes →
 * 404 for anyone but the owner and admins (indistinguishable from missing); self routes (`/me/...`) →
 * the caller's own data; public reads → any valid token. The table must list every lifecycle path of
 * both OpenAPI documents, so a new route cannot skip this test.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { openApiDocuments } from "../../src/http/openapi";
import { lifecycleHarness } from "../support/lifecycle";
import { eligibleClone, FakeAuditionAccounts, grantCredits } from "../support/lifecycle-clones";
import { seedRecordedRegistry } from "../support/registry-seed";

type Scope = "admin" | "owner" | "self" | "public";
interface RouteCase {
  method: string;
  path: string;
  scope: Scope;
  body?: unknown;
}

const NOW = Date.UTC(2026, 10, 29, 12);
const accounts = new FakeAuditionAccounts();
const h = lifecycleHarness(NOW, { AUDITION_FEE_TREASURY: "" }, accounts);
const ids: Record<string, string> = {};

const routes = (): RouteCase[] => [
  { method: "POST", path: "/me/wallet/nonce", scope: "self", body: { address: `0x${"1".repeat(40)}` } },
  { method: "PUT", path: "/me/wallet", scope: "self", body: { message: "not an EIP-4361 message", signature: `0x${"2".repeat(130)}` } },
  { method: "GET", path: "/me/wallet", scope: "self" },
  { method: "POST", path: "/payments/audition-fee", scope: "self", body: { txHash: `0x${"3".repeat(64)}` } },
  { method: "GET", path: `/payments/${ids.payment}`, scope: "owner" },
  { method: "GET", path: "/me/credits", scope: "self" },
  { method: "POST", path: `/clones/${ids.clone}/auditions`, scope: "owner" },
  { method: "GET", path: `/clones/${ids.clone}/auditions`, scope: "owner" },
  { method: "GET", path: `/auditions/${ids.audition}`, scope: "owner" },
  { method: "PUT", path: `/clones/${ids.clone}/profile`, scope: "owner", body: { displayName: "Authz Clone" } },
  { method: "GET", path: `/profiles/${ids.clone}`, scope: "public" },
  { method: "GET", path: "/arena/queue", scope: "public" },
  { method: "GET", path: "/arena/slots", scope: "public" },
  { method: "GET", path: "/admin/lifecycle/moderation", scope: "admin" },
  { method: "POST", path: `/admin/lifecycle/moderation/${ids.version}/approve`, scope: "admin", body: {} },
  { method: "POST", path: `/admin/lifecycle/moderation/${ids.version}/reject`, scope: "admin", body: { reason: "x" } },
  { method: "POST", path: `/admin/lifecycle/moderation/${ids.version}/takedown`, scope: "admin", body: { reason: "x" } },
  { method: "GET", path: `/admin/lifecycle/clones/${ids.clone}/profile-versions`, scope: "admin" },
  { method: "POST", path: `/admin/lifecycle/queue/${ids.clone}/remove`, scope: "admin", body: { reason: "x" } },
  { method: "POST", path: `/admin/lifecycle/slots/${ids.clone}/remove`, scope: "admin", body: { reason: "x" } },
  { method: "POST", path: `/admin/lifecycle/slots/${ids.clone}/seat`, scope: "admin", body: { reason: "x" } },
  { method: "POST", path: `/admin/lifecycle/clones/${ids.other}/retire`, scope: "admin", body: { reason: "x" } },
  { method: "PUT", path: "/admin/lifecycle/wallets/someone", scope: "admin", body: { address: `0x${"4".repeat(40)}`, reason: "authz" } },
  { method: "GET", path: `/admin/lifecycle/events?subjectKind=audition&subjectId=${ids.audition}`, scope: "admin" },
];

beforeAll(async () => {
  await seedRecordedRegistry();
  ids.clone = await eligibleClone(h, "owner");
  ids.other = await eligibleClone(h, "owner", "gpt-5-mini", "Other");
  await grantCredits("owner", 1, "authz");
  ids.audition = (await h.call("owner", "POST", `/clones/${ids.clone}/auditions`)).body.id;
  ids.version = (await h.call("owner", "PUT", `/clones/${ids.clone}/profile`, { displayName: "Authz First" })).body.id;
  await h.call("adm", "POST", `/admin/lifecycle/moderation/${ids.version}/approve`, {}, "admin");
  await h.call("adm", "PUT", "/admin/lifecycle/wallets/owner", { address: `0x${"5".repeat(40)}`, reason: "authz" }, "admin");
  // A payment row of the owner (fee verification is unconfigured here, so it is written as a rejected record would be).
  const { env } = await import("cloudflare:test");
  ids.payment = "pay_authz";
  await env.DB.prepare(
    "INSERT INTO audition_fee_payments (id, user_id, tx_hash, chain_id, status, reason, submitted_at_ms, checked_at_ms) VALUES (?, 'owner', ?, 42161, 'rejected', 'tx_not_found', 0, 0)",
  )
    .bind(ids.payment, `0x${"6".repeat(64)}`)
    .run();
});

const denied = (status: number) => status === 401 || status === 403 || status === 404;

describe("lifecycle route × role", () => {
  it("lists every lifecycle route of the client and operator documents", async () => {
    const { client, operator } = openApiDocuments(createApp()) as unknown as Record<
      "client" | "operator",
      { paths: Record<string, Record<string, { tags?: string[] }>> }
    >;
    const documented = [
      ...Object.entries(client.paths).flatMap(([p, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => op.tags?.includes("lifecycle"))
          .map(([m]) => `${m.toUpperCase()} ${p}`),
      ),
      ...Object.entries(operator.paths)
        .filter(([p]) => p.startsWith("/api/v1/admin/lifecycle/"))
        .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)),
    ].sort();
    const templated = (path: string) =>
      path
        .split("?")[0]
        ?.replace(ids.clone as string, "{cloneId}")
        .replace(ids.other as string, "{cloneId}")
        .replace(ids.audition as string, "{auditionId}")
        .replace(ids.version as string, "{versionId}")
        .replace(ids.payment as string, "{paymentId}")
        .replace("/wallets/someone", "/wallets/{userId}");
    expect(
      routes()
        .map((r) => `${r.method} /api/v1${templated(r.path)}`)
        .sort(),
    ).toEqual(documented);
  });

  it("anonymous callers get 401 on every route", async () => {
    for (const r of routes()) {
      const res = await createApp({ clock: h.clock, ids: h.deps.ids }).request(`/api/v1${r.path}`, { method: r.method }, h.workerEnv());
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
    }
  });

  it("users and services are refused admin routes (403) and other owners' resources (404)", async () => {
    for (const r of routes()) {
      for (const role of ["user", "service"] as const) {
        const res = await h.call(`stranger-${role}`, r.method, r.path, r.body, role);
        const label = `${role} ${r.method} ${r.path}`;
        if (r.scope === "admin") expect(res.status, label).toBe(403);
        else if (r.scope === "owner") expect(res.status, label).toBe(404);
        else expect(denied(res.status) && res.status !== 404, label).toBe(false);
      }
    }
  });

  it("owners reach their own resources and admins reach everything", async () => {
    for (const r of routes()) {
      if (r.scope !== "admin") {
        const res = await h.call("owner", r.method, r.path, r.body);
        expect(denied(res.status), `owner ${r.method} ${r.path}: ${res.status}`).toBe(false);
      }
      const res = await h.call("adm", r.method, r.path, r.body, "admin");
      expect(res.status === 401 || res.status === 403, `admin ${r.method} ${r.path}: ${res.status}`).toBe(false);
      if (r.scope === "owner") expect(res.status, `admin ${r.method} ${r.path}`).not.toBe(404);
    }
  });
});
