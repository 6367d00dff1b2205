/**
 * Profile use cases: submit a version (enters moderation as pending, supersedes an older pending one),
 * moderate (approve / reject a pending version, take an approved one down, with a reason), the public
 * read (last approved version only), the moderation queue.
 *
 * Name uniqueness: a clone claims both confusable skeletons of the name of each version it submits
 * (`nameKeys`; `clone_profile_names`, PRIMARY KEY: of two concurrent claims one wins); claims no longer
 * used by the clone's pending version or its last approved version are released after every change
 * (a takedown releases the taken-down name unless an older approved version uses it). Callers: profile routes, admin routes,
 * arena.service (approved-profile gate).
 */
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import { transition } from "../../../core/transitions";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import { eventStatement } from "../lifecycle-events.service";
import {
  MODERATION_TRANSITIONS,
  type ModerationEvent,
  nameKeys,
  type ProfileInput,
  type ProfileVersion,
  type PublicProfile,
} from "./profile.model";
import { type ProfileVersionRow, profileNames, profileVersions } from "./profile.tables";

export type ProfileFailure = { kind: "name_taken" };
export type ModerationFailure = { kind: "not_found" } | { kind: "invalid_transition"; from: string; event: string };

const toVersion = ({ nameKey: _k, displayKey: _d, ...row }: ProfileVersionRow): ProfileVersion => row;

/** Deletes the clone's claims that neither its pending version nor its last approved version uses (either key). */
function releaseStaleClaims(db: Db, cloneId: string) {
  return rawStatement(
    db,
    sql`DELETE FROM clone_profile_names WHERE clone_id = ${cloneId} AND name_key NOT IN (
      SELECT k FROM (
        SELECT name_key AS k, version, status FROM clone_profile_versions WHERE clone_id = ${cloneId}
        UNION ALL SELECT display_key, version, status FROM clone_profile_versions WHERE clone_id = ${cloneId}
      ) WHERE k IS NOT NULL AND (status = 'pending' OR version =
        (SELECT MAX(version) FROM clone_profile_versions WHERE clone_id = ${cloneId} AND status = 'approved')))`,
  );
}

/**
 * After a takedown the clone's previous approved version is public again: its keys (released when the
 * newer one was approved) are claimed back. A key another clone took in between stays with that clone
 * (INSERT OR IGNORE); the moderator sees both names in the queue views and can take one down.
 */
function reclaimLastApproved(db: Db, cloneId: string, nowMs: number) {
  return rawStatement(
    db,
    sql`INSERT OR IGNORE INTO clone_profile_names (name_key, clone_id, claimed_at_ms)
      SELECT k, ${cloneId}, ${nowMs} FROM (
        SELECT name_key AS k, version FROM clone_profile_versions WHERE clone_id = ${cloneId} AND status = 'approved'
        UNION ALL SELECT display_key, version FROM clone_profile_versions WHERE clone_id = ${cloneId} AND status = 'approved'
      ) WHERE k IS NOT NULL AND version = (SELECT MAX(version) FROM clone_profile_versions WHERE clone_id = ${cloneId} AND status = 'approved')`,
  );
}

export async function submitProfile(
  db: Db,
  deps: AppDeps,
  cloneId: string,
  input: ProfileInput,
  actor: string,
): Promise<Result<ProfileVersion, ProfileFailure>> {
  const nowMs = deps.clock.nowMs();
  const keys = nameKeys(input.displayName);
  const wanted = [...new Set([keys.nameKey, keys.displayKey])];
  await db
    .insert(profileNames)
    .values(wanted.map((k) => ({ nameKey: k, cloneId, claimedAtMs: nowMs })))
    .onConflictDoNothing();
  const claims = await db.select().from(profileNames).where(inArray(profileNames.nameKey, wanted));
  if (claims.length !== wanted.length || claims.some((c) => c.cloneId !== cloneId)) {
    await releaseStaleClaims(db, cloneId); // the key this call did win, if any, is not kept for a refused name
    return err({ kind: "name_taken" });
  }

  const [last] = await db
    .select({ version: profileVersions.version })
    .from(profileVersions)
    .where(eq(profileVersions.cloneId, cloneId))
    .orderBy(desc(profileVersions.version))
    .limit(1);
  const pending = await db
    .select()
    .from(profileVersions)
    .where(and(eq(profileVersions.cloneId, cloneId), eq(profileVersions.status, "pending")));
  const row: ProfileVersionRow = {
    id: deps.ids.next("prof"),
    cloneId,
    version: (last?.version ?? 0) + 1,
    displayName: input.displayName,
    nameKey: keys.nameKey,
    displayKey: keys.displayKey,
    avatarUrl: input.avatarUrl,
    bio: input.bio,
    strategySummary: input.strategySummary,
    status: "pending",
    reason: null,
    submittedBy: actor,
    submittedAtMs: nowMs,
    moderatedBy: null,
    moderatedAtMs: null,
  };
  await db.batch([
    db
      .update(profileVersions)
      .set({ status: "rejected", reason: "superseded", moderatedBy: actor, moderatedAtMs: nowMs })
      .where(and(eq(profileVersions.cloneId, cloneId), eq(profileVersions.status, "pending"))),
    ...pending.map((p) =>
      eventStatement(db, deps, {
        subjectKind: "profile",
        subjectId: p.id,
        cloneId,
        fromState: "pending",
        toState: "rejected",
        event: "supersede",
        actor,
        reason: "superseded",
        atMs: nowMs,
      }),
    ),
    db.insert(profileVersions).values(row),
    eventStatement(db, deps, {
      subjectKind: "profile",
      subjectId: row.id,
      cloneId,
      toState: "pending",
      event: "submit",
      actor,
      atMs: nowMs,
    }),
    releaseStaleClaims(db, cloneId),
  ]);
  return ok(toVersion(row));
}

