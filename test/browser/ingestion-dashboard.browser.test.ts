/**
 * The /admin/ingestion dashboard in a real browser (playwright-core driving /usr/bin/chromium, one
 * browser) against a running local backend: `wrangler dev` on a fresh D1 with the stand-ins `npm start`
 * uses, serving the recorded Polymarket, DefiLlama and Hyperliquid responses. Ingestion jobs run once through the
 * admin job route so the table and charts have data. Checks: refused without a token (401 + sign-in
 * form), table rows and a non-empty chart with an admin bearer token and after the sign-in form, no
 * console errors or CSP violations, and a screenshot saved under test-results/. CSRF: a page served from
 * another origin (a local attacker server on `localhost`, the backend being `127.0.0.1`) that auto-submits
 * an admin token to the sign-in form, or posts to sign-out, is refused and changes no session.
 */
import { existsSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sign } from "hono/jwt";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBackend, runJobs, startReplayBackend } from "../../src/cli/lib/local-backend";
import { watchErrors } from "../support/node/browser-page";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SECRET = "browser-test-secret-0123456789abcdef-0123";
const JOBS = [
  "market-data.refresh-assets",
  "market-data.poll-contexts",
  "market-data.polymarket-discover",
  "market-data.defillama-poll-tvl",
];

let backend: LocalBackend | undefined;
let browser: Browser | undefined;
let attacker: Server | undefined;
let attackerPages = new Map<string, string>();

/** Serves `html` at `/<name>` from another origin (localhost:<port>); returns its URL. */
async function attackerPage(name: string, html: string): Promise<string> {
  if (!attacker) {
    attacker = createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(attackerPages.get(req.url ?? "") ?? "");
    });
    await new Promise<void>((resolve) => attacker?.listen(0, "127.0.0.1", resolve));
  }
  attackerPages.set(`/${name}`, html);
  return `http://localhost:${(attacker.address() as AddressInfo).port}/${name}`;
}

/** A page that auto-submits a form (POST) to `action` as soon as it loads. */
const autoSubmit = (action: string, fields: Record<string, string>) =>
  `<!doctype html><form method="post" action="${action}">${Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`)
    .join("")}</form><script>document.forms[0].submit()</script>`;

const token = (role: "admin" | "user") => sign({ sub: "browser-test", role, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, "HS256");

async function expectDashboard(page: Page) {
  const rows = page.locator("table#health tbody tr");
  expect(await rows.count()).toBe(17);
  const tvl = page.locator('tr[data-source="defillama"][data-channel="tvl"]');
  expect(await tvl.locator("td").nth(6).textContent()).toMatch(/^\d+ \/ \d+$/);
  // The TVL poll just wrote rows: this hour's volume bar has height.
  const bars = tvl.locator('svg[data-chart="volume"] rect');
  expect(await bars.count()).toBe(24);
  const heights = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute("height"))));
  expect(heights.at(-1)).toBeGreaterThan(0);
  const box = await tvl.locator('svg[data-chart="volume"]').boundingBox();
  expect(box?.width).toBeGreaterThan(50);
  // Indicator channels report from their own rows: never `disabled` unless switched off.
  expect(await page.locator('tr[data-source="hyperliquid"][data-channel="rsi"] .status').textContent()).toMatch(/^(ok|degraded|stale)$/);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (see .ci/run)`);
  backend = await startReplayBackend({ jwtSecret: SECRET, name: "browser-test", timeoutMs: 240_000 });
  await runJobs(backend.baseUrl, await token("admin"), JOBS);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}, 300_000);

afterAll(async () => {
  await new Promise((resolve) => (attacker ? attacker.close(resolve) : resolve(undefined)));
  attackerPages = new Map();
  await browser?.close();
  await backend?.stop();
});

describe("/admin/ingestion in a browser", () => {
  it("is refused without a token", async () => {
    const page = await (browser as Browser).newPage();
    const res = await page.goto(`${backend?.baseUrl}/admin/ingestion`);
    expect(res?.status()).toBe(401);
    expect(await page.locator("#refused").textContent()).toMatch(/sign in/);
    expect(await page.locator("table#health").count()).toBe(0);
    await page.close();
  });

  it("shows the health table and charts for an admin bearer token, without console errors", async () => {
    const context = await (browser as Browser).newContext({ extraHTTPHeaders: { authorization: `Bearer ${await token("admin")}` } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const res = await page.goto(`${backend?.baseUrl}/admin/ingestion`);
    expect(res?.status()).toBe(200);
    await expectDashboard(page);
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: "test-results/ingestion-dashboard.png", fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("signs in through the form with an admin token (session cookie), and refuses a user token", async () => {
    const context = await (browser as Browser).newContext();
    const page = await context.newPage();
    await page.goto(`${backend?.baseUrl}/admin/ingestion`);
    await page.fill("#token", await token("user"));
    const refused = await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(refused[0]?.status()).toBe(403);

    await page.fill("#token", await token("admin"));
    const errors = watchErrors(page);
    const [signedIn] = await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(signedIn?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/admin/ingestion");
    await expectDashboard(page);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: "ca_admin_session", httpOnly: true, sameSite: "Strict", path: "/admin" });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("refuses a sign-in auto-submitted from a page on another origin (CSRF): no session is set", async () => {
    const context = await (browser as Browser).newContext();
    const page = await context.newPage();
    const url = await attackerPage("sign-in", autoSubmit(`${backend?.baseUrl}/admin/ingestion/session`, { token: await token("admin") }));
    const [posted] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/admin/ingestion/session")), page.goto(url)]);
    expect(posted.status()).toBe(403);
    expect(await context.cookies(backend?.baseUrl)).toEqual([]);
    const res = await page.goto(`${backend?.baseUrl}/admin/ingestion`);
    expect(res?.status()).toBe(401);
    await context.close();
  });

  it("refuses a sign-out posted from another origin: the admin stays signed in", async () => {
    const context = await (browser as Browser).newContext();
    const page = await context.newPage();
    await page.goto(`${backend?.baseUrl}/admin/ingestion`);
    await page.fill("#token", await token("admin"));
    const [signedIn] = await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(signedIn?.status()).toBe(200);
    const url = await attackerPage("sign-out", autoSubmit(`${backend?.baseUrl}/admin/ingestion/sign-out`, {}));
    const [posted] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/admin/ingestion/sign-out")), page.goto(url)]);
    expect(posted.status()).toBe(403);
    const res = await page.goto(`${backend?.baseUrl}/admin/ingestion`);
    expect(res?.status()).toBe(200);
    await context.close();
  });
});
