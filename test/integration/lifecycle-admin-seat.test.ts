/**
 * Admin seat (`POST /api/v1/admin/lifecycle/slots/{cloneId}/seat`): an operator seats a clone without an
 * audition (operations, the `npm start` demo). Own file: the Arena slots of lifecycle-arena.test.ts are
 * already full by the time a test there would run. Passed clones are produced the production way.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { lifecycleHarness } from "../support/lifecycle";
import { eligibleClone, FakeAuditionAccounts, grantCredits } from "../support/lifecycle-clones";
import { seedRecordedRegistry } from "../support/registry-seed";

const NOW = Date.UTC(2026, 11, 3, 6);

function harness(slots: string) {
  const accounts = new FakeAuditionAccounts();
  return { accounts, ...lifecycleHarness(NOW, { ARENA_SLOTS: slots, AUDITION_DURATION_HOURS: "1" }, accounts) };
}
type H = ReturnType<typeof harness>;

async function passedClone(h: H, user: string, returnBps: number, maxDrawdownBps: number): Promise<string> {
  const cloneId = await eligibleClone(h, user, "gpt-5-mini", `Queued ${user}`);
  await grantCredits(user, 1, `seat-${user}`);
  const audition = (await h.call(user, "POST", `/clones/${cloneId}/auditions`)).body;
  h.clock.set(Math.max(h.clock.nowMs(), audition.endsAtMs));
  h.accounts.results.set(audition.accountId, { status: "finalized", fills: 10, returnBps, maxDrawdownBps });
  await h.runJob("lifecycle.auditions-worker");
  return cloneId;
}

const seated = async (h: H) => (await h.call("anyone", "GET", "/arena/slots")).body.slots.map((s: { cloneId: string | null }) => s.cloneId);
const queued = async (h: H) => (await h.call("anyone", "GET", "/arena/queue")).body.entries.map((e: { cloneId: string }) => e.cloneId);

beforeAll(async () => {
  await seedRecordedRegistry();
});

describe("admin seat", () => {
  it("seats without an audition in the lowest free slot, idempotently, audited; never a retired or removed clone, never beyond the slots", async () => {
    const h = harness("2");
    const seat = (cloneId: string, reason = "demo seed") =>
      h.call("ops", "POST", `/admin/lifecycle/slots/${cloneId}/seat`, { reason }, "admin");
    const a = await eligibleClone(h, "s1", "gpt-5-mini", "Seat A");
    const b = await eligibleClone(h, "s2", "gpt-5-mini", "Seat B");
    const c = await eligibleClone(h, "s3", "gpt-5-mini", "Seat C");

    expect((await seat(a)).body).toEqual({ cloneId: a, status: "seated", slot: 1, seatedNow: true });
    expect((await seat(a)).body).toEqual({ cloneId: a, status: "seated", slot: 1, seatedNow: false }); // nothing written
    // A queued clone (passed its audition) is seated from the queue: one entry, now `seated`.
    const queuedOne = await passedClone(h, "s4", 500, 100);
    expect(await queued(h)).toEqual([queuedOne]);
    expect((await seat(queuedOne)).body).toMatchObject({ slot: 2, seatedNow: true });
    expect(await queued(h)).toEqual([]);
    expect(await seated(h)).toEqual([a, queuedOne]);

    const full = await seat(b);
    expect(full.status).toBe(409);
    expect(full.body.error.details.code).toBe("no_free_slot");
    // The seat is a real one: the arena-entry worker sees no free slot, removal frees it, the clone's owner is recorded.
    expect((await h.runJob("lifecycle.arena-entry-worker")).summary).toMatchObject({ freeSlotsBefore: 0 });
    expect((await h.call("ops", "POST", `/admin/lifecycle/slots/${a}/remove`, { reason: "x" }, "admin")).body.status).toBe("removed");
    expect((await seat(a)).body.error.details).toMatchObject({ code: "invalid_transition", from: "removed" }); // removed stays removed
    expect((await h.call("ops", "POST", `/admin/lifecycle/clones/${c}/retire`, { reason: "gone" }, "admin")).status).toBe(200);
    expect((await seat(c)).body.error.details.code).toBe("already_retired");
    expect((await seat("clone_nope")).status).toBe(404);
    expect((await seat(b)).body).toMatchObject({ slot: 1, seatedNow: true });
    expect(await seated(h)).toEqual([b, queuedOne]);

    const trail = (await h.call("ops", "GET", `/admin/lifecycle/events?subjectKind=queue&subjectId=${b}`, undefined, "admin")).body.events;
    expect(
      trail.map((e: { fromState: string | null; toState: string; event: string; actor: string; reason: string }) => [
        e.fromState,
        e.toState,
        e.event,
        e.actor,
        e.reason,
      ]),
    ).toEqual([[null, "seated", "admin_seat", "admin:ops", "slot 1: demo seed"]]);
  });
});
