/**
 * The settlement artifact (issue 19): settling a race writes its full document to R2 once (byte for byte
 * the `npm run arena:settle` line, per-ticket allocations included, its SHA-256 the key's and its
 * settlementHash the D1 row's), indexed under race id + settlement hash; a re-run writes nothing; an
 * artifact lost to a crash after the D1 batch (or a blob gone) is repaired by a re-run or by the
 * `arena.reconcile` job; the admin route streams the stored bytes.
 */
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { manualClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { digestSha256Hex } from "../../src/core/sha256";
import {
  formatSettlementLine,
  type RaceRow,
  SETTLEMENT_ARTIFACT_OWNER_KIND,
  settlementArtifactOwnerId,
  settleRace,
  settleStoredRace,
} from "../../src/domains/arena";
import { findRace } from "../../src/domains/arena/races/race-moves.storage";
import { raceInputOf } from "../../src/domains/arena/settlement/settlement.service";
import { type ArtifactStore, artifactsOf, hashOfKey, r2ArtifactStore } from "../../src/domains/artifacts";
import { db, settlingRace } from "../support/arena-races";
import { bearer } from "../support/auth";
import { lifecycleHarness } from "../support/lifecycle";

const deps = { clock: manualClock(10_000_000), ids: sequentialIds() };
const cause = { kind: "admin" as const, ref: "admin:test" };

/** The R2 store, counting the puts that reach the bucket; `failPuts` puts throw first (a crash before R2). */
function countingStore(failPuts = 0) {
  const real = r2ArtifactStore(env.ARTIFACTS);
  const counts = { bucketPuts: 0, failed: 0 };
  const bucket = env.ARTIFACTS;
  const spy = new Proxy(bucket, {
    get(target, prop, receiver) {
      if (prop === "put")
        return (...args: Parameters<R2Bucket["put"]>) => {
          counts.bucketPuts++;
          return target.put(...args);
        };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const counted = r2ArtifactStore(spy);
  const store: ArtifactStore = {
    put: async (content, options) => {
      if (counts.failed < failPuts) {
        counts.failed++;
        throw new Error("injected crash before the R2 put");
      }
      return counted.put(content, options);
    },
    get: (key) => real.get(key),
    head: (key) => real.head(key),
  };
  return { store, counts };
}

const spec = (tag: string) => ({
  tag,
  users: 4,
  results: [
    { returnBps: 300, maxDrawdownBps: 100 },
    { returnBps: 800, maxDrawdownBps: 500 },
    { returnBps: -200, maxDrawdownBps: 900 },
  ],
  tickets: [
    [0, 2, 10_000_000, 1],
    [1, 1, 3_333_333, 20],
    [2, 2, 7_000_001, 5],
    [3, 3, 2_500_000, 59],
    [0, 1, 1_234_567, 40],
  ] as Array<[number, number, number, number]>,
});

async function settlementRow(raceId: string) {
  return db().get<{ key: string | null; hash: string }>(
    sql`SELECT artifact_key AS key, settlement_hash AS hash FROM arena_settlements WHERE race_id = ${raceId}`,
  );
}

/** The stored document, checked against the pure settlement of the same rows (the CLI's line). */
async function expectArtifactOf(raceId: string) {
  const row = await settlementRow(raceId);
  expect(row?.key).toBeTruthy();
  const key = row?.key as string;
  const got = await r2ArtifactStore(env.ARTIFACTS).get(key);
  expect(got).not.toBeNull();
  const text = new TextDecoder().decode(got?.content);
  const pure = settleRace(await raceInputOf(db(), (await findRace(db(), raceId)) as RaceRow));
  expect(text).toBe(formatSettlementLine(pure));
  expect(JSON.parse(text).settlementHash).toBe(row?.hash);
  expect(JSON.parse(text).payouts.length).toBe(pure.payouts.length);
  expect(await digestSha256Hex(text)).toBe(hashOfKey(key));
  const links = await artifactsOf(db(), { kind: SETTLEMENT_ARTIFACT_OWNER_KIND, id: settlementArtifactOwnerId(raceId, row?.hash ?? "") });
  expect(links.map((l) => [l.role, l.artifactKey])).toEqual([["settlement", key]]);
  return { key, text };
}

describe("settlement artifact", () => {
  it("is written once on settling: the CLI's line, its SHA-256 the key's, the row's settlementHash; a re-run writes nothing", async () => {
    const race = await settlingRace(spec("once"));
    const { store, counts } = countingStore();
    const first = await settleStoredRace(db(), deps, race.raceId, { actor: "admin:test", cause, artifacts: store });
    expect(first.ok && first.value.artifact.kind).toBe("written");
    const { key } = await expectArtifactOf(race.raceId);
    expect(counts.bucketPuts).toBe(1);
    const uploaded = (await env.ARTIFACTS.head(key))?.uploaded.getTime();

    const again = await settleStoredRace(db(), deps, race.raceId, { actor: "admin:test", cause, artifacts: store });
    expect(again.ok && again.value).toMatchObject({ written: false, artifact: { kind: "present", key } });
    expect(counts.bucketPuts).toBe(1);
    expect((await env.ARTIFACTS.head(key))?.uploaded.getTime()).toBe(uploaded);
  });

  it("a crash between the D1 settlement and the R2 put: the race is settled, and a re-run writes the artifact", async () => {
    const race = await settlingRace(spec("rerun"));
    const { store, counts } = countingStore(1);
    const first = await settleStoredRace(db(), deps, race.raceId, { actor: "admin:test", cause, artifacts: store });
    expect(first.ok && first.value.written).toBe(true);
    expect(first.ok && first.value.artifact.kind).toBe("failed");
    expect((await findRace(db(), race.raceId))?.status).toBe("settled");
    expect((await settlementRow(race.raceId))?.key).toBeNull();
    const rerun = await settleStoredRace(db(), deps, race.raceId, { actor: "admin:test", cause, artifacts: store });
    expect(rerun.ok && rerun.value).toMatchObject({ written: false, artifact: { kind: "written", repaired: false } });
    await expectArtifactOf(race.raceId);
    expect(counts.bucketPuts).toBe(1);
  });

  it("arena.reconcile writes a missing artifact and rewrites a lost blob; a clean run writes nothing", async () => {
    const h = lifecycleHarness(30_000_000);
    const never = await settlingRace(spec("recon"));
    const { store } = countingStore(1);
    await settleStoredRace(db(), deps, never.raceId, { actor: "admin:test", cause, artifacts: store });
    expect((await settlementRow(never.raceId))?.key).toBeNull();

    const run1 = await h.runJob("arena.reconcile");
    expect(run1.summary.artifactsWritten).toBeGreaterThanOrEqual(1);
    const { key } = await expectArtifactOf(never.raceId);

    const run2 = await h.runJob("arena.reconcile");
    expect(run2.summary.artifactsWritten).toBe(0);

    await env.ARTIFACTS.delete(key);
    const run3 = await h.runJob("arena.reconcile");
    expect(run3.summary.artifactsWritten).toBe(1);
    expect((await expectArtifactOf(never.raceId)).key).toBe(key);
  });

  it("GET /admin/races/{id}/settlement/artifact streams the stored bytes (admin only; 404 before settling)", async () => {
    const race = await settlingRace(spec("route"));
    const app = createApp({ clock: manualClock(40_000_000), ids: sequentialIds() });
    const get = async (role: "admin" | "user") =>
      app.request(`/api/v1/admin/races/${race.raceId}/settlement/artifact`, { headers: await bearer(`${role}-1`, role, 40_000_000) }, env);
    expect((await get("admin")).status).toBe(404);
    await settleStoredRace(db(), deps, race.raceId, { actor: "admin:test", cause, artifacts: r2ArtifactStore(env.ARTIFACTS) });
    const { key, text } = await expectArtifactOf(race.raceId);
    const res = await get("admin");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-artifact-key")).toBe(key);
    expect(res.headers.get("x-settlement-hash")).toBe((await settlementRow(race.raceId))?.hash);
    expect(await res.text()).toBe(text);
    expect((await get("user")).status).toBe(403);
  });
});
