/**
 * Issue 24, lifecycle and payments: each `describe` is one rule, proven through the real routes and
 * workers on a manual clock (audition port: the explicit fake) and, where the rule is "inside its own
 * statement", by running that statement directly against a state a race would produce.
 */
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client";
import { tradingAuditionAccounts } from "../../src/domains/lifecycle/auditions/audition.accounts";
import { auditionAccountId } from "../../src/domains/lifecycle/auditions/audition.model";
import { auditionInsertStatement } from "../../src/domains/lifecycle/auditions/audition.service";
import { enqueueStatement } from "../../src/domains/lifecycle/promotion/promotion.service";
import { lifecycleHarness } from "../support/lifecycle";
import { eligibleClone, FakeAuditionAccounts, grantCredits, PASSING } from "../support/lifecycle-clones";
import { seedRecordedRegistry } from "../support/registry-seed";

const NOW = Date.UTC(2026, 11, 1, 12);
let tag = 0;

function harness(vars: Record<string, string> = {}, startMs = NOW) {
  const accounts = new FakeAuditionAccounts();
  return { accounts, ...lifecycleHarness(startMs, { ARENA_SLOTS: "2", AUDITION_DURATION_HOURS: "1", ...vars }, accounts) };
}
type H = ReturnType<typeof harness>;

const row = async (sql: string, ...args: unknown[]) =>
  env.DB.prepare(sql)
    .bind(...args)
    .first<Record<string, unknown>>();
const available = async (h: H, user: string) => (await h.call(user, "GET", "/me/credits")).body.available as number;

async function runningAudition(h: H, user: string) {
  const cloneId = await eligibleClone(h, user, "gpt-5-mini", `Rules ${++tag}`);
  await grantCredits(user, 1, `rules${tag}`);
  const audition = (await h.call(user, "POST", `/clones/${cloneId}/auditions`)).body;
  expect(audition.status).toBe("running");
  return { cloneId, audition };
}

beforeAll(async () => {
  await seedRecordedRegistry();
});

