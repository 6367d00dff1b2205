/**
 * Public profiles with moderation, the Promotion Queue and the Arena slots, through the real routes and
 * the auditions and arena-entry workers on a manual clock (trading engine: the explicit fake port).
 * Passed clones are produced the way production produces them: credit, audition, finalized result,
 * auditions worker.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { HOUR_MS } from "../../src/core/clock";
import { lifecycleHarness } from "../support/lifecycle";
import { eligibleClone, FakeAuditionAccounts, grantCredits } from "../support/lifecycle-clones";
import { seedRecordedRegistry } from "../support/registry-seed";

const NOW = Date.UTC(2026, 10, 29, 12);
let tag = 0;

function harness(slots = "2") {
  const accounts = new FakeAuditionAccounts();
  return { accounts, ...lifecycleHarness(NOW, { ARENA_SLOTS: slots, AUDITION_DURATION_HOURS: "1" }, accounts) };
}
type H = ReturnType<typeof harness>;

/** A clone of `user` that passed its audition with `returnBps`/`maxDrawdownBps` (score = their difference). */
async function passedClone(h: H, user: string, returnBps: number, maxDrawdownBps: number): Promise<string> {
  const cloneId = await eligibleClone(h, user, "gpt-5-mini", `Clone ${++tag}`);
  await grantCredits(user, 1, `arena${tag}`);
  const audition = (await h.call(user, "POST", `/clones/${cloneId}/auditions`)).body;
  h.clock.set(Math.max(h.clock.nowMs(), audition.endsAtMs));
  h.accounts.results.set(audition.accountId, { status: "finalized", fills: 10, returnBps, maxDrawdownBps });
  await h.runJob("lifecycle.auditions-worker");
  expect((await h.call(user, "GET", `/auditions/${audition.id}`)).body.status).toBe("passed");
  return cloneId;
}

async function publish(h: H, user: string, cloneId: string, displayName: string, approve = true) {
  const version = await h.call(user, "PUT", `/clones/${cloneId}/profile`, { displayName, bio: "bio", strategySummary: "trend" });
  expect(version.status).toBe(201);
  if (approve)
    expect((await h.call("mod", "POST", `/admin/lifecycle/moderation/${version.body.id}/approve`, {}, "admin")).status).toBe(200);
  return version.body.id as string;
}

const seated = async (h: H) => (await h.call("anyone", "GET", "/arena/slots")).body.slots.map((s: { cloneId: string | null }) => s.cloneId);
const queued = async (h: H) => (await h.call("anyone", "GET", "/arena/queue")).body.entries.map((e: { cloneId: string }) => e.cloneId);

beforeAll(async () => {
  await seedRecordedRegistry();
});

