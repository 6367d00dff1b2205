/**
 * KEK rotation inside workerd: agent keys sealed under the old KEK are re-sealed by the job
 * `trading.live-rewrap-agent-keys` (through the job runner, as `npm run job` reaches it) and then open
 * with ONLY the new KEK; the job works in bounded chunks, reports rewrapped / already current /
 * unreadable / remaining, changes nothing on a second run, and its per-row compare-and-swap refuses to
 * overwrite a row that changed since it was read.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { liveAgentKeys } from "../../src/domains/trading";
import { rewrapRow } from "../../src/domains/trading/live/agent-key-rewrap.service";
import { keyRingFromSettings, openAgentKey, sealAgentKey } from "../../src/domains/trading/live/hyperliquid/agent-key.service";
import { runJobNow } from "../../src/jobs";

const kek = (seed: number) => btoa(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => (i * 13 + seed) & 0xff)));
const OLD = kek(1);
const NEW = kek(2);
const STRAY = kek(3);
const JOB = "trading.live-rewrap-agent-keys";
const db = openDb(env.DB);
const deps = { clock: fixedClock(1_800_000_000_000), ids: sequentialIds() };
const rotated = { ...env, LIVE_AGENT_KEK: NEW, LIVE_AGENT_KEK_ID: "k2", LIVE_AGENT_KEK_PREVIOUS: `k1:${OLD}` } as Env;
const onlyNew = { LIVE_AGENT_KEK: NEW, LIVE_AGENT_KEK_ID: "k2" };

/** Private keys by row id (the test's own copy, to prove each row still opens to the same key). */
const keys = new Map<string, Hex>();

async function insert(id: string, kekSettings: { LIVE_AGENT_KEK: string; LIVE_AGENT_KEK_ID: string }, tamper = false) {
  const privateKey = generatePrivateKey();
  const sealed = await sealAgentKey(privateKey, await keyRingFromSettings(kekSettings));
  keys.set(id, privateKey);
  // A tampered ciphertext: one base64 character changed, so AES-GCM authentication fails.
  const ciphertext = tamper ? `${sealed.ciphertext[0] === "A" ? "B" : "A"}${sealed.ciphertext.slice(1)}` : sealed.ciphertext;
  await db.insert(liveAgentKeys).values({
    id,
    exchangeAccountId: "lea-1",
    ownerId: "rot-owner",
    address: sealed.address,
    kekId: sealed.kekId,
    iv: sealed.iv,
    ciphertext,
    status: "approved",
    createdAtMs: 0,
    approvedAtMs: 0,
  });
}

async function run(params: Record<string, string>, nowMs: number) {
  const outcome = await runJobNow(rotated, { ...deps, clock: fixedClock(nowMs) }, JOB, params);
  if (!outcome.ok || outcome.value.status !== "ran") throw new Error(`job did not run: ${JSON.stringify(outcome)}`);
  expect(outcome.value.run.status, outcome.value.run.error ?? "").toBe("ok");
  return JSON.parse(outcome.value.run.summaryJson ?? "{}");
}

const rows = () => db.select().from(liveAgentKeys);

beforeAll(async () => {
  for (let i = 0; i < 7; i++) await insert(`ak-a${i}`, { LIVE_AGENT_KEK: OLD, LIVE_AGENT_KEK_ID: "k1" });
  for (let i = 0; i < 2; i++) await insert(`ak-b${i}`, { LIVE_AGENT_KEK: NEW, LIVE_AGENT_KEK_ID: "k2" });
  // Unreadable: sealed under a KEK the ring does not hold, and a damaged ciphertext under the old one.
  await insert("ak-z0", { LIVE_AGENT_KEK: STRAY, LIVE_AGENT_KEK_ID: "k0" });
  await insert("ak-z1", { LIVE_AGENT_KEK: OLD, LIVE_AGENT_KEK_ID: "k1" }, true);
});