/**
 * Approves or rejects a pending version, or takes an approved one down (`takedown`: approved ->
 * rejected); anything else is an invalid transition. The audit row and the update are guarded by the
 * status read, so of two racing decisions one wins and the other reports the transition it lost.
 */
export async function moderateProfile(
  db: Db,
  deps: AppDeps,
  versionId: string,
  event: Exclude<ModerationEvent, "supersede">,
  actor: string,
  reason: string | null,
): Promise<Result<ProfileVersion, ModerationFailure>> {
  const [row] = await db.select().from(profileVersions).where(eq(profileVersions.id, versionId));
  if (!row) return err({ kind: "not_found" });
  const next = transition(MODERATION_TRANSITIONS, row.status, event);
  if (!next.ok) return err(next.error);
  const nowMs = deps.clock.nowMs();
  const set = { status: next.value, reason, moderatedBy: actor, moderatedAtMs: nowMs };
  await db.batch([
    eventStatement(
      db,
      deps,
      {
        subjectKind: "profile",
        subjectId: row.id,
        cloneId: row.cloneId,
        fromState: row.status,
        toState: next.value,
        event,
        actor,
        reason,
        atMs: nowMs,
      },
      sql`EXISTS (SELECT 1 FROM clone_profile_versions WHERE id = ${row.id} AND status = ${row.status})`,
    ),
    db
      .update(profileVersions)
      .set(set)
      .where(and(eq(profileVersions.id, row.id), eq(profileVersions.status, row.status))),
    ...(event === "takedown" ? [reclaimLastApproved(db, row.cloneId, nowMs)] : []),
    releaseStaleClaims(db, row.cloneId),
  ]);
  const [after] = await db.select().from(profileVersions).where(eq(profileVersions.id, versionId));
  if (after?.moderatedAtMs !== nowMs || after.status !== next.value)
    return err({ kind: "invalid_transition", from: after?.status ?? row.status, event });
  return ok(toVersion(after));
}

/** The last approved version of each of `cloneIds`, as the public sees it. */
export async function approvedProfiles(db: Db, cloneIds: readonly string[]): Promise<Map<string, PublicProfile>> {
  const out = new Map<string, PublicProfile>();
  if (cloneIds.length === 0) return out;
  const rows = await db
    .select()
    .from(profileVersions)
    .where(and(inArray(profileVersions.cloneId, [...cloneIds]), eq(profileVersions.status, "approved")))
    .orderBy(asc(profileVersions.version));
  for (const r of rows) {
    out.set(r.cloneId, {
      cloneId: r.cloneId,
      version: r.version,
      displayName: r.displayName,
      avatarUrl: r.avatarUrl,
      bio: r.bio,
      strategySummary: r.strategySummary,
      approvedAtMs: r.moderatedAtMs ?? r.submittedAtMs,
    });
  }
  return out;
}

export async function publicProfile(db: Db, cloneId: string): Promise<PublicProfile | undefined> {
  return (await approvedProfiles(db, [cloneId])).get(cloneId);
}

/** Every version of one clone (owner view), newest first. */
export async function profileVersionsOf(db: Db, cloneId: string): Promise<ProfileVersion[]> {
  return (await db.select().from(profileVersions).where(eq(profileVersions.cloneId, cloneId)).orderBy(desc(profileVersions.version))).map(
    toVersion,
  );
}

/** The moderation queue: versions in `status`, oldest submission first. */
export async function moderationQueue(db: Db, status: ProfileVersion["status"], limit = 200): Promise<ProfileVersion[]> {
  const rows = await db
    .select()
    .from(profileVersions)
    .where(eq(profileVersions.status, status))
    .orderBy(asc(profileVersions.submittedAtMs), asc(profileVersions.id))
    .limit(limit);
  return rows.map(toVersion);
}
