/**
 * Issue 14, found #1, #3, #4 on /admin/ingestion: the sign-in form never answers 500 on a bad body
 * (multipart without or with a wrong boundary -> 400, other content types -> 415, oversized -> 413);
 * cross-site sign-in and sign-out are refused (CSRF); a session never outlives its token, is revoked
 * server-side on sign-out (a replayed cookie is refused) and its stored role is checked.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { fixedClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { tokenFor } from "../support/auth";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const ids = sequentialIds();
const app = (nowMs = NOW) => createApp({ clock: fixedClock(nowMs), ids });
const SITE = "http://admin.test";

const adminToken = (expSec = NOW / 1000 + 3600) => tokenFor({ sub: "ops", role: "admin", exp: expSec });

function post(path: string, body: BodyInit | null, headers: Record<string, string>, nowMs = NOW) {
  return app(nowMs).request(`${SITE}/admin/ingestion${path}`, { method: "POST", body, headers }, env);
}

async function signIn(token: string, headers: Record<string, string> = {}, nowMs = NOW) {
  return post("/session", new URLSearchParams({ token }), { "content-type": "application/x-www-form-urlencoded", ...headers }, nowMs);
}

const cookieOf = (res: Response) => (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
const page = (cookie: string, nowMs = NOW) => app(nowMs).request(`${SITE}/admin/ingestion`, { headers: { cookie } }, env);

describe("sign-in form bodies: 4xx pages, never 500", () => {
  it("multipart/form-data without a boundary or with a wrong one is 400", async () => {
    for (const type of ["multipart/form-data", "multipart/form-data; boundary=nope", "multipart/form-data; boundary="]) {
      const res = await post("/session", "--x\r\nContent-Disposition: form-data; name=token\r\n\r\nabc\r\n--x--", { "content-type": type });
      expect(res.status, type).toBe(400);
      expect(await res.text()).toContain('id="refused"');
    }
  });

  it("a non-form content type is 415 and a 20 KiB form is 413 (before parsing)", async () => {
    expect((await post("/session", JSON.stringify({ token: "x" }), { "content-type": "application/json" })).status).toBe(415);
    expect((await post("/session", "token=x", {})).status).toBe(415);
    const big = new URLSearchParams({ token: "x".repeat(20 * 1024) });
    expect((await post("/session", big, { "content-type": "application/x-www-form-urlencoded" })).status).toBe(413);
  });
});

describe("CSRF: cross-site sign-in and sign-out are refused", () => {
  it("refuses a sign-in posted from another origin or marked cross-site, and sets no cookie", async () => {
    const token = await adminToken();
    const forged: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { origin: "null" },
      // Sec-Fetch-Site decides when present, whatever Origin says.
      { origin: SITE, "sec-fetch-site": "cross-site" },
    ];
    for (const headers of forged) {
      const res = await signIn(token, headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    const same = await signIn(token, { origin: SITE, "sec-fetch-site": "same-origin" });
    expect(same.status).toBe(303);
    expect(cookieOf(same)).toMatch(/^ca_admin_session=/);
  });

  it("refuses a cross-site sign-out: the session keeps working", async () => {
    const cookie = cookieOf(await signIn(await adminToken()));
    const forged = await post("/sign-out", null, { cookie, origin: "https://evil.example", "sec-fetch-site": "cross-site" });
    expect(forged.status).toBe(403);
    expect(forged.headers.get("set-cookie")).toBeNull();
    expect((await page(cookie)).status).toBe(200);
  });
});

describe("sessions are bound to their token and revoked on sign-out", () => {
  it("a token expiring in 3 s gives a 3 s session: refused once the token has expired", async () => {
    const res = await signIn(await adminToken(NOW / 1000 + 3));
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toMatch(/Max-Age=3;/);
    const cookie = cookieOf(res);
    expect((await page(cookie, NOW + 2_000)).status).toBe(200);
    expect((await page(cookie, NOW + 4_000)).status).toBe(401);
  });

  it("a long-lived token still gives at most 15 minutes", async () => {
    const cookie = cookieOf(await signIn(await adminToken(NOW / 1000 + 86_400)));
    expect((await page(cookie, NOW + 14 * 60_000)).status).toBe(200);
    expect((await page(cookie, NOW + 15 * 60_000)).status).toBe(401);
  });

  it("a signed-out session replayed is refused", async () => {
    const cookie = cookieOf(await signIn(await adminToken()));
    expect((await page(cookie)).status).toBe(200);
    const out = await post("/sign-out", null, { cookie, origin: SITE });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(/ca_admin_session=; Max-Age=0/);
    const replay = await page(cookie);
    expect(replay.status).toBe(401);
    expect(await replay.text()).toContain("sign in again");
  });

  it("checks the stored role on every use", async () => {
    const cookie = cookieOf(await signIn(await adminToken()));
    await env.DB.prepare("UPDATE admin_sessions SET role = 'user' WHERE revoked_at_ms IS NULL").run();
    expect((await page(cookie)).status).toBe(403);
  });
});
