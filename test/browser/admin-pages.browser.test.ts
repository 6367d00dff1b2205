/**
 * The /admin/arena and /admin/alerts pages in a real browser (playwright-core driving /usr/bin/chromium)
 * against a running local backend (`wrangler dev` on a fresh D1 with the stand-ins `npm start` uses, on
 * a free port). The arena data go through the product's own routes where they exist: balances credited
 * by admin adjustments, tickets bought from balance, a race settled by `POST /admin/races/{id}/settle`,
 * `arena.reconcile` run by the job route, a test notification sent through the local webhook stand-in.
 * Only what has no route in a local backend is written into its D1 with `wrangler d1 execute`: the two
 * races and their fields (seating clones takes the whole audition path) and the trading results that
 * move the first race to `settling`. Checks: refused without a token (401 + sign-in form); after signing in
 * on /admin/arena the race, its field with pool and implied payouts, the settlement and a clean
 * reconciliation show; a clone name with markup is shown as text (no injected element); the alerts page
 * lists the delivery attempts; no console errors or CSP violations; screenshots under test-results/.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "hono/jwt";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBackend, runJobs, startReplayBackend } from "../../src/cli/lib/local-backend";
import { watchErrors } from "../support/node/browser-page";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SECRET = "browser-test-secret-0123456789abcdef-0123";
const EVIL = `<img src=x onerror="document.title='pwned'">Evil & Co`;
/** earlyBonusBps 0: every ticket weighs its amount x 10000, so the implied payouts are exact below. */
const CONFIG = {
  rakeBps: 500,
  creatorPoolBps: 200,
  placeBps: [6000, 3000, 1000],
  royaltyBps: [6000, 3000, 1000],
  earlyBonusBps: 0,
  noWinner: "carryover",
};

let backend: LocalBackend | undefined;
let browser: Browser | undefined;

const token = (sub: string, role: "admin" | "user") => sign({ sub, role, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, "HS256");
const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Writes rows into the running backend's local D1 (no route can seat clones without the audition path). */
function execSql(statements: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "admin-pages-sql-"));
  const file = join(dir, "seed.sql");
  writeFileSync(file, statements.join(";\n"));
  const res = spawnSync("npx", ["wrangler", "d1", "execute", "DB", "--local", "--persist-to", backend?.persistDir ?? "", "--file", file], {
    encoding: "utf8",
    env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
  });
  rmSync(dir, { recursive: true, force: true });
  if (res.status !== 0) throw new Error(`wrangler d1 execute failed: ${res.stderr}`);
}

/** An accumulating race with `names.length` entrants (ids `<raceId>_s<seat>`). */
function raceRows(raceId: string, seq: number, names: string[]): string[] {
  const now = Date.now();
  return [
    `INSERT INTO arena_races (id, seq, status, config_json, account_rules_json, starting_balance_micro_usd, min_ticket_micro_usd, max_user_stake_micro_usd,
      opens_at_ms, closes_at_ms, live_starts_at_ms, live_ends_at_ms, carry_in_micro_usd, carry_from_race_id, cancel_reason, created_by, created_at_ms, updated_at_ms)
     VALUES (${q(raceId)}, ${seq}, 'accumulating', ${q(JSON.stringify(CONFIG))}, '{}', 10000000000, 1000000, 1000000000, ${now - 60_000}, ${now + 3_600_000},
      ${now + 3_600_000}, ${now + 7_200_000}, 0, NULL, NULL, 'browser-test', ${now}, ${now})`,
    ...names.map(
      (
        name,
        i,
      ) => `INSERT INTO arena_entrants (id, race_id, clone_id, creator_user_id, seat, status, scratch_reason, display_name, pipeline_version, model_id,
        account_id, result_status, return_bps, max_drawdown_bps, finalized_at_ms, created_at_ms, updated_at_ms)
       VALUES (${q(`${raceId}_s${i + 1}`)}, ${q(raceId)}, ${q(`clone_${raceId}_${i + 1}`)}, ${q(`creator_${i + 1}`)}, ${i + 1}, 'entered', NULL, ${q(name)}, 1, 'gpt-5',
        NULL, NULL, NULL, NULL, NULL, ${now}, ${now})`,
    ),
  ];
}