describe("public profiles and moderation", () => {
  it("serves only the last approved version: pending and rejected versions never show", async () => {
    const h = harness();
    const cloneId = await eligibleClone(h, "pam", "gpt-5-mini", "Profiled");
    const v1 = await h.call("pam", "PUT", `/clones/${cloneId}/profile`, {
      displayName: "Night Owl",
      avatarUrl: "https://cdn.example.com/owl.png",
      bio: "Trades the Asian session.",
      strategySummary: "Mean reversion on majors.",
    });
    expect(v1.body).toMatchObject({ version: 1, status: "pending", displayName: "Night Owl" });
    expect((await h.call("anyone", "GET", `/profiles/${cloneId}`)).status).toBe(404);
    const pendingList = (await h.call("mod", "GET", "/admin/lifecycle/moderation", undefined, "admin")).body.versions;
    expect(pendingList.map((v: { id: string }) => v.id)).toContain(v1.body.id);

    expect((await h.call("mod", "POST", `/admin/lifecycle/moderation/${v1.body.id}/approve`, {}, "admin")).body).toMatchObject({
      status: "approved",
      moderatedBy: "admin:mod",
    });
    expect((await h.call("anyone", "GET", `/profiles/${cloneId}`)).body).toMatchObject({
      version: 1,
      displayName: "Night Owl",
      avatarUrl: "https://cdn.example.com/owl.png",
    });

    const v2 = await h.call("pam", "PUT", `/clones/${cloneId}/profile`, { displayName: "Night Owl v2", bio: "SPAM http://scam" });
    expect((await h.call("anyone", "GET", `/profiles/${cloneId}`)).body).toMatchObject({ version: 1, bio: "Trades the Asian session." });
    const rejected = await h.call("mod", "POST", `/admin/lifecycle/moderation/${v2.body.id}/reject`, { reason: "link spam" }, "admin");
    expect(rejected.body).toMatchObject({ status: "rejected", reason: "link spam" });
    expect((await h.call("anyone", "GET", `/profiles/${cloneId}`)).body.version).toBe(1);
    // A decided version cannot be decided again; a rejection needs a reason.
    expect((await h.call("mod", "POST", `/admin/lifecycle/moderation/${v2.body.id}/approve`, {}, "admin")).status).toBe(409);
    expect((await h.call("mod", "POST", `/admin/lifecycle/moderation/${v1.body.id}/reject`, {}, "admin")).status).toBe(400);

    // A newer submission supersedes the pending one.
    const v3 = await h.call("pam", "PUT", `/clones/${cloneId}/profile`, { displayName: "Owl Three" });
    const v4 = await h.call("pam", "PUT", `/clones/${cloneId}/profile`, { displayName: "Owl Four" });
    const versions = (await h.call("mod", "GET", `/admin/lifecycle/clones/${cloneId}/profile-versions`, undefined, "admin")).body.versions;
    expect(versions.map((v: { version: number; status: string; reason: string | null }) => [v.version, v.status, v.reason])).toEqual([
      [4, "pending", null],
      [3, "rejected", "superseded"],
      [2, "rejected", "link spam"],
      [1, "approved", null],
    ]);
    expect(v3.body.version).toBe(3);
    await h.call("mod", "POST", `/admin/lifecycle/moderation/${v4.body.id}/approve`, {}, "admin");
    expect((await h.call("anyone", "GET", `/profiles/${cloneId}`)).body).toMatchObject({ version: 4, displayName: "Owl Four" });
    const trail = await h.call("mod", "GET", `/admin/lifecycle/events?subjectKind=profile&subjectId=${v2.body.id}`, undefined, "admin");
    expect(trail.body.events.map((e: { toState: string; reason: string | null }) => [e.toState, e.reason])).toEqual([
      ["pending", null],
      ["rejected", "link spam"],
    ]);
  });

  it("keeps display names unique after NFKC and case folding; released names can be taken", async () => {
    const h = harness();
    const a = await eligibleClone(h, "ann", "gpt-5-mini", "A");
    const b = await eligibleClone(h, "ben", "gpt-5-mini", "B");
    expect((await h.call("ann", "PUT", `/clones/${a}/profile`, { displayName: "Alpha Trader" })).status).toBe(201);
    for (const lookalike of ["alpha trader", "ＡＬＰＨＡ　Ｔｒａｄｅｒ", "  ALPHA   TRADER "]) {
      const res = await h.call("ben", "PUT", `/clones/${b}/profile`, { displayName: lookalike });
      expect(res.status).toBe(409);
      expect(res.body.error.details.code).toBe("name_taken");
    }
    // The owner may resubmit its own name in another case.
    expect((await h.call("ann", "PUT", `/clones/${a}/profile`, { displayName: "ALPHA trader" })).status).toBe(201);
    // Ann moves to a new name, approved: "Alpha Trader" is released once no pending/approved version uses it.
    const renamed = await h.call("ann", "PUT", `/clones/${a}/profile`, { displayName: "Beta Trader" });
    await h.call("mod", "POST", `/admin/lifecycle/moderation/${renamed.body.id}/approve`, {}, "admin");
    expect((await h.call("ben", "PUT", `/clones/${b}/profile`, { displayName: "ａｌｐｈａ trader" })).status).toBe(201);
    expect((await h.call("ben", "GET", `/profiles/${b}`)).status).toBe(404);
  });

  it("compares display names by confusable skeleton (UTS #39): look-alikes collide, the loser claims nothing", async () => {
    const h = harness();
    const a = await eligibleClone(h, "amy", "gpt-5-mini", "A");
    const b = await eligibleClone(h, "bob", "gpt-5-mini", "B");
    await publish(h, "amy", a, "PayPal Momentum");
    await publish(h, "amy", a, "\u0412\u041E\u0412 Desk", false); // Cyrillic capitals, pending
    const lookalikes = [
      "p\u0430yp\u0430l momentum", // Cyrillic а
      "paypal rnomenturn", // rn for m
      "ＰＡＹＰＡＬ ＭＯＭＥＮＴＵＭ", // full-width, via NFKC
      "PAYPA1 M0MENTUM", // 1 for l, 0 for O
      "BOB desk", // pending names are claimed too; Cyrillic В and О look like B and O
    ];
    for (const displayName of lookalikes) {
      const res = await h.call("bob", "PUT", `/clones/${b}/profile`, { displayName });
      expect([displayName, res.status, res.body.error?.details?.code]).toEqual([displayName, 409, "name_taken"]);
    }
    // A refused name leaves no claim of bob's behind; a name that only looks different is free.
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM clone_profile_names WHERE clone_id = ?").bind(b).first("n")).toBe(0);
    expect((await h.call("bob", "PUT", `/clones/${b}/profile`, { displayName: "PayPal Mementum" })).status).toBe(201);
    // The owner resubmits its own name in a confusable spelling.
    expect((await h.call("amy", "PUT", `/clones/${a}/profile`, { displayName: "paypal rnomentum" })).status).toBe(201);
  });

  it("refuses invisible, filler, bidi and control characters in names (naming the field) and strips them from bio and summary", async () => {
    const h = harness();
    const c = await eligibleClone(h, "ivy", "gpt-5-mini", "I");
    for (const [name, cp] of [
      ["Night\u200BOwl", "U+200B"],
      ["Night\u202EOwl", "U+202E"],
      ["Night\u2066Owl\u2069", "U+2066"],
      ["Night\u3164Owl", "U+3164"],
      ["Night\uFEFFOwl", "U+FEFF"],
      ["Night\u0000Owl", "U+0000"],
    ] as const) {
      const res = await h.call("ivy", "PUT", `/clones/${c}/profile`, { displayName: name });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(res.body.error.details.issues).toMatchObject([{ path: ["displayName"] }]);
      expect(res.body.error.details.issues[0].message).toContain(cp);
    }
    const ok = await h.call("ivy", "PUT", `/clones/${c}/profile`, {
      displayName: "Night Owl",
      bio: "Trades\u200B Asia\u202E.\r\nLine two",
      strategySummary: "\u2066Mean reversion\u2069",
    });
    expect(ok.status).toBe(201);
    expect([ok.body.bio, ok.body.strategySummary]).toEqual(["Trades Asia.\nLine two", "Mean reversion"]);
  });

  it("a moderator takes an approved version down (approved -> rejected, audited, with a reason)", async () => {
    const h = harness();
    const cloneId = await eligibleClone(h, "tia", "gpt-5-mini", "T");
    const other = await eligibleClone(h, "tom", "gpt-5-mini", "U");
    const v1 = await publish(h, "tia", cloneId, "Calm Trader");
    const v2 = await publish(h, "tia", cloneId, "Scam Trader");
    expect((await h.call("anyone", "GET", `/profiles/${cloneId}`)).body.displayName).toBe("Scam Trader");

    const path = `/admin/lifecycle/moderation/${v2}/takedown`;
    expect((await h.call("mod", "POST", path, {}, "admin")).status).toBe(400); // a reason is required
    expect((await h.call("tia", "POST", path, { reason: "mine" })).status).toBe(403);
    const down = await h.call("mod", "POST", path, { reason: "impersonation" }, "admin");
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ id: v2, status: "rejected", reason: "impersonation", moderatedBy: "admin:mod" });
    // The public read falls back to the previous approved version; the taken-down name is released.
    expect((await h.call("anyone", "GET", `/profiles/${cloneId}`)).body).toMatchObject({ version: 1, displayName: "Calm Trader" });
    expect((await h.call("tom", "PUT", `/clones/${other}/profile`, { displayName: "Scam Trader" })).status).toBe(201);
    expect((await h.call("tom", "PUT", `/clones/${other}/profile`, { displayName: "Calm Trader" })).status).toBe(409);
    const trail = await h.call("mod", "GET", `/admin/lifecycle/events?subjectKind=profile&subjectId=${v2}`, undefined, "admin");
    expect(trail.body.events).toMatchObject([
      { fromState: null, toState: "pending", event: "submit" },
      { fromState: "pending", toState: "approved", event: "approve" },
      { fromState: "approved", toState: "rejected", event: "takedown", reason: "impersonation", actor: "admin:mod" },
    ]);
    // Only approved versions can be taken down; a taken-down version cannot come back or go down twice.
    expect((await h.call("mod", "POST", path, { reason: "again" }, "admin")).status).toBe(409);
    expect((await h.call("mod", "POST", `/admin/lifecycle/moderation/${v2}/approve`, {}, "admin")).status).toBe(409);
    const pending = await publish(h, "tia", cloneId, "Calm Trader Two", false);
    expect((await h.call("mod", "POST", `/admin/lifecycle/moderation/${pending}/takedown`, { reason: "x" }, "admin")).status).toBe(409);
    expect((await h.call("mod", "POST", `/admin/lifecycle/moderation/nope/takedown`, { reason: "x" }, "admin")).status).toBe(404);
    // Taking the last approved version down leaves no public profile.
    await h.call("mod", "POST", `/admin/lifecycle/moderation/${v1}/takedown`, { reason: "spam" }, "admin");
    expect((await h.call("anyone", "GET", `/profiles/${cloneId}`)).status).toBe(404);
  });

  it("validates fields: https avatars only, length caps; owner or admin only", async () => {
    const h = harness();
    const c = await eligibleClone(h, "cid", "gpt-5-mini", "C");
    const bad = [
      { displayName: "Fine Name", avatarUrl: "http://cdn.example.com/a.png" },
      { displayName: "Fine Name", avatarUrl: "javascript:alert(1)" },
      { displayName: "Fine Name", avatarUrl: `https://cdn.example.com/${"a".repeat(600)}.png` },
      { displayName: "ab" },
      { displayName: "x".repeat(41) },
      { displayName: "Zero\u200bWidth" },
      { displayName: "Fine Name", bio: "b".repeat(501) },
    ];
    for (const body of bad) expect((await h.call("cid", "PUT", `/clones/${c}/profile`, body)).status).toBe(400);
    expect((await h.call("mallory", "PUT", `/clones/${c}/profile`, { displayName: "Hijack" })).status).toBe(404);
    expect((await h.call("ops", "PUT", `/clones/${c}/profile`, { displayName: "Set By Ops" }, "admin")).status).toBe(201);
  });
});

