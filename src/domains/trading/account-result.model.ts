/**
 * A finalized account's immutable result (the contract the lifecycle and the API read) and its hash.
 * Below the account state in the import graph: account.model.ts stores a result, result.model.ts
 * builds one. Pure.
 *
 * The hash is SHA-256 of core's canonical JSON (src/core/canonical-json.ts: keys sorted, no
 * whitespace, `undefined` dropped) of every field but `hash`. Until issue 18 trading had its own
 * canonical JSON; on a result (an object of finite numbers, strings, booleans, nulls and a flat
 * `pins` object) the two print the same bytes, so hashes stored before verify unchanged and no hash
 * version is needed (the replay fixtures pin the hashes of their results).
 */
import { z } from "@hono/zod-openapi";
import { canonicalJson } from "../../core/canonical-json";
import { sha256Hex } from "../../core/sha256";

/** What an account pins (opaque to the engine, recorded in the result): e.g. the pipeline version and model. */
export const PinsSchema = z
  .object({ pipelineVersion: z.number().int().optional(), modelId: z.string().optional() })
  .catchall(z.union([z.string(), z.number(), z.boolean(), z.null()]));
export type Pins = z.infer<typeof PinsSchema>;

export const AccountResultSchema = z
  .object({
    accountId: z.string(),
    cloneId: z.string(),
    kind: z.string(),
    /** `finalized` after a normal run; `liquidated` when the account was liquidated first. */
    outcome: z.enum(["completed", "liquidated"]),
    startMs: z.number().int(),
    endMs: z.number().int(),
    finalizedAtMs: z.number().int(),
    startingBalanceMicroUsd: z.number().int(),
    finalEquityMicroUsd: z.number().int(),
    returnPct: z.number(),
    maxDrawdownPct: z.number(),
    fills: z.number().int(),
    roundTrips: z.number().int(),
    wins: z.number().int(),
    winRate: z.number().nullable(),
    feesMicroUsd: z.number().int(),
    fundingMicroUsd: z.number().int(),
    realizedPnlMicroUsd: z.number().int(),
    liquidationMicroUsd: z.number().int(),
    adjustmentsMicroUsd: z.number().int(),
    volumeMicroUsd: z.number().int(),
    sharpeLike: z.number().nullable(),
    hourlyReturns: z.number().int(),
    pins: PinsSchema.nullable(),
    hash: z.string(),
  })
  .openapi("PropAccountResult");
export type AccountResult = z.infer<typeof AccountResultSchema>;

/** The hash of a result body (every field but `hash`). */
export const hashResult = (body: Omit<AccountResult, "hash">): string => sha256Hex(canonicalJson(body));

/** True when `result.hash` matches its body (tamper check for stored results). */
export function verifyResult(result: AccountResult): boolean {
  const { hash, ...body } = result;
  return hashResult(body) === hash;
}
