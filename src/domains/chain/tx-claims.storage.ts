/**
 * Claim statements for `chain_tx_claims`, to join the caller's D1 batch. `claimStatement` is a plain
 * INSERT: when the hash is already claimed the PRIMARY KEY fails the whole batch (nothing of the use is
 * written) and the caller answers "already used". `releaseClaimStatement` drops one use's claim when it
 * ends without money moving. Callers: lifecycle payments (audition fee), Arena deposits and tickets.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rawStatement } from "../../db/raw-statement";
import type { TxClaimRow } from "./tx-claims.tables";

export function claimStatement(db: Db, claim: TxClaimRow, when?: SQL) {
  return rawStatement(
    db,
    sql`INSERT INTO chain_tx_claims (tx_hash, chain_id, purpose, ref_id, user_id, claimed_at_ms)
        SELECT ${claim.txHash}, ${claim.chainId}, ${claim.purpose}, ${claim.refId}, ${claim.userId}, ${claim.claimedAtMs}
        ${when ? sql`WHERE ${when}` : sql``}`,
  );
}

export function releaseClaimStatement(db: Db, txHash: string, refId: string, when?: SQL) {
  return rawStatement(
    db,
    sql`DELETE FROM chain_tx_claims WHERE tx_hash = ${txHash} AND ref_id = ${refId} ${when ? sql`AND ${when}` : sql``}`,
  );
}

/** Who holds `txHash`, if anyone. */
export async function claimOfHash(db: Db, txHash: string): Promise<TxClaimRow | undefined> {
  return db.get<TxClaimRow>(
    sql`SELECT tx_hash AS txHash, chain_id AS chainId, purpose, ref_id AS refId, user_id AS userId, claimed_at_ms AS claimedAtMs
        FROM chain_tx_claims WHERE tx_hash = ${txHash}`,
  );
}

/** True when a D1 error is a unique/primary-key conflict (a lost race for a claim or a key). */
export const isUniqueViolation = (error: unknown): boolean => String(error).includes("UNIQUE");
