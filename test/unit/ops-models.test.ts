/**
 * The pure parts of ops: the alert episode transition table (every allowed and forbidden move), the
 * step that decides state and notification, silences, backoff; and the backup comparison the restore
 * check prints (a difference names its table).
 */
import { describe, expect, it } from "vitest";
import {
  ALERT_EVENTS,
  ALERT_STATES,
  ALERT_TRANSITIONS,
  backoffMs,
  isSilenced,
  SilenceMatcherSchema,
  step,
  transition,
} from "../../src/domains/ops/alerts/alerts.model";
import { compareTables, describeDifference, tableDigestSource } from "../../src/domains/ops/backups/backup.model";

const T = 1_000_000;
const timing = { minDurationMs: 120_000, renotifyMs: 600_000 };

describe("alert transitions", () => {
  it("every (state, event) pair: allowed moves per the table, the rest InvalidTransition", () => {
    const moves = ALERT_STATES.flatMap((s) => ALERT_EVENTS.map((e) => [s, e, transition(s, e)] as const));
    expect(moves.filter(([, , to]) => typeof to === "string").map(([s, e, to]) => `${s} --${e}--> ${to}`)).toEqual([
      "pending --hold--> pending",
      "pending --elapse--> firing",
      "pending --clear--> discarded",
      "firing --hold--> firing",
      "firing --elapse--> firing",
      "firing --clear--> resolved",
    ]);
    for (const [s, e, to] of moves) if (!ALERT_TRANSITIONS[s][e]) expect(to).toEqual({ kind: "invalid_transition", from: s, event: e });
  });

  it("step: pending until the minimum duration, then firing (notify), resolved on clear (notify)", () => {
    expect(step(undefined, false, T, timing)).toBeUndefined();
    expect(step(undefined, true, T, timing)).toEqual({ state: "pending", notify: null });
    expect(step(undefined, true, T, { ...timing, minDurationMs: 0 })).toEqual({ state: "firing", notify: "firing" });
    const pending = { state: "pending" as const, firstSeenMs: T, lastNotifiedMs: null, ackExpiresMs: null };
    expect(step(pending, true, T + 119_999, timing)).toEqual({ state: "pending", notify: null });
    expect(step(pending, true, T + 120_000, timing)).toEqual({ state: "firing", notify: "firing" });
    expect(step(pending, false, T + 60_000, timing)).toEqual({ state: "discarded", notify: null });
    const firing = { state: "firing" as const, firstSeenMs: T, lastNotifiedMs: T, ackExpiresMs: null };
    expect(step(firing, true, T + 599_999, timing)).toEqual({ state: "firing", notify: null });
    expect(step(firing, true, T + 600_000, timing)).toEqual({ state: "firing", notify: "reminder" });
    expect(step({ ...firing, ackExpiresMs: T + 700_000 }, true, T + 600_000, timing)).toEqual({ state: "firing", notify: null });
    expect(step(firing, true, T + 10 * 600_000, { ...timing, renotifyMs: 0 })).toEqual({ state: "firing", notify: null });
    expect(step(firing, false, T + 1, timing)).toEqual({ state: "resolved", notify: "resolved" });
  });

  it("silences match exact keys or prefixes, only while active", () => {
    const s = (matcher: string, expiresAtMs = T + 1, endedAtMs: number | null = null) => ({ matcher, expiresAtMs, endedAtMs });
    expect(isSilenced([s("job_stale:a")], "job_stale:a", T)).toBe(true);
    expect(isSilenced([s("job_stale:a")], "job_stale:ab", T)).toBe(false);
    expect(isSilenced([s("job_*")], "job_failing:x", T)).toBe(true);
    expect(isSilenced([s("job_*", T)], "job_failing:x", T)).toBe(false);
    expect(isSilenced([s("job_*", T + 5, T)], "job_failing:x", T)).toBe(false);
    expect(SilenceMatcherSchema.safeParse("*").success).toBe(false);
    expect(SilenceMatcherSchema.safeParse("Job Stale").success).toBe(false);
    expect(SilenceMatcherSchema.safeParse("ingestion_lag:defillama:tvl").success).toBe(true);
  });

  it("backoff doubles from the base and is capped at an hour", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 30_000))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffMs(30, 30_000)).toBe(3_600_000);
  });
});

describe("backup comparison (the restore check's verdict)", () => {
  const a = { name: "a", rows: 2, sha256: "1".repeat(64) };
  const b = { name: "b", rows: 0, sha256: "2".repeat(64) };
  it("equal tables give no difference", () => {
    expect(compareTables([a, b], [b, a])).toEqual([]);
  });
  it("each kind of difference names its table", () => {
    const d = compareTables(
      [a, b],
      [
        { ...a, rows: 3 },
        { name: "c", rows: 0, sha256: "3".repeat(64) },
      ],
    );
    expect(d.map(describeDifference)).toEqual(["a: rows differ (expected 2, got 3)", "b: missing", "c: not in the manifest"]);
    expect(compareTables([a], [{ ...a, sha256: "f".repeat(64) }]).map(describeDifference)).toEqual([
      `a: sha256 differ (expected ${"1".repeat(64)}, got ${"f".repeat(64)})`,
    ]);
  });
  it("a one-part table's digest is its part's; several parts hash their digests", () => {
    expect(tableDigestSource([{ sha256: "a" }])).toEqual({ digest: "a" });
    expect(tableDigestSource([{ sha256: "a" }, { sha256: "b" }])).toEqual({ hashText: "a\nb" });
  });
});
