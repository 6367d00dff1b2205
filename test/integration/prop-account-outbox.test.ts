/**
 * Issue 24 item 8: the projection outbox is never stranded. A commit arms the object's retry alarm in
 * the same storage transaction as its outbox entry; every entry point drains, even one that changes
 * nothing. Each case writes a real engine step (a freeze) straight into the object's storage and
 * "crashes" before the drain (no drain runs), then shows the D1 projection catching up through the next
 * call of each entry point, or through the alarm alone.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { sequentialIds } from "../../src/core/ids";
import { accountStub, findAccount, openPropAccount } from "../../src/domains/trading";
import { applyEvent } from "../../src/domains/trading/engine.model";
import { PropAccountStorage } from "../../src/domains/trading/prop-account/prop-account.storage";
import type { PropAccount } from "../../src/index";
import { putQuote } from "../support/prop-market";
import { seedRecordedRegistry } from "../support/registry-seed";

const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);
const deps = { env, ids: sequentialIds() };
/** Any future instant (an alarm in the past fires at once); the storage is given it as its retry time. */
const ALARM_AT = Date.now() + 3_600_000;
type Stub = ReturnType<typeof accountStub>;
const asDo = (stub: Stub) => stub as unknown as DurableObjectStub<PropAccount>;
const alarmOf = (stub: Stub) => runInDurableObject(asDo(stub), (_i, state) => state.storage.getAlarm());

const open = async () =>
  (
    await openPropAccount(deps, {
      cloneId: "clone-o",
      ownerId: "olga",
      kind: "sandbox",
      startingBalanceMicroUsd: 10_000_000_000,
      startMs: T0,
      endMs: T0 + 86_400_000,
      rules: { slippageBps: 0 },
      allowedSymbols: ["BTC"],
    })
  ).accountId;

/** Commits a freeze as the host would, then stops: the crash between commit and drain. */
async function commitThenCrash(stub: Stub): Promise<number | null> {
  return runInDurableObject(asDo(stub), async (_instance, state) => {
    const store = new PropAccountStorage(state.storage, () => ALARM_AT);
    const current = store.load();
    if (!current) throw new Error("not open");
    const frozen = applyEvent(current, { type: "freeze", t: T0 + 5_000 });
    store.commit({
      state: frozen.state,
      effects: frozen.effects,
      t: T0 + 5_000,
      log: [{ key: "admin:crash-freeze", answer: { status: "done" } }],
    });
    return state.storage.getAlarm();
  });
}

beforeAll(async () => {
  await seedRecordedRegistry();
  await putQuote("BTC", T0, { mark: "60000", mid: "60000" });
});

describe("outbox drain after a crash", () => {
  it("a drained account has no alarm pending; a commit arms it in the same transaction", async () => {
    const stub = accountStub(env, await open());
    expect(await alarmOf(stub)).toBeNull();
    expect(await commitThenCrash(stub)).toBe(ALARM_AT);
  });

  // Each entry point, called with a request it already answered (so it changes nothing itself).
  const repeats: [string, (stub: Stub) => Promise<unknown>][] = [
    ["mark", (s) => s.mark(T0 + 60_000, { assets: {}, quotes: {} })],
    ["settleFunding", (s) => s.settleFunding(T0, [], T0 + 60_000)],
    [
      "admin",
      (s) => s.admin({ requestId: "crash", actor: "root", reason: "r", op: { kind: "unfreeze" } }, T0 + 60_000, { assets: {}, quotes: {} }),
    ],
    [
      "submitAction",
      (s) =>
        s.submitAction({ actionId: "a1", symbol: "BTC", action: "hold", confidence: 1, reason: "", decidedAtMs: T0 }, T0 + 60_000, {
          assets: {},
          quotes: {},
        }),
    ],
  ];

  it.each(repeats)("the next %s call drains the entry and disarms the alarm", async (_name, call) => {
    const accountId = await open();
    const stub = accountStub(env, accountId);
    await call(stub); // first time: answered and drained
    await commitThenCrash(stub);
    expect((await findAccount(env.DB, accountId))?.status).toBe("active"); // not projected yet
    await call(accountStub(env, accountId));
    const row = await findAccount(env.DB, accountId);
    expect(row?.status).toBe("frozen");
    expect(row?.projectedSeq).toBe((await stub.ledgerCheck()).ackedSeq);
    expect(await alarmOf(stub)).toBeNull();
  });

  it("the next finalize call drains the entry", async () => {
    const accountId = await open();
    const stub = accountStub(env, accountId);
    await stub.finalize(T0 + 60_000, { assets: {}, quotes: {} });
    // A crash after a later commit on the finalized account (an admin audit): the repeated finalize drains.
    await runInDurableObject(asDo(stub), (_i, state) => {
      const store = new PropAccountStorage(state.storage, () => ALARM_AT);
      const current = store.load();
      if (!current) throw new Error("not open");
      store.commit({
        state: { ...current, cashMicroUsd: current.cashMicroUsd },
        effects: [],
        t: T0 + 70_000,
        log: [{ key: "admin:noop", answer: null }],
      });
    });
    const before = (await findAccount(env.DB, accountId))?.projectedSeq ?? 0;
    expect((await stub.ledgerCheck()).ackedSeq).toBe(before);
    await stub.finalize(T0 + 80_000, { assets: {}, quotes: {} });
    expect((await findAccount(env.DB, accountId))?.projectedSeq).toBe(before + 1);
  });

  it("with no further call, the alarm alone drains the entry", async () => {
    const accountId = await open();
    const stub = accountStub(env, accountId);
    await commitThenCrash(stub);
    expect((await findAccount(env.DB, accountId))?.status).toBe("active");
    expect(await runDurableObjectAlarm(asDo(stub))).toBe(true);
    expect((await findAccount(env.DB, accountId))?.status).toBe("frozen");
    expect(await alarmOf(stub)).toBeNull();
  });
});