describe("agent-key re-wrap after a KEK rotation", () => {
  it("before the re-wrap, the new KEK alone cannot open the old rows", async () => {
    const row = (await rows()).find((r) => r.id === "ak-a0");
    if (!row) throw new Error("row missing");
    await expect(
      openAgentKey(
        { address: row.address as Address, kekId: row.kekId, iv: row.iv, ciphertext: row.ciphertext },
        await keyRingFromSettings(onlyNew),
      ),
    ).rejects.toThrow(/no KEK with id k1/);
  });

  it("re-seals in bounded chunks, reports the counts, and the rows then open with only the new KEK", async () => {
    // One chunk of 3: three rows move, the rest is reported as remaining.
    const first = await run({ chunkSize: "3", maxChunks: "1" }, 1_800_000_000_000);
    expect(first).toMatchObject({ currentKekId: "k2", rewrapped: 3, alreadyCurrent: 2, raced: 0, unreadable: 0, remaining: 6, chunks: 1 });

    const second = await run({ chunkSize: "3", maxChunks: "10" }, 1_800_000_060_000);
    expect(second).toMatchObject({ rewrapped: 4, alreadyCurrent: 5, raced: 0, unreadable: 2, remaining: 2, chunks: 2 });
    expect(second.unreadableRows).toEqual([
      { id: "ak-z0", kekId: "k0", reason: "unknown_kek" },
      { id: "ak-z1", kekId: "k1", reason: "decrypt_failed" },
    ]);

    const ring = await keyRingFromSettings(onlyNew);
    const all = await rows();
    for (const r of all.filter((x) => !x.id.startsWith("ak-z"))) {
      expect(r.kekId).toBe("k2");
      const opened = await openAgentKey({ address: r.address as Address, kekId: r.kekId, iv: r.iv, ciphertext: r.ciphertext }, ring);
      expect(opened).toBe(keys.get(r.id));
    }
    // The unreadable rows are left exactly as they were.
    expect(all.filter((x) => x.id.startsWith("ak-z")).map((x) => x.kekId)).toEqual(["k0", "k1"]);
  });

  it("is idempotent: a second run re-seals nothing and reports the same unreadable rows", async () => {
    const before = await rows();
    const again = await run({}, 1_800_000_120_000);
    expect(again).toMatchObject({ rewrapped: 0, alreadyCurrent: 9, raced: 0, unreadable: 2, remaining: 2 });
    expect(await rows()).toEqual(before);
  });

  it("never overwrites a row that changed since it was read (compare on the old ciphertext)", async () => {
    await insert("ak-c0", { LIVE_AGENT_KEK: OLD, LIVE_AGENT_KEK_ID: "k1" });
    const [stale] = await db.select().from(liveAgentKeys).where(eq(liveAgentKeys.id, "ak-c0"));
    if (!stale) throw new Error("row missing");
    const ring = await keyRingFromSettings({ ...onlyNew, LIVE_AGENT_KEK_PREVIOUS: `k1:${OLD}` });
    expect(await rewrapRow(db, stale, ring)).toBe("rewrapped");
    const [now] = await db.select().from(liveAgentKeys).where(eq(liveAgentKeys.id, "ak-c0"));
    // A second writer holding the stale read loses and writes nothing.
    expect(await rewrapRow(db, stale, ring)).toBe("raced");
    expect((await db.select().from(liveAgentKeys).where(eq(liveAgentKeys.id, "ak-c0")))[0]).toEqual(now);
  });

  it("refuses a ring whose previous KEKs reuse the current id, and bad parameters", async () => {
    const reused = { ...env, LIVE_AGENT_KEK: NEW, LIVE_AGENT_KEK_ID: "k2", LIVE_AGENT_KEK_PREVIOUS: `k2:${OLD}` } as Env;
    const bad = await runJobNow(reused, { ...deps, clock: fixedClock(1_800_000_180_000) }, JOB, {});
    expect(bad.ok && bad.value.status === "ran" && bad.value.run).toMatchObject({ status: "error" });
    expect(bad.ok && bad.value.status === "ran" && bad.value.run.error).toMatch(/new LIVE_AGENT_KEK_ID/);
    expect(await runJobNow(rotated, deps, JOB, { chunkSize: "0" })).toMatchObject({ ok: false });
  });
});
