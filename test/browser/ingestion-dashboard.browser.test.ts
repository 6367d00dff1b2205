/**
 * The /admin/ingestion dashboard in a real browser (playwright-core driving /usr/bin/chromium, one
 * browser) against a running local backend: `wrangler dev` on a fresh D1 with the stand-ins `npm start`
 * uses, serving the recorded Polymarket, DefiLlama and Hyperliquid responses. Ingestion jobs run once through the
 * admin job route so the table and charts have data. Checks: refused without a token (401 + sign-in
 * form), table rows and a non-empty chart with an admin bearer token and after the sign-in form, no
 * console errors or CSP violations, and a screenshot saved under test-results/.
 */
import { existsSync, mkdirSync } from "node:fs";
import { sign } from "hono/jwt";
import { type Browser, type ConsoleMessage, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBackend, runJobs, startReplayBackend } from "../../src/cli/lib/local-backend";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SECRET = "browser-test-secret-0123456789abcdef-0123";
const JOBS = ["market-data.refresh-assets", "market-data.poll-contexts", "polymarket.discover", "defillama.poll-tvl"];

let backend: LocalBackend | undefined;
let browser: Browser | undefined;

const token = (role: "admin" | "user") => sign({ sub: "browser-test", role, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, "HS256");

/** Console errors and uncaught page errors (CSP violations are reported as console errors). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m: ConsoleMessage) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  return errors;
}

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
});