async function api(method: string, path: string, who: string, role: "admin" | "user", body?: unknown, key?: string) {
  const res = await fetch(`${backend?.baseUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await token(who, role)}`,
      "content-type": "application/json",
      ...(key ? { "idempotency-key": key } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function buy(user: string, raceId: string, seat: number, amountMicroUsd: number) {
  await api("POST", `/admin/arena/balances/${user}/adjustments`, "ops", "admin", { amountMicroUsd, reason: "browser test funding" });
  await api(
    "POST",
    `/races/${raceId}/tickets`,
    user,
    "user",
    { entrantId: `${raceId}_s${seat}`, amountMicroUsd, payWith: "balance" },
    `${raceId}-${user}`,
  );
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (see .ci/run)`);
  backend = await startReplayBackend({ jwtSecret: SECRET, name: "admin-pages-browser", timeoutMs: 240_000 });
  // Race 1: tickets while it accumulates, then trading results (settling) and the real settlement.
  execSql(raceRows("race_bt_settled", 1, ["Alpha", "Beta"]));
  await buy("carol", "race_bt_settled", 1, 4_000_000);
  await buy("dave", "race_bt_settled", 2, 6_000_000);
  const end = Date.now();
  // Race 2 (the current one, with a clone name carrying markup) is written in the same call: one
  // `wrangler d1 execute` costs seconds on a loaded machine.
  execSql([
    "UPDATE arena_races SET status = 'settling' WHERE id = 'race_bt_settled'",
    `UPDATE arena_entrants SET result_status = 'finalized', return_bps = 500, max_drawdown_bps = 100, finalized_at_ms = ${end} WHERE id = 'race_bt_settled_s1'`,
    `UPDATE arena_entrants SET result_status = 'finalized', return_bps = 900, max_drawdown_bps = 300, finalized_at_ms = ${end} WHERE id = 'race_bt_settled_s2'`,
    ...raceRows("race_bt_current", 2, [EVIL, "Gamma", "Delta"]),
  ]);
  await api("POST", "/admin/races/race_bt_settled/settle", "ops", "admin");
  await buy("alice", "race_bt_current", 1, 10_000_000);
  await buy("bob", "race_bt_current", 2, 30_000_000);
  await runJobs(backend.baseUrl, await token("ops", "admin"), ["arena.reconcile"]);
  await api("POST", "/admin/alerts/test", "ops", "admin", { message: "browser test" });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}, 540_000); // wrangler dev's start plus two `wrangler d1 execute` runs, on a small shared machine

afterAll(async () => {
  await browser?.close();
  await backend?.stop();
});

describe("/admin/arena and /admin/alerts in a browser", () => {
  it("are refused without a token", async () => {
    const page = await (browser as Browser).newPage();
    for (const path of ["/admin/arena", "/admin/alerts"]) {
      const res = await page.goto(`${backend?.baseUrl}${path}`);
      expect(res?.status()).toBe(401);
      expect(await page.locator("#refused").textContent()).toMatch(/sign in/);
      expect(await page.locator(`form[action="${path}/session"]`).count()).toBe(1);
    }
    await page.close();
  });

  it("signs in on /admin/arena and shows race, field, odds, settlement and reconciliation; then the alerts page", async () => {
    const context = await (browser as Browser).newContext();
    const page = await context.newPage();
    await page.goto(`${backend?.baseUrl}/admin/arena`); // 401 with the sign-in form (a console error by itself)
    await page.fill("#token", await token("ops", "admin"));
    const errors = watchErrors(page);
    const [signedIn] = await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    expect(signedIn?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/admin/arena");

    expect(await page.locator("#race").getAttribute("data-status")).toBe("accumulating");
    expect(await page.locator("#race h2").textContent()).toMatch(/^Current race: #2 accumulating$/);
    expect(await page.locator("#pool").textContent()).toBe("40 USD");
    // Field: P1 = 40 - 2 - 0.8 = 37.2, minus places 2 and 3 (30 % and 10 %) = 22.32; per 1 USD: 22.32/10, 22.32/30.
    const implied = await page.locator("#field tbody td.implied").allTextContents();
    expect(implied).toEqual(["2.232", "0.744", "-"]);
    // The markup in the clone name is text: no <img> was created, the title is untouched.
    expect(await page.locator("#field tbody td.name").first().textContent()).toBe(EVIL);
    expect(await page.locator("#field img").count()).toBe(0);
    expect(await page.title()).toBe("Arena");
    // The settlement of race 1: Beta (seat 2, better return) won; pool 10, rake 0.5, creator pool 0.2,
    // distribution 9.3; one payout on each of the two places.
    const settled = page.locator('#settlements tr[data-race="race_bt_settled"]');
    expect(await settled.getAttribute("data-status")).toBe("complete");
    expect(await settled.locator("td.winner").textContent()).toBe("Beta");
    expect(await settled.locator("td").allTextContents()).toEqual(expect.arrayContaining(["10", "0.5", "0.2", "9.3", "0 / 0", "2 / 0"]));
    expect(await page.locator("#reconciliation").getAttribute("data-ok")).toBe("true");
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: "test-results/admin-arena.png", fullPage: true });

    // The same session opens the alerts page through the header link.
    await Promise.all([page.waitForNavigation(), page.click('nav a[href="/admin/alerts"]')]);
    expect(new URL(page.url()).pathname).toBe("/admin/alerts");
    const deliveries = page.locator("#deliveries tbody tr");
    expect(await deliveries.count()).toBe(2);
    const channels = await deliveries.evaluateAll((rows) =>
      rows.map((r) => `${r.getAttribute("data-channel")}:${r.getAttribute("data-status")}`),
    );
    expect(channels.sort()).toEqual(["slack:delivered", "webhook:delivered"]);
    expect(await deliveries.locator("td.http").allTextContents()).toEqual(["200", "200"]);
    await page.screenshot({ path: "test-results/admin-alerts.png", fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});
