/**
 * Prop-account use cases (the service-level surface other domains import from the trading index):
 * open an account, submit a decision action, read the summary and the result, list accounts. Writes go
 * through the account's PropAccount object (the one writer); cross-account reads come from the D1
 * projection. Time is the caller's (`nowMs`), ids come from the injected generator.
 */
import { and, desc, eq, inArray, lte, type SQL } from "drizzle-orm";
import type { IdGenerator } from "../../core/ids";
import { openDb } from "../../db/client";
import type { RulesInput } from "./account.model";
import type { AccountResult, Pins } from "./account-result.model";
import type { AccountSummary, PropAccountKind } from "./account-summary.model";
import { type DecisionActionInput, DecisionActionSchema, type IntakeOutcome } from "./decision-action.model";
import { loadMarket } from "./market.service";
import { type PropAccountRow, propAccounts } from "./trading.tables";

/** What the trading services need: the bindings (DB, PROP_ACCOUNT) and an id generator. */
export interface TradingDeps {
  env: Env;
  ids: IdGenerator;
}

export const accountStub = (env: Env, accountId: string) => env.PROP_ACCOUNT.get(env.PROP_ACCOUNT.idFromName(accountId));

export interface OpenPropAccountInput {
  cloneId: string;
  ownerId: string;
  kind: PropAccountKind;
  startingBalanceMicroUsd: number;
  startMs: number;
  endMs: number;
  rules?: RulesInput;
  allowedSymbols: string[];
  /** Recorded as given (e.g. `{ pipelineVersion, modelId }` for auditions). */
  pins?: Pins | null;
  /** Opening time; defaults to `startMs`. */
  nowMs?: number;
  /**
   * A caller-derived account id (e.g. race id + entrant id): opening is idempotent per id, so a retry
   * returns the account already open instead of opening a second one. Default: a fresh id.
   */
  accountId?: string;
}

/** Opens a prop account on its own object and projects it; returns its summary (with `accountId`). */
export async function openPropAccount(deps: TradingDeps, input: OpenPropAccountInput): Promise<AccountSummary> {
  const accountId = input.accountId ?? deps.ids.next("pa");
  return accountStub(deps.env, accountId).open(
    {
      accountId,
      cloneId: input.cloneId,
      ownerId: input.ownerId,
      kind: input.kind,
      startingBalanceMicroUsd: input.startingBalanceMicroUsd,
      startMs: input.startMs,
      endMs: input.endMs,
      rules: input.rules ?? {},
      allowedSymbols: input.allowedSymbols,
      pins: input.pins ?? null,
    },
    input.nowMs ?? input.startMs,
  );
}

/**
 * Runs a decision action through the account's intake (idempotent on `actionId`) with the market as
 * of `nowMs` read from D1. A malformed action throws the zod error (callers validate at their edge).
 */
export async function submitAction(
  deps: TradingDeps,
  accountId: string,
  action: DecisionActionInput,
  nowMs: number,
): Promise<IntakeOutcome> {
  const parsed = DecisionActionSchema.parse(action);
  const market = await loadMarket(deps.env.DB, [parsed.symbol], nowMs);
  return accountStub(deps.env, accountId).submitAction(parsed, nowMs, market);
}

/** The account summary the context packet embeds (null for an unknown account). */
export async function getAccountSummary(deps: TradingDeps, accountId: string, asOfMs: number): Promise<AccountSummary | null> {
  if (!(await findAccount(deps.env.DB, accountId))) return null;
  return accountStub(deps.env, accountId).summary(asOfMs);
}

/** The finalized, hashed result, or null while the account runs (or is unknown). */
export async function getAccountResult(deps: TradingDeps, accountId: string): Promise<AccountResult | null> {
  if (!(await findAccount(deps.env.DB, accountId))) return null;
  return accountStub(deps.env, accountId).result();
}

/** The projected row of one account. */
export async function findAccount(d1: D1Database, accountId: string): Promise<PropAccountRow | null> {
  const [row] = await openDb(d1).select().from(propAccounts).where(eq(propAccounts.id, accountId));
  return row ?? null;
}

/** Accounts still running (active or frozen), optionally one clone's, oldest first. */
export async function listActiveAccounts(deps: Pick<TradingDeps, "env">, filter: { cloneId?: string } = {}): Promise<PropAccountRow[]> {
  const where: SQL[] = [inArray(propAccounts.status, ["active", "frozen"])];
  if (filter.cloneId) where.push(eq(propAccounts.cloneId, filter.cloneId));
  return openDb(deps.env.DB)
    .select()
    .from(propAccounts)
    .where(and(...where))
    .orderBy(propAccounts.createdAtMs, propAccounts.id);
}

/** Accounts due for finalization at `nowMs`: window over and still open, or liquidated. */
export async function listDueAccounts(d1: D1Database, nowMs: number): Promise<PropAccountRow[]> {
  const db = openDb(d1);
  const [due, liquidated] = await Promise.all([
    db
      .select()
      .from(propAccounts)
      .where(and(inArray(propAccounts.status, ["active", "frozen", "finalizing"]), lte(propAccounts.endMs, nowMs))),
    db.select().from(propAccounts).where(eq(propAccounts.status, "liquidated")),
  ]);
  return [...due, ...liquidated];
}

/** One clone's accounts, newest first. */
export async function listCloneAccounts(d1: D1Database, cloneId: string): Promise<PropAccountRow[]> {
  return openDb(d1).select().from(propAccounts).where(eq(propAccounts.cloneId, cloneId)).orderBy(desc(propAccounts.createdAtMs));
}
