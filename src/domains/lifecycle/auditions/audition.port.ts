/**
 * The port through which auditions reach the trading engine: open an `audition` prop account and read
 * its finalized result. The lifecycle never writes trading rows; the production adapter (the trading
 * domain's `openPropAccount` / `getAccountResult` from its index.ts) and test fakes implement this.
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
}