describe("promotion queue and arena slots", () => {
  it("orders by score then time, seats only approved profiles, refills freed slots, and a second run is a no-op", async () => {
    const h = harness("2");
    const first = await passedClone(h, "q1", 500, 100); // score 400
    const low = await passedClone(h, "q2", 300, 0); // score 300
    const tie = await passedClone(h, "q3", 450, 50); // score 400, passed after `first`
    const top = await passedClone(h, "q4", 900, 100); // score 800
    expect(await queued(h)).toEqual([top, first, tie, low]);

    // Approved: first, tie, low. `top` is pending: skipped, keeps its place at the head.
    await publish(h, "q1", first, "First One");
    await publish(h, "q3", tie, "Tie Breaker");
    await publish(h, "q2", low, "Low Score");
    await publish(h, "q4", top, "Top Pending", false);
    const run1 = await h.runJob("lifecycle.arena-entry-worker");
    expect(run1.summary).toMatchObject({
      admitted: [
        { cloneId: first, slot: 1 },
        { cloneId: tie, slot: 2 },
      ],
      skippedUnapproved: [top],
    });
    expect(await seated(h)).toEqual([first, tie]);
    expect(await queued(h)).toEqual([top, low]);
    const queue = (await h.call("anyone", "GET", "/arena/queue")).body.entries;
    expect(queue[0]).toMatchObject({ position: 1, cloneId: top, profile: null }); // never the unapproved version
    expect((await h.call("anyone", "GET", "/arena/slots")).body.slots[0].profile).toMatchObject({ displayName: "First One" });

    const run2 = await h.runJob("lifecycle.arena-entry-worker");
    expect(run2).toMatchObject({ items: 0, summary: { admitted: [], freeSlotsBefore: 0 } });
    expect(await seated(h)).toEqual([first, tie]);

    // Removing from a slot frees it; the worker refills it from the head (`top`, now approved).
    const pending = (await h.call("mod", "GET", "/admin/lifecycle/moderation", undefined, "admin")).body.versions.find(
      (v: { cloneId: string }) => v.cloneId === top,
    );
    await h.call("mod", "POST", `/admin/lifecycle/moderation/${pending.id}/approve`, {}, "admin");
    const unseat = await h.call("mod", "POST", `/admin/lifecycle/slots/${tie}/remove`, { reason: "rules breach" }, "admin");
    expect(unseat.body).toEqual({ cloneId: tie, status: "removed" });
    expect(await seated(h)).toEqual([first, null]);
    expect((await h.runJob("lifecycle.arena-entry-worker")).summary.admitted).toEqual([{ cloneId: top, slot: 2 }]);

    // Retiring frees slot 1; `low` takes it. Removing a queued entry keeps it out.
    const extra = await passedClone(h, "q5", 100, 0);
    await publish(h, "q5", extra, "Extra Clone");
    expect(
      (await h.call("mod", "POST", `/admin/lifecycle/queue/${extra}/remove`, { reason: "duplicate strategy" }, "admin")).body.status,
    ).toBe("removed");
    expect((await h.call("mod", "POST", `/admin/lifecycle/clones/${first}/retire`, { reason: "owner request" }, "admin")).body.status).toBe(
      "retired",
    );
    expect(await seated(h)).toEqual([null, top]);
    expect((await h.runJob("lifecycle.arena-entry-worker")).summary.admitted).toEqual([{ cloneId: low, slot: 1 }]);
    expect(await seated(h)).toEqual([low, top]);
    expect(await queued(h)).toEqual([]);
    expect((await h.runJob("lifecycle.arena-entry-worker")).summary.admitted).toEqual([]);

    // Who, why, when.
    const trail = (await h.call("mod", "GET", `/admin/lifecycle/events?subjectKind=queue&subjectId=${first}`, undefined, "admin")).body
      .events;
    expect(trail.map((e: { toState: string; actor: string; reason: string | null }) => [e.toState, e.actor, e.reason])).toEqual([
      ["queued", "worker:lifecycle.auditions-worker", null],
      ["seated", "worker:lifecycle.arena-entry-worker", "slot 1"],
      ["retired", "admin:mod", "owner request"],
    ]);
    expect(trail.every((e: { atMs: number }) => e.atMs >= NOW)).toBe(true);
    // A retired clone cannot audition again; a second retirement and an invalid move are conflicts.
    await grantCredits("q1", 1, "retired");
    expect((await h.call("q1", "POST", `/clones/${first}/auditions`)).body.error.details.code).toBe("clone_retired");
    expect((await h.call("mod", "POST", `/admin/lifecycle/clones/${first}/retire`, { reason: "again" }, "admin")).status).toBe(409);
    expect((await h.call("mod", "POST", `/admin/lifecycle/queue/${low}/remove`, { reason: "seated, not queued" }, "admin")).status).toBe(
      409,
    );
    expect((await h.call("mod", "POST", `/admin/lifecycle/slots/nope/remove`, { reason: "x" }, "admin")).status).toBe(404);
    expect(h.clock.nowMs()).toBeGreaterThan(NOW + HOUR_MS);
  });
});
