/**
 * Prop-account use cases (the service-level surface other domains import from the trading index):
 * open an account, submit a decision action, read the summary and the result, list accounts. Writes go
 * through the account's PropAccount object (the one writer); cross-account reads come from the D1
 * projection. Time is the caller's (`nowMs`), ids come from the injected generator.
 */
import { and, desc, eq, inArray, lte, type SQL } from "drizzle-orm";
import type { IdGenerator } from "../../core/ids";
import { openDb } from "../../db/client";
import { pinPipelineVersion } from "../strategy";
import type { RulesInput } from "./account.model";
import type { AccountResult, Pins } from "./account-result.model";
import type { AccountSummary, PropAccountKind } from "./account-summary.model";
import { type DecisionActionInput, DecisionActionSchema, type IntakeOutcome } from "./decision-action.model";
import { loadMarket } from "./market.service";
import { type PropAccountRow, propAccounts, propPositions } from "./trading.tables";

/** What the trading services need: the bindings (DB, PROP_ACCOUNT) and an id generator. */
export interface TradingDeps {
  env: Env;
  ids: IdGenerator;
  /** Optional per-phase timer (the decision intake probe's breakdown); production paths pass none. */
  timer?: PhaseTimer;
}

/** Collects wall time per named phase (`d1.market`, `object.intake`, ...). */
export interface PhaseTimer {
  add(phase: string, ms: number): void;
}

/** Runs `work`, adding its wall time to `phase` when a timer is given. */
export async function timed<T>(timer: PhaseTimer | undefined, phase: string, work: () => Promise<T>): Promise<T> {
  if (!timer) return work();
  const started = performance.now();
  try {
    return await work();
  } finally {
    timer.add(phase, performance.now() - started);
  }
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
  /**
   * Recorded as given for a sandbox. An audition or race account pins here, whoever opens it: the
   * clone's current stored pipeline version and model overwrite `pipelineVersion`, `pipelineVersionHash`
   * and `modelId` (other keys, e.g. `auditionId`, are kept).
   */
  pins?: Pins | null;
  /** Opening time; defaults to `startMs`. */
  nowMs?: number;
  /**
   * A caller-derived account id (e.g. race id + entrant id): opening is idempotent per id, so a retry
   * returns the account already open instead of opening a second one. Default: a fresh id.
   */
  accountId?: string;
}

/** Kinds that decide with the pipeline version and model pinned at open (issue 23, item 3). */
export const PINNED_KINDS: readonly PropAccountKind[] = ["audition", "race"];

/**
 * Opens a prop account on its own object and projects it; returns its summary (with `accountId`). An
 * audition or race account pins the clone's current pipeline version (stored by the strategy domain)
 * and model (for an unknown clone, which no scheduler decides for, the given pins are kept).
 */
export async function openPropAccount(deps: TradingDeps, input: OpenPropAccountInput): Promise<AccountSummary> {
  const nowMs = input.nowMs ?? input.startMs;
  let pins = input.pins ?? null;
  if (PINNED_KINDS.includes(input.kind)) {
    // No such clone: nothing could ever decide for the account, so the given pins are recorded as they are.
    const pinned = await pinPipelineVersion(openDb(deps.env.DB), input.cloneId, nowMs);
    if (pinned) pins = { ...pins, ...pinned };
  }
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
      pins,
    },
    nowMs,
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
  const market = await timed(deps.timer, "d1.market", () => loadMarket(deps.env.DB, [parsed.symbol], nowMs));
  return timed<IntakeOutcome>(deps.timer, "object.intake", async () =>
    accountStub(deps.env, accountId).submitAction(parsed, nowMs, market),
  );
}

/**
 * Kinds of accounts this isolate has seen in the projection. A kind is fixed when the account opens
 * and projection rows are never deleted, so a cached kind is never wrong; only found rows are cached
 * (an account whose row is not projected yet is read again next time). A decision run's summary and
 * intake ask it, so after an account's first run neither reads D1 for it (issue 23, intake bench).
 */
const knownKinds = new Map<string, PropAccountKind>();
const KNOWN_KINDS_MAX = 10_000;

/** The account's kind, or null for an account the projection does not know (yet). */
export async function accountKind(d1: D1Database, accountId: string, timer?: PhaseTimer): Promise<PropAccountKind | null> {
  const known = knownKinds.get(accountId);
  if (known) return known;
  const row = await timed(timer, "d1.account_row", () => findAccount(d1, accountId));
  if (!row) return null;
  if (knownKinds.size >= KNOWN_KINDS_MAX) knownKinds.clear();
  knownKinds.set(accountId, row.kind);
  return row.kind;
}

/** The account summary the context packet embeds (null for an unknown account). */
export async function getAccountSummary(deps: TradingDeps, accountId: string, asOfMs: number): Promise<AccountSummary | null> {
  if (!(await accountKind(deps.env.DB, accountId, deps.timer))) return null;
  return timed<AccountSummary | null>(deps.timer, "object.summary", async () => accountStub(deps.env, accountId).summary(asOfMs));
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

/** D1 binds at most 100 parameters per statement: IN lists are cut below that. */
const IN_LIST_MAX = 90;

/**
 * Symbols with an open position per account, from the D1 projection: one statement per 90 accounts
 * (the decision scheduler reads a chunk's positions at once instead of asking each object). The
 * projection trails the object by the outbox lag, which the candidate scan tolerates: a position
 * opened a moment ago is ranked first from the next slot on.
 */
export async function openSymbolsByAccount(d1: D1Database, accountIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const db = openDb(d1);
  for (let i = 0; i < accountIds.length; i += IN_LIST_MAX) {
    const rows = await db
      .select({ accountId: propPositions.accountId, symbol: propPositions.symbol, szi: propPositions.szi })
      .from(propPositions)
      .where(inArray(propPositions.accountId, accountIds.slice(i, i + IN_LIST_MAX)));
    for (const r of rows) if (Number(r.szi) !== 0) out.set(r.accountId, [...(out.get(r.accountId) ?? []), r.symbol]);
  }
  return out;
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
