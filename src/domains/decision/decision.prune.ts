/**
 * Retention of decision runs (issue 23 item 15): the `decision.prune-runs` job deletes runs older than
 * DECISION_RUN_RETENTION_DAYS with their action row and artifacts (links, then blobs no owner links any
 * more), in chunks of `chunk` runs, at most `maxChunks` per invocation; scan markers past retention go too.
 *
 * What is never deleted, because something outside this domain references the action id:
 *   - an action that filled, or that was accepted with a stop-loss/take-profit: the prop account's fills,
 *     ledger entries and trigger orders (Durable Object storage) carry its id;
 *   - an action whose intake outcome is unknown (null): the account may have applied it;
 *   - an action a `live_orders` row references (the live path keys orders by action id);
 *   - a run still pending or running.
 * Deleted: runs with no action (skipped, failed before the intake), denied actions (no effect on the
 * account) and plain accepted holds. Idempotent: a re-run or an overlap finds nothing more to delete.
 * Callers: decision.jobs.ts.
 */
import { lt, sql } from "drizzle-orm";
import { DAY_MS } from "../../core/clock";
import type { Db } from "../../db/client";
import { inJsonList } from "../../db/json-upsert";
import { type ArtifactStore, releaseOwnedArtifacts } from "../artifacts";
import { decisionActions, decisionRuns, decisionScans } from "./decision.tables";
import { RUN_ARTIFACT_OWNER } from "./decision.wiring";

export interface PruneInput {
  nowMs: number;
  retentionDays: number;
  /** Runs per chunk (one selection, one artifact release, one D1 batch). */
  chunk: number;
  maxChunks: number;
}

export interface PruneSummary {
  cutoffMs: number;
  runs: number;
  actions: number;
  artifactLinks: number;
  blobsDeleted: number;
  blobsKept: number;
  scans: number;
  /** True when the last chunk was full: more may be left for the next invocation. */
  more: boolean;
}

/** Terminal runs before the cutoff whose action (if any) nothing outside the domain references. */
const prunable = (cutoffMs: number, limit: number) => sql`
  SELECT r.id AS id FROM ${decisionRuns} r LEFT JOIN ${decisionActions} a ON a.run_id = r.id
  WHERE r.status IN ('succeeded', 'failed', 'skipped') AND r.created_at_ms < ${cutoffMs}
    AND (a.id IS NULL OR a.outcome_status = 'denied'
      OR (a.outcome_status = 'accepted' AND a.kind = 'hold'
        AND json_extract(a.action_json, '$.stopLossPx') IS NULL AND json_extract(a.action_json, '$.takeProfitPx') IS NULL))
    AND NOT EXISTS (SELECT 1 FROM live_orders o WHERE o.action_id = a.id)
  ORDER BY r.created_at_ms LIMIT ${limit}`;

export async function pruneDecisionRuns(db: Db, store: ArtifactStore, input: PruneInput): Promise<PruneSummary> {
  const cutoffMs = input.nowMs - input.retentionDays * DAY_MS;
  const out: PruneSummary = { cutoffMs, runs: 0, actions: 0, artifactLinks: 0, blobsDeleted: 0, blobsKept: 0, scans: 0, more: false };
  for (let i = 0; i < input.maxChunks; i++) {
    const ids = (await db.all<{ id: string }>(prunable(cutoffMs, input.chunk))).map((r) => r.id);
    if (ids.length === 0) {
      out.more = false;
      break;
    }
    // Artifacts first: a failure after it leaves runs without artifacts that the next invocation deletes.
    const released = await releaseOwnedArtifacts(db, store, RUN_ARTIFACT_OWNER, ids);
    const [actions, runs] = await db.batch([
      db.delete(decisionActions).where(inJsonList(decisionActions.runId, ids)).returning({ id: decisionActions.id }),
      db.delete(decisionRuns).where(inJsonList(decisionRuns.id, ids)).returning({ id: decisionRuns.id }),
    ]);
    out.runs += runs.length;
    out.actions += actions.length;
    out.artifactLinks += released.links;
    out.blobsDeleted += released.blobsDeleted;
    out.blobsKept += released.blobsKept;
    out.more = ids.length === input.chunk;
    if (!out.more) break;
  }
  const scans = await db
    .delete(decisionScans)
    .where(
      sql`rowid IN (SELECT rowid FROM ${decisionScans} WHERE ${lt(decisionScans.slotMs, cutoffMs)} LIMIT ${input.chunk * input.maxChunks})`,
    )
    .returning({ slot: decisionScans.slotMs });
  out.scans = scans.length;
  return out;
}
