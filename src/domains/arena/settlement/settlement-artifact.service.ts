/**
 * The settlement artifact (issue 19): a race's full canonical settlement, per-ticket allocations included,
 * as ONE JSON document: byte for byte the line `npm run arena:settle` prints for the same race. It is
 * stored through the artifacts domain (R2 `ARTIFACTS` in a Worker: content-addressed, gzip, verified on
 * read) and indexed under the race id + settlement hash: `artifact_links` owner (`arena_settlement`,
 * `<raceId>:<settlementHash>`), role `settlement`; `arena_settlements.artifact_key` names the blob.
 *
 * Invariants:
 *  - Derived, never a source: the document is rebuilt from the D1 rows of a COMPLETE settlement, and a
 *    document whose `settlementHash` differs from the row's is refused (never written).
 *  - Blob first, then the link and the key in one D1 batch: a key in D1 always names a stored blob. A crash
 *    between the settlement's D1 batches and the put leaves `artifact_key` NULL (or a key whose blob is
 *    gone); the next settle re-run or the `arena.reconcile` job repairs it (`ensureSettlementArtifact`).
 *  - Idempotent: a key whose blob is present is answered as is, nothing is written; equal content gives
 *    the same key, so two concurrent writers agree.
 * Callers: settlement.service (after a settle or a re-run), the reconciliation job, the admin artifact route.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import { type ArtifactHead, type ArtifactStore, artifactLinks, hashOfKey } from "../../artifacts";
import { findSettlement, storedSettlement } from "./settlement-read.storage";
import { formatSettlementLine } from "./settlement-wire.model";

export const SETTLEMENT_ARTIFACT_OWNER_KIND = "arena_settlement";
export const SETTLEMENT_ARTIFACT_ROLE = "settlement";
export const SETTLEMENT_ARTIFACT_CONTENT_TYPE = "application/json";

/** The owner id that keys a settlement's artifact link: race id + settlement hash. */
export const settlementArtifactOwnerId = (raceId: string, settlementHash: string) => `${raceId}:${settlementHash}`;

export type ArtifactOutcome =
  | { kind: "not_complete" }
  | { kind: "present"; key: string }
  | { kind: "written"; head: ArtifactHead; repaired: boolean }
  /** Only from settleStoredRace, which never lets the derived artifact fail a settled race. */
  | { kind: "failed"; message: string };

/** The settlement document of a complete settlement, rebuilt from D1 (undefined before it is complete). */
export async function settlementDocument(db: Db, raceId: string): Promise<{ text: string; settlementHash: string } | undefined> {
  const s = await storedSettlement(db, raceId);
  return s ? { text: formatSettlementLine(s), settlementHash: s.settlementHash } : undefined;
}

/**
 * Makes sure a complete settlement has its artifact: present -> nothing written; missing (never written,
 * or the blob is gone) -> rebuilt from D1, put, linked and keyed. `repaired` says an earlier attempt had
 * been lost (a key set without its blob) — a first write after settling is not a repair.
 */
export async function ensureSettlementArtifact(db: Db, store: ArtifactStore, raceId: string, nowMs: number): Promise<ArtifactOutcome> {
  const row = await findSettlement(db, raceId);
  if (row?.status !== "complete") return { kind: "not_complete" };
  if (row.artifactKey && (await store.head(row.artifactKey))) return { kind: "present", key: row.artifactKey };
  const doc = await settlementDocument(db, raceId);
  if (!doc) return { kind: "not_complete" };
  if (doc.settlementHash !== row.settlementHash)
    throw new Error(`settlement artifact of ${raceId}: rebuilt hash ${doc.settlementHash} differs from stored ${row.settlementHash}`);
  const head = await store.put(doc.text, { contentType: SETTLEMENT_ARTIFACT_CONTENT_TYPE });
  await db.batch([
    db
      .insert(artifactLinks)
      .values({
        ownerKind: SETTLEMENT_ARTIFACT_OWNER_KIND,
        ownerId: settlementArtifactOwnerId(raceId, row.settlementHash),
        role: SETTLEMENT_ARTIFACT_ROLE,
        artifactKey: head.key,
        sha256: head.sha256,
        bytes: head.bytes,
        storedBytes: head.storedBytes,
        contentType: head.contentType,
        createdAtMs: nowMs,
      })
      .onConflictDoNothing(),
    rawStatement(
      db,
      sql`UPDATE arena_settlements SET artifact_key = ${head.key}
          WHERE race_id = ${raceId} AND status = 'complete' AND settlement_hash = ${row.settlementHash}`,
    ),
  ]);
  return { kind: "written", head, repaired: row.artifactKey !== null };
}

/** Every complete settlement whose artifact is missing (key unset, or its blob gone), repaired; at most `limit` checked. */
export async function repairSettlementArtifacts(db: Db, store: ArtifactStore, nowMs: number, limit: number) {
  const rows = await db.all<{ raceId: string; artifactKey: string | null }>(
    sql`SELECT race_id AS raceId, artifact_key AS artifactKey FROM arena_settlements WHERE status = 'complete'
        ORDER BY (artifact_key IS NULL) DESC, completed_at_ms DESC, race_id LIMIT ${limit}`,
  );
  const counts = { checked: 0, written: 0, repaired: 0 };
  for (const r of rows) {
    counts.checked += 1;
    const outcome = await ensureSettlementArtifact(db, store, r.raceId, nowMs);
    if (outcome.kind === "written") {
      counts.written += 1;
      if (outcome.repaired) counts.repaired += 1;
    }
  }
  return counts;
}

/**
 * The stored document of a race's settlement, verified: the store checks the bytes against the key's
 * SHA-256, and the document's `settlementHash` must equal the D1 row's. Undefined when not written.
 */
export async function readSettlementArtifact(db: Db, store: ArtifactStore, raceId: string) {
  const row = await findSettlement(db, raceId);
  if (!row?.artifactKey) return undefined;
  const got = await store.get(row.artifactKey);
  if (!got) return undefined;
  const text = new TextDecoder().decode(got.content);
  const claimed = (JSON.parse(text) as { settlementHash?: unknown }).settlementHash;
  if (claimed !== row.settlementHash || hashOfKey(row.artifactKey) !== got.head.sha256)
    throw new Error(`settlement artifact of ${raceId} does not match its settlement hash ${row.settlementHash}`);
  return { key: row.artifactKey, sha256: got.head.sha256, settlementHash: row.settlementHash, text };
}
