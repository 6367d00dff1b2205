/**
 * The port through which auditions reach the trading engine: open an `audition` prop account and read
 * its finalized result. The lifecycle never writes trading rows; the production adapter (the trading
 * domain's `openPropAccount` / `getAccountResult` from its index.ts) and test fakes implement this.
 * Opening is idempotent on the audition id: the account id is `auditionAccountId(auditionId)`, so a
 * retried open returns the same account and `find` can tell whether an interrupted open happened.
 */
import type { Result } from "../../../core/result";
import type { AccountResult } from "./audition.model";

export interface OpenAuditionAccount {
  /** Idempotency key: the audition id. */
  auditionId: string;
  cloneId: string;
  ownerId: string;
  startingBalanceMicroUsd: number;
  startMs: number;
  endMs: number;
  /** The clone's enabled universe at submission. */
  allowedSymbols: string[];
  pins: { pipelineVersion: number; modelId: string };
}

export interface AuditionAccounts {
  open(input: OpenAuditionAccount): Promise<Result<{ accountId: string }, { message: string }>>;
  /** The account's result; `status: "active"` until it is finalized. */
  result(accountId: string): Promise<AccountResult | undefined>;
  /** The account opened for `auditionId`, if it exists (the opening sweeper asks). */
  find(auditionId: string, nowMs: number): Promise<{ accountId: string } | undefined>;
}