describe("retirement voids in-progress auditions; retired clones never re-enter", () => {
  it("retiring a clone voids its running audition in the same batch, so passing later can never queue it", async () => {
    const h = harness();
    const { cloneId, audition } = await runningAudition(h, "ret1");
    const retired = await h.call("mod", "POST", `/admin/lifecycle/clones/${cloneId}/retire`, { reason: "abuse" }, "admin");
    expect(retired.status).toBe(200);
    const after = (await h.call("ret1", "GET", `/auditions/${audition.id}`)).body;
    expect(after.status).toBe("voided");
    expect(after.reason).toBe("clone_retired: abuse");
    // A running audition is not refunded (the fee paid for the audition that ran).
    expect(await available(h, "ret1")).toBe(0);
    h.clock.set(audition.endsAtMs);
    h.accounts.results.set(audition.accountId, PASSING);
    await h.runJob("lifecycle.auditions-worker");
    expect((await h.call("ret1", "GET", `/auditions/${audition.id}`)).body.status).toBe("voided");
    expect(await row("SELECT * FROM promotion_queue WHERE clone_id = ?", cloneId)).toBeNull();
    const trail = (await h.call("mod", "GET", `/admin/lifecycle/events?subjectKind=audition&subjectId=${audition.id}`, undefined, "admin"))
      .body.events;
    expect(trail.at(-1)).toMatchObject({ fromState: "running", toState: "voided", event: "void", actor: "admin:mod" });
  });

  it("the audition insert, the enqueue and the slot insert each refuse a retired clone in their own statement", async () => {
    const h = harness();
    const { cloneId, audition } = await runningAudition(h, "ret2");
    const version = await h.call("ret2", "PUT", `/clones/${cloneId}/profile`, {
      displayName: `Retiree ${tag}`,
      bio: "b",
      strategySummary: "s",
    });
    expect((await h.call("mod", "POST", `/admin/lifecycle/moderation/${version.body.id}/approve`, {}, "admin")).status).toBe(200);
    expect((await h.call("mod", "POST", `/admin/lifecycle/clones/${cloneId}/retire`, { reason: "gone" }, "admin")).status).toBe(200);
    const db = openDb(env.DB);
    await grantCredits("ret2", 1, "ret2-again");
    // The race "eligibility read before the retirement committed": the insert itself refuses.
    const stored = await row("SELECT * FROM auditions WHERE id = ?", audition.id);
    const fresh = {
      ...(stored as object),
      id: "aud_race",
      cloneId,
      ownerId: "ret2",
      status: "opening",
      accountId: null,
      pipelineVersion: stored?.pipeline_version,
      modelId: stored?.model_id,
      startsAtMs: NOW,
      endsAtMs: NOW + 1,
      criteriaJson: "{}",
      createdAtMs: NOW,
    } as never;
    await db.batch([auditionInsertStatement(db, fresh)]);
    expect(await row("SELECT id FROM auditions WHERE id = 'aud_race'")).toBeNull();
    // The race "audition passed before the retirement committed": the enqueue refuses.
    await db.batch(
      enqueueStatement(
        db,
        h.deps,
        { cloneId, ownerId: "ret2", auditionId: audition.id, score: 1, nowMs: NOW, actor: "t" },
        sql1(),
      ) as never,
    );
    expect(await row("SELECT * FROM promotion_queue WHERE clone_id = ?", cloneId)).toBeNull();
    // A queued row that slipped in (older code, manual repair): the seating refuses it.
    await env.DB.prepare(
      "INSERT INTO promotion_queue (clone_id, owner_id, audition_id, score, queued_at_ms, status, updated_at_ms) VALUES (?, 'ret2', ?, 99999, ?, 'queued', ?)",
    )
      .bind(cloneId, audition.id, NOW, NOW)
      .run();
    const seatedBefore = await row("SELECT COUNT(*) AS n FROM arena_slots WHERE clone_id = ?", cloneId);
    await h.runJob("lifecycle.arena-entry-worker");
    expect(await row("SELECT COUNT(*) AS n FROM arena_slots WHERE clone_id = ?", cloneId)).toEqual(seatedBefore);
    expect(seatedBefore?.n).toBe(0);
  });
});

function sql1() {
  return sql`1`;
}

describe("clone deletion releases its lifecycle state in one batch; credits are append-only", () => {
  it("deleting a clone frees its slot, queue entry and name, and voids its running audition", async () => {
    const h = harness();
    const { cloneId, audition } = await runningAudition(h, "del1");
    const version = await h.call("del1", "PUT", `/clones/${cloneId}/profile`, {
      displayName: "Doomed Name",
      bio: "b",
      strategySummary: "s",
    });
    expect((await h.call("mod", "POST", `/admin/lifecycle/moderation/${version.body.id}/approve`, {}, "admin")).status).toBe(200);
    expect((await h.call("del1", "DELETE", `/clones/${cloneId}`)).status).toBeLessThan(300);
    expect((await row("SELECT status, reason FROM auditions WHERE id = ?", audition.id))?.status).toBe("voided");
    expect(await row("SELECT * FROM clone_profile_names WHERE clone_id = ?", cloneId)).toBeNull();
    expect(await row("SELECT * FROM arena_slots WHERE clone_id = ?", cloneId)).toBeNull();
    expect(await available(h, "del1")).toBe(0);
    // The name can be taken by another clone.
    const other = await eligibleClone(h, "del2", "gpt-5-mini", `Heir ${++tag}`);
    expect(
      (await h.call("del2", "PUT", `/clones/${other}/profile`, { displayName: "Doomed Name", bio: "b", strategySummary: "s" })).status,
    ).toBe(201);
  });

  it("a credit row cannot be rewritten or deleted", async () => {
    await grantCredits("app1", 1, "append");
    await expect(env.DB.prepare("UPDATE audition_credit_entries SET credits = 5 WHERE user_id = 'app1'").run()).rejects.toThrow(
      /append-only/,
    );
    await expect(env.DB.prepare("DELETE FROM audition_credit_entries WHERE user_id = 'app1'").run()).rejects.toThrow(/append-only/);
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM audition_credit_entries WHERE user_id = 'app1'").first<{ n: number }>();
    expect(left?.n).toBeGreaterThan(0);
  });
});

