/**
 * The /admin/ingestion page inside workerd: refused (401/403 + sign-in form) without an admin
 * credential; rendered for an admin bearer token or a session cookie obtained from the sign-in form;
 * the cookie is HttpOnly, short-lived, scoped to /admin, and never accepted as an API bearer token.
 * The real-browser check lives in test/browser/ingestion-dashboard.browser.test.ts.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { fixedClock, MINUTE_MS } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { bearer, tokenFor } from "../support/auth";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const ids = sequentialIds();
const app = (nowMs = NOW) => createApp({ clock: fixedClock(nowMs), ids });

async function signIn(token: string) {
  const body = new URLSearchParams({ token });
  return app().request(
    "/admin/ingestion/session",
    { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } },
    env,
  );
}

describe("/admin/ingestion page", () => {
  it("refuses a caller without a token, with the sign-in form and a strict CSP", async () => {
    const res = await app().request("/admin/ingestion", {}, env);
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).toContain('action="/admin/ingestion/session"');
    expect(text).not.toContain('id="health"');
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(text).toContain(`<style nonce="${nonce}">`);
    expect(text).not.toMatch(/<script|https?:\/\/(?!www\.w3)/);
  });

  it("refuses a non-admin token and renders the table for an admin token", async () => {
    expect((await app().request("/admin/ingestion", { headers: await bearer("u", "user", NOW) }, env)).status).toBe(403);
    const res = await app().request("/admin/ingestion", { headers: await bearer("ops", "admin", NOW) }, env);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.match(/<tr data-source=/g)).toHaveLength(17);
    expect(text).toContain('data-source="defillama" data-channel="tvl"');
    expect(text.match(/data-chart="volume"/g)).toHaveLength(17);
    expect(text.match(/data-chart="lag"/g)).toHaveLength(17);
  });

  it("exchanges an admin token for an HttpOnly session cookie that only the page accepts", async () => {
    expect((await signIn(await tokenFor({ sub: "u", role: "user", exp: NOW / 1000 + 3600 }))).status).toBe(403);
    expect((await signIn("not-a-token")).status).toBe(401);

    const res = await signIn(await tokenFor({ sub: "ops", role: "admin", exp: NOW / 1000 + 3600 }));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/ingestion");
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^ca_admin_session=[^;]+; Max-Age=900; Path=\/admin; HttpOnly; SameSite=Strict$/);
    const cookie = setCookie.split(";")[0] as string;

    expect((await app().request("/admin/ingestion", { headers: { cookie } }, env)).status).toBe(200);
    expect((await app(NOW + 16 * MINUTE_MS).request("/admin/ingestion", { headers: { cookie } }, env)).status).toBe(401);
    const asBearer = `Bearer ${cookie.split("=")[1]}`;
    expect((await app().request("/api/v1/admin/ingestion", { headers: { authorization: asBearer } }, env)).status).toBe(401);

    const out = await app().request("/admin/ingestion/sign-out", { method: "POST", headers: { cookie } }, env);
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/ca_admin_session=; Max-Age=0/);
  });
});
