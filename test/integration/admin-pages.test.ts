/**
 * The /admin/arena and /admin/alerts pages inside workerd (issues 19 and 21): refused (401/403 + the
 * page's own sign-in form, strict CSP) without an admin credential; the session cookie from any admin
 * page's sign-in opens the others (cookie path /admin); the arena page shows the current race (state,
 * windows), its field with the pool and the live implied payouts (the same figures as
 * GET /api/v1/races/{id}, and hand-computed below), the recent settlements and the reconciliation
 * status from real runs; the alerts page shows current and recent alerts and the delivery attempts of
 * a real notification (a channel that fails with 500 and one that delivers). User-provided text (a
 * clone name, an acknowledgement reason, a mismatch subject) is escaped. Data are written through the
 * services and routes the product uses; the clock is fixed.
 * The real-browser check lives in test/browser/admin-pages.browser.test.ts.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { createApp } from "../../src/app";
import { fixedClock, MINUTE_MS, manualClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { claimRun, finishRun } from "../../src/cron/job-runs.service";
import { openDb } from "../../src/db/client";
import { arenaEntrants, arenaRaces, arenaReconciliationReports, settleStoredRace } from "../../src/domains/arena";
import { reconcileArena } from "../../src/domains/arena/reconciliation/reconciliation.service";
import { r2ArtifactStore } from "../../src/domains/artifacts";
import { readOpsSettings } from "../../src/domains/ops";
import { acknowledgeAlert, evaluateAlerts, listAlerts } from "../../src/domains/ops/alerts/alerts.service";
import { fundUser, seedRace } from "../support/arena";
import { settlingRace } from "../support/arena-races";
import { bearer, tokenFor } from "../support/auth";
import { TEST_JOB_CATALOG, testTickJob } from "../support/test-job-catalog";

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const ids = sequentialIds();
const app = (nowMs = NOW) => createApp({ clock: fixedClock(nowMs), ids });
const hook = inject("webhook");
const EVIL = `<img src=x onerror=alert(1)> & "Bob"`;

const page = async (path: string, headers: Record<string, string>) => {
  const res = await app().request(path, { headers }, env);
  return { res, text: await res.text() };
};
const admin = () => bearer("ops", "admin", NOW);

async function signIn(path: string, token: string) {
  const body = new URLSearchParams({ token });
  return app().request(`${path}/session`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } }, env);
}

/** The text of the table row whose opening tag carries `attr` (tags stripped, whitespace collapsed). */
function rowText(html: string, attr: string): string {
  const start = html.indexOf(`<tr ${attr}`);
  if (start < 0) throw new Error(`no row ${attr}`);
  const row = html.slice(start, html.indexOf("</tr>", start));
  return row
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

describe("admin pages: sign-in and CSP", () => {
  for (const path of ["/admin/arena", "/admin/alerts"]) {
    it(`${path} refuses a caller without a token (401, its own sign-in form, strict CSP) and a user token (403)`, async () => {
      const { res, text } = await page(path, {});
      expect(res.status).toBe(401);
      expect(text).toContain(`action="${path}/session"`);
      expect(text).not.toMatch(/id="(field|current-alerts|deliveries)"/);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toMatch(/default-src 'none'/);
      const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
      expect(text).toContain(`<style nonce="${nonce}">`);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(text).not.toMatch(/<script|https?:\/\/(?!www\.w3)/);
      expect((await page(path, await bearer("u", "user", NOW))).res.status).toBe(403);
    });
  }

  it("one sign-in opens every admin page (cookie on /admin); signing in on /admin/arena returns there; sign-out ends it", async () => {
    const res = await signIn("/admin/arena", await tokenFor({ sub: "ops", role: "admin", exp: NOW / 1000 + 3600 }));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/arena");
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
    for (const path of ["/admin/arena", "/admin/alerts", "/admin/ingestion"]) {
      const { res: r, text } = await page(path, { cookie });
      expect(r.status).toBe(200);
      // Each page links to the others and carries its own sign-out form.
      expect(text).toContain('<a href="/admin/alerts"');
      expect(text).toContain('<a href="/admin/arena"');
      expect(text).toContain(`action="${path}/sign-out"`);
    }
    expect((await signIn("/admin/alerts", await tokenFor({ sub: "u", role: "user", exp: NOW / 1000 + 3600 }))).status).toBe(403);
    const out = await app().request("/admin/alerts/sign-out", { method: "POST", headers: { cookie } }, env);
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/admin/alerts");
    expect((await page("/admin/arena", { cookie })).res.status).toBe(401);
  });
});

describe("/admin/arena", () => {
  it("shows an empty arena without failing", async () => {
    const { res, text } = await page("/admin/arena", await admin());
    expect(res.status).toBe(200);
    expect(text).toContain("No race yet");
    expect(text).toContain("No race settled yet.");
    expect(text).toContain('data-ok="none"');
  });

  it("shows the current race, its field with pool and implied payouts, settlements and reconciliation; escapes clone names", async () => {
    // A settled race first (real settlement), then the current accumulating race.
    const settled = await settlingRace({
      tag: "adminpage",
      results: [
        { returnBps: 500, maxDrawdownBps: 100 },
        { returnBps: 900, maxDrawdownBps: 300 },
      ],
      tickets: [
        [0, 1, 4_000_000, 1],
        [1, 2, 6_000_000, 2],
      ],
      users: 2,
    });
    const settledDb = openDb(env.DB);
    await settledDb.update(arenaRaces).set({ seq: 7 }).where(eq(arenaRaces.id, settled.raceId));
    await settledDb
      .update(arenaEntrants)
      .set({ displayName: "Winner <b>2</b>" })
      .where(eq(arenaEntrants.id, settled.entrantIds[1] as string));
    const deps = { clock: manualClock(NOW - 60 * MINUTE_MS), ids: sequentialIds() };
    const settlement = await settleStoredRace(settledDb, deps, settled.raceId, {
      actor: "admin:test",
      cause: { kind: "admin", ref: "admin:test" },
      artifacts: r2ArtifactStore(env.ARTIFACTS),
    });
    expect(settlement.ok).toBe(true);

    const { race, entrants } = await seedRace("race_adminpage_now", { nowMs: NOW });
    await settledDb
      .update(arenaEntrants)
      .set({ displayName: EVIL })
      .where(eq(arenaEntrants.id, entrants[0]?.id as string));
    for (const [user, entrant, amount] of [
      ["alice", entrants[0], 10_000_000],
      ["bob", entrants[1], 30_000_000],
    ] as const) {
      await fundUser(user, amount, NOW - 1000);
      const res = await app().request(
        `/api/v1/races/${race.id}/tickets`,
        {
          method: "POST",
          body: JSON.stringify({ entrantId: entrant?.id, amountMicroUsd: amount, payWith: "balance" }),
          headers: { ...(await bearer(user, "user", NOW)), "content-type": "application/json", "idempotency-key": `k-${user}` },
        },
        env,
      );
      expect(res.status).toBe(201);
    }
    const rec = await reconcileArena(
      settledDb,
      { clock: fixedClock(NOW - MINUTE_MS), ids: sequentialIds() },
      undefined,
      60_000,
      "job:test",
      50,
    );
    expect(rec.mismatches).toEqual([]);

    const { res, text } = await page("/admin/arena", await admin());
    expect(res.status).toBe(200);
    // The current race: state and windows.
    expect(text).toContain(`data-race="${race.id}" data-status="accumulating"`);
    expect(text).toContain(`Current race: #${race.seq}`);
    expect(text).toContain(
      `${new Date(race.opensAtMs).toISOString().replace(".000Z", "Z")} to ${new Date(race.closesAtMs).toISOString().replace(".000Z", "Z")}`,
    );
    expect(text).toContain('<dd id="pool">40 USD</dd>');
    // Field: the clone name is escaped, never markup.
    expect(text).not.toContain("<img src=x");
    expect(text).toContain("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Bob&quot;");
    // Implied payout per 1 USD (rules v1), by hand: Pt = 40 USD, R = 2, C = 0.8, D = 37.2; three places
    // in the field: P1 = 37.2 - 11.16 - 3.72 = 22.32. Same multiplier for every ticket and for 1 USD now,
    // so implied = P1 / stake: 22.32 / 10 = 2.232 and 22.32 / 30 = 0.744; no tickets -> "-".
    const api = (await (await app().request(`/api/v1/races/${race.id}`, { headers: await bearer("alice", "user", NOW) }, env)).json()) as {
      field: { entrantId: string; impliedPayoutPerUsdMicroUsd: string | null }[];
    };
    expect(api.field.map((f) => f.impliedPayoutPerUsdMicroUsd)).toEqual(["2232000", "744000", null]);
    expect(rowText(text, `data-entrant="${entrants[0]?.id}"`)).toMatch(/ entered 10 \d+ 2\.232$/);
    expect(rowText(text, `data-entrant="${entrants[1]?.id}"`)).toMatch(/ entered 30 \d+ 0\.744$/);
    expect(rowText(text, `data-entrant="${entrants[2]?.id}"`)).toMatch(/ entered 0 0 -$/);
    // Recent races and settlements: the settled race with its pool arithmetic and escaped winner name.
    expect(text).toContain(`<tr data-race="${race.id}"><td class="num">${race.seq}</td>`);
    const s = rowText(text, `data-race="${settled.raceId}" data-status="complete"`);
    expect(s).toMatch(/^7 complete Winner &lt;b&gt;2&lt;\/b&gt; 10 0\.5 0\.3 9\.2 0 \/ 0 2 \/ 0 /);
    expect(text).not.toContain("Winner <b>");
    // Reconciliation: the real run is clean.
    expect(text).toContain('<section id="reconciliation" data-ok="true">');
  });

  it("flags the latest reconciliation mismatch, escaping its text", async () => {
    await openDb(env.DB)
      .insert(arenaReconciliationReports)
      .values({
        id: "recon_admin_page_bad",
        runAtMs: NOW,
        ok: false,
        checksJson: "{}",
        mismatchesJson: JSON.stringify([{ check: "settlement_conserves", subject: "race_<x>", expected: "10", actual: "9" }]),
      });
    const { text } = await page("/admin/arena", await admin());
    expect(text).toContain('<section id="reconciliation" data-ok="false">');
    expect(text).toContain("1 mismatch(es)");
    expect(text).toContain("race_&lt;x&gt;");
    expect(text).not.toContain("race_<x>");
  });
});

describe("/admin/alerts", () => {
  const tick = testTickJob;
  const CATALOG = TEST_JOB_CATALOG;

  it("shows current and recent alerts and every delivery attempt (status, channel, HTTP status, time); escapes reasons", async () => {
    const clock = manualClock(NOW);
    const settings = readOpsSettings({
      ALERT_MIN_DURATION_SEC: "0",
      ALERT_DELIVERY_MAX_ATTEMPTS: "3",
      ALERT_DELIVERY_BACKOFF_SEC: "30",
      ALERT_RENOTIFY_MIN: "0",
      ALERT_WEBHOOK_URL: `${hook.url}/down/admin-page`,
      ALERT_WEBHOOK_SECRET: hook.secret,
      ALERT_SLACK_WEBHOOK_URL: `${hook.url}/hooks/admin-page-slack`,
    });
    const db = openDb(env.DB);
    const a = { db, env, deps: { clock, ids: sequentialIds() }, settings };
    const heartbeat = async (status: "ok" | "error") => {
      const claim = await claimRun(db, a.deps, { jobName: tick.name, trigger: "cron", scheduledAtMs: clock.nowMs() });
      if (!claim) throw new Error("claim");
      await finishRun(db, a.deps, claim, { status, itemsProcessed: 0, ...(status === "error" ? { error: "boom" } : {}) });
    };
    expect((await page("/admin/alerts", await admin())).text).toContain("No notification sent yet.");

    await heartbeat("error");
    await evaluateAlerts(a, CATALOG, ["job_failing"]);
    const [alert] = await listAlerts(db, { key: "job_failing:test.tick", limit: 1 });
    expect(alert?.state).toBe("firing");
    const acked = await acknowledgeAlert(a, {
      alertId: alert?.id as string,
      actor: "ops",
      reason: "<script>alert(1)</script> looking",
      expiresAtMs: NOW + 60 * MINUTE_MS,
    });
    expect(acked.ok).toBe(true);

    const firing = await page("/admin/alerts", await admin());
    expect(firing.res.status).toBe(200);
    const api = (await (await app().request("/api/v1/admin/alerts", { headers: await admin() }, env)).json()) as {
      current: { id: string; summary: string }[];
    };
    expect(api.current.map((x) => x.id)).toEqual([alert?.id]);
    expect(rowText(firing.text, `data-alert="${alert?.id}"`)).toContain("firing critical job_failing:test.tick");
    expect(firing.text).toContain(`<h2>Current alerts (1)</h2><table id="current-alerts">`);
    expect(firing.text).not.toContain("<script>");
    expect(firing.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt; looking");
    // One notification per channel: the webhook stand-in answers 500 on /down, Slack's path delivers.
    const at = new Date(NOW).toISOString().replace(".000Z", "Z");
    expect(firing.text).toMatch(/data-status="failed" data-channel="webhook"/);
    expect(firing.text).toMatch(/data-status="delivered" data-channel="slack"/);
    const rows = [...firing.text.matchAll(/<tr (data-delivery="[^"]+")/g)].map((m) => rowText(firing.text, m[1] as string));
    expect(rows.map((r) => r.split(" ").slice(0, 5).join(" ")).sort()).toEqual([
      `${at} slack delivered 200 1`,
      `${at} webhook failed 500 1`,
    ]);

    clock.advance(MINUTE_MS);
    await heartbeat("ok");
    await evaluateAlerts(a, CATALOG, ["job_failing"]);
    const resolved = await page("/admin/alerts", await admin());
    expect(resolved.text).toContain("Nothing pending or firing.");
    expect(rowText(resolved.text, `data-alert="${alert?.id}"`)).toContain("resolved critical job_failing:test.tick");
  });
});