describe("auditions stuck in opening: the account id is derived from the audition id, and a sweeper settles them", () => {
  it("opening through the trading engine is idempotent: the same audition opens the same account once", async () => {
    const h = harness();
    const cloneId = await eligibleClone(h, "open1", "gpt-5-mini", `Opener ${++tag}`);
    const engine = tradingAuditionAccounts(env, h.deps, {});
    const input = {
      auditionId: "aud_idem",
      cloneId,
      ownerId: "open1",
      startingBalanceMicroUsd: 10_000_000_000,
      startMs: NOW,
      endMs: NOW + 3_600_000,
      allowedSymbols: ["BTC"],
      pins: { pipelineVersion: 1, modelId: "gpt-5-mini" },
    };
    const first = await engine.open(input);
    const again = await engine.open(input);
    expect(first).toEqual({ ok: true, value: { accountId: auditionAccountId("aud_idem") } });
    expect(again).toEqual(first);
    expect((await row("SELECT COUNT(*) AS n FROM prop_accounts WHERE clone_id = ?", cloneId))?.n).toBe(1);
    expect(await engine.find("aud_idem", NOW)).toEqual({ accountId: auditionAccountId("aud_idem") });
    expect(await engine.find("aud_never_opened", NOW)).toBeUndefined();
  });

  it("a request that died before the account existed: voided and refunded once the opening is stale", async () => {
    // Later than every earlier manual job run of this file (job runs never go back in time).
    const h = harness({}, NOW + 30 * 86_400_000);
    const cloneId = await eligibleClone(h, "stuck1", "gpt-5-mini", `Stuck ${++tag}`);
    await grantCredits("stuck1", 1, `stuck${tag}`);
    h.accounts.crashNextOpen = "before_account";
    expect((await h.call("stuck1", "POST", `/clones/${cloneId}/auditions`)).status).toBe(500);
    const [stuck] = (await h.call("stuck1", "GET", `/clones/${cloneId}/auditions`)).body.auditions;
    expect(stuck.status).toBe("opening");
    expect(await available(h, "stuck1")).toBe(0);
    // Younger than AUDITION_OPENING_TIMEOUT_SEC (default 300 s): left alone (the open may still be in flight).
    expect((await h.runJob("lifecycle.sweep-opening-auditions")).summary).toMatchObject({ voided: 0, running: 0 });
    h.clock.set(stuck.createdAtMs + 300_000);
    const swept = await h.runJob("lifecycle.sweep-opening-auditions");
    expect(swept.summary).toMatchObject({ voided: 1, running: 0 });
    const after = (await h.call("stuck1", "GET", `/auditions/${stuck.id}`)).body;
    expect(after).toMatchObject({ status: "voided", reason: "opening_timeout", accountId: null });
    expect(await available(h, "stuck1")).toBe(1);
    // A second sweep (or an overlapping one) changes nothing and refunds nothing more.
    expect((await h.runJob("lifecycle.sweep-opening-auditions")).summary).toMatchObject({ stale: 0 });
    expect(await available(h, "stuck1")).toBe(1);
    const trail = (await h.call("mod", "GET", `/admin/lifecycle/events?subjectKind=audition&subjectId=${stuck.id}`, undefined, "admin"))
      .body.events;
    expect(trail.at(-1)).toMatchObject({
      fromState: "opening",
      toState: "voided",
      event: "void",
      actor: "worker:lifecycle.sweep-opening-auditions",
    });
  });

  it("a request that died after the account existed: the sweeper moves it to running with that account", async () => {
    const h = harness();
    const cloneId = await eligibleClone(h, "stuck2", "gpt-5-mini", `Stuck ${++tag}`);
    await grantCredits("stuck2", 1, `stuck${tag}`);
    h.accounts.crashNextOpen = "after_account";
    expect((await h.call("stuck2", "POST", `/clones/${cloneId}/auditions`)).status).toBe(500);
    const [stuck] = (await h.call("stuck2", "GET", `/clones/${cloneId}/auditions`)).body.auditions;
    expect(stuck.status).toBe("opening");
    h.clock.set(stuck.createdAtMs + 600_000);
    expect((await h.runJob("lifecycle.sweep-opening-auditions")).summary).toMatchObject({ voided: 0, running: 1 });
    const after = (await h.call("stuck2", "GET", `/auditions/${stuck.id}`)).body;
    expect(after).toMatchObject({ status: "running", accountId: `acct_${stuck.id}` });
    expect(await available(h, "stuck2")).toBe(0);
    // It is then evaluated like any running audition.
    h.clock.set(after.endsAtMs);
    h.accounts.results.set(after.accountId, PASSING);
    await h.runJob("lifecycle.auditions-worker");
    expect((await h.call("stuck2", "GET", `/auditions/${stuck.id}`)).body.status).toBe("passed");
  });
});

