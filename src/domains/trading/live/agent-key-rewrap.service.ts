/**
 * KEK rotation, second half: re-seals every `live_agent_keys` row that is not yet under the current KEK
 * (`LIVE_AGENT_KEK` / `LIVE_AGENT_KEK_ID`) with it, opening it with the older KEK named by its `kek_id`
 * (`LIVE_AGENT_KEK_PREVIOUS`). Run by the job `trading.live-rewrap-agent-keys` (manual only:
 * `npm run job -- trading.live-rewrap-agent-keys`); the procedure is in doc/domains/trading-live.md.
 *
 * Invariants:
 *  - bounded: at most `maxChunks` chunks of `chunkSize` rows per run (one SELECT and one D1 batch each);
 *    what is left is reported as `remaining` and the next run continues;
 *  - atomic per row: each row is one UPDATE that only matches while the row still holds the ciphertext,
 *    IV and KEK id it was read with (compare-and-swap), so a concurrent run, or an agent re-created in
 *    between, is never overwritten with a stale key; a row that lost the race is counted as `raced`;
 *  - idempotent: a row already under the current KEK is never touched (`alreadyCurrent`); re-running
 *    after completion changes nothing;
 *  - a row no KEK in the ring opens (unknown KEK id, or the ciphertext fails authentication) is left as
 *    it is and counted `unreadable` (its id and KEK id listed): do not drop an old KEK while any remain;
 *  - the opened private key lives only inside `rewrapRow`; nothing here logs or returns it.
 */
import { and, asc, count, eq, gt, ne } from "drizzle-orm";
import type { Address } from "viem";
import { type Db, openDb } from "../../../db/client";
import { AgentKeyError, type KeyRing, rewrapAgentKey, type SealedAgentKey } from "./hyperliquid/agent-key.service";
import { type LiveAgentKeyRow, liveAgentKeys } from "./live.tables";
import { keyRing } from "./live-exchange.service";

export interface RewrapOptions {
  /** Rows per chunk (one SELECT + one D1 batch). */
  chunkSize: number;
  /** Chunks per run; the rest is left for the next run. */
  maxChunks: number;
}

export interface RewrapSummary {
  currentKekId: string;
  /** Rows re-sealed under the current KEK by this run. */
  rewrapped: number;
  /** Rows that were already under the current KEK when the run started. */
  alreadyCurrent: number;
  /** Rows changed by someone else between read and write (left as they are now). */
  raced: number;
  /** Rows no KEK in the ring opens. */
  unreadable: number;
  unreadableRows: Array<{ id: string; kekId: string; reason: string }>;
  /** Rows still not under the current KEK after the run (unreadable ones included). */
  remaining: number;
  chunks: number;
}

type RowOutcome = "rewrapped" | "raced" | { unreadable: string };
type Resealed = { row: LiveAgentKeyRow; sealed: SealedAgentKey } | { row: LiveAgentKeyRow; unreadable: string };

/** Opens a row with the ring and seals it under the current KEK (no write). */
async function reseal(row: LiveAgentKeyRow, ring: KeyRing): Promise<Resealed> {
  try {
    return {
      row,
      sealed: await rewrapAgentKey({ address: row.address as Address, kekId: row.kekId, iv: row.iv, ciphertext: row.ciphertext }, ring),
    };
  } catch (error) {
    if (error instanceof AgentKeyError) return { row, unreadable: error.code };
    throw error;
  }
}

/** The compare-and-swap UPDATE: matches only while the row still holds what it was read with. */
const casUpdate = (db: Db, row: LiveAgentKeyRow, sealed: SealedAgentKey) =>
  db
    .update(liveAgentKeys)
    .set({ kekId: sealed.kekId, iv: sealed.iv, ciphertext: sealed.ciphertext })
    .where(
      and(
        eq(liveAgentKeys.id, row.id),
        eq(liveAgentKeys.kekId, row.kekId),
        eq(liveAgentKeys.iv, row.iv),
        eq(liveAgentKeys.ciphertext, row.ciphertext),
      ),
    )
    .returning({ id: liveAgentKeys.id });

/** Re-seals one row as read (`row` may be stale: then nothing is written and the answer is "raced"). */
export async function rewrapRow(db: Db, row: LiveAgentKeyRow, ring: KeyRing): Promise<RowOutcome> {
  const r = await reseal(row, ring);
  if ("unreadable" in r) return { unreadable: r.unreadable };
  return (await casUpdate(db, row, r.sealed)).length === 1 ? "rewrapped" : "raced";
}

const countWhere = async (db: Db, where: ReturnType<typeof eq>) =>
  (await db.select({ n: count() }).from(liveAgentKeys).where(where))[0]?.n ?? 0;

/** Re-seals the rows not under the current KEK, in chunks; see the header for the guarantees. */
export async function rewrapAgentKeys(env: Env, options: RewrapOptions): Promise<RewrapSummary> {
  const ring = await keyRing(env);
  if (ring.previous.some((k) => k.id === ring.current.id))
    throw new Error(`LIVE_AGENT_KEK_PREVIOUS names the current KEK id ${ring.current.id}: give the new KEK a new LIVE_AGENT_KEK_ID`);
  const db = openDb(env.DB);
  const summary: RewrapSummary = {
    currentKekId: ring.current.id,
    rewrapped: 0,
    alreadyCurrent: await countWhere(db, eq(liveAgentKeys.kekId, ring.current.id)),
    raced: 0,
    unreadable: 0,
    unreadableRows: [],
    remaining: 0,
    chunks: 0,
  };
  // Keyset paging by id: an unreadable row stays behind the cursor instead of being read again.
  let after = "";
  while (summary.chunks < options.maxChunks) {
    const rows = await db
      .select()
      .from(liveAgentKeys)
      .where(and(ne(liveAgentKeys.kekId, ring.current.id), gt(liveAgentKeys.id, after)))
      .orderBy(asc(liveAgentKeys.id))
      .limit(options.chunkSize);
    if (rows.length === 0) break;
    summary.chunks++;
    const resealed = await Promise.all(rows.map((row) => reseal(row, ring)));
    const writes = resealed.flatMap((r) => ("sealed" in r ? [casUpdate(db, r.row, r.sealed)] : []));
    const [first, ...rest] = writes;
    // One D1 batch per chunk; each UPDATE still guards its own row.
    const written = first ? await db.batch([first, ...rest]) : [];
    for (const result of written) result.length === 1 ? summary.rewrapped++ : summary.raced++;
    for (const r of resealed) {
      if (!("unreadable" in r)) continue;
      summary.unreadable++;
      if (summary.unreadableRows.length < 50) summary.unreadableRows.push({ id: r.row.id, kekId: r.row.kekId, reason: r.unreadable });
    }
    after = rows[rows.length - 1]?.id ?? after;
  }
  summary.remaining = await countWhere(db, ne(liveAgentKeys.kekId, ring.current.id));
  return summary;
}