describe("admin wallet binding is dev-only behind a flag, needs a reason, refuses the zero and treasury addresses, and is audited", () => {
  const TREASURY = "0x2df1c51e09aecf9cacb7bc98cb1742757f163df7";
  const bind = (h: H, userId: string, body: Record<string, unknown>) =>
    h.call("ops", "PUT", `/admin/lifecycle/wallets/${userId}`, body, "admin");

  it("binds with a reason and writes a `wallet` audit row (who, why, from which address to which)", async () => {
    const h = harness({ AUDITION_FEE_TREASURY: TREASURY });
    const first = `0x${"6".repeat(40)}`;
    const second = `0x${"7".repeat(40)}`;
    expect((await bind(h, "wb1", { address: first, reason: "demo wallet" })).status).toBe(200);
    expect((await bind(h, "wb1", { address: second, reason: "rotated" })).body).toMatchObject({ address: second, proof: "admin" });
    const trail = (await h.call("ops", "GET", "/admin/lifecycle/events?subjectKind=wallet&subjectId=wb1", undefined, "admin")).body.events;
    expect(trail.map((e: Record<string, unknown>) => [e.fromState, e.toState, e.event, e.actor, e.reason])).toEqual([
      [null, first, "admin_bind", "admin:ops", "demo wallet"],
      [first, second, "admin_bind", "admin:ops", "rotated"],
    ]);
  });

  it("refuses a missing or blank reason (400), the zero address and the treasury (422), and changes nothing", async () => {
    const h = harness({ AUDITION_FEE_TREASURY: TREASURY });
    expect((await bind(h, "wb2", { address: `0x${"8".repeat(40)}` })).status).toBe(400);
    expect((await bind(h, "wb2", { address: `0x${"8".repeat(40)}`, reason: "  " })).status).toBe(400);
    for (const address of [`0x${"0".repeat(40)}`, TREASURY, TREASURY.toUpperCase().replace("0X", "0x")]) {
      const res = await bind(h, "wb2", { address, reason: "try" });
      expect(res.status).toBe(422);
      expect(res.body.error.details.code).toBe("reserved_address");
    }
    expect((await h.call("wb2", "GET", "/me/wallet")).status).toBe(404);
    expect(
      (await h.call("ops", "GET", "/admin/lifecycle/events?subjectKind=wallet&subjectId=wb2", undefined, "admin")).body.events,
    ).toEqual([]);
  });

  it("is off without the flag, and off in production even with it (403)", async () => {
    for (const vars of <Array<Record<string, string>>>[
      { ADMIN_WALLET_BINDING: "false" },
      { ADMIN_WALLET_BINDING: "" },
      { ADMIN_WALLET_BINDING: "true", APP_ENV: "production" },
    ]) {
      const h = harness(vars);
      const res = await bind(h, "wb3", { address: `0x${"9".repeat(40)}`, reason: "demo" });
      expect(res.status).toBe(403);
      expect(res.body.error.details.code).toBe("admin_binding_disabled");
    }
    expect((await harness().call("wb3", "GET", "/me/wallet")).status).toBe(404);
  });
});
