/**
 * PropAccount: the one writer of one prop account (named by its account id). A thin shell: each RPC
 * forwards to PropAccountHost (src/domains/trading/prop-account/prop-account.host.ts), which validates
 * the input, runs one step of the pure paper engine and commits state, effects, the idempotency log
 * and the projection outbox in one storage transaction, then drains the outbox into D1.
 *
 * The storage schema is migrated inside `blockConcurrencyWhile` at construction. The alarm is the
 * only timer: it retries a failed projection drain and is safe to run twice.
 */
import { DurableObject } from "cloudflare:workers";
import {
  type AccountResult,
  type AccountSummary,
  type AdminCommand,
  type AdminOutcome,
  type CandleInput,
  type DecisionActionInput,
  type FundingRate,
  type IntakeOutcome,
  type Market,
  type OpenAccountInput,
  PROP_ACCOUNT_MIGRATIONS,
  type PropAccountAuditRow,
  PropAccountHost,
  type PropAccountPageQuery,
} from "../../src/domains/trading";
import { migrateStorage } from "../shared/storage-migrations";

export class PropAccount extends DurableObject<Env> {
  private readonly host: PropAccountHost;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.host = new PropAccountHost({ storage: ctx.storage, db: env.DB, nowMs: () => Date.now() });
    ctx.blockConcurrencyWhile(async () => {
      migrateStorage(ctx.storage, PROP_ACCOUNT_MIGRATIONS);
    });
  }

  /** Schema version of this object's storage. */
  async schemaVersion(): Promise<number> {
    return this.host.schemaVersion();
  }

  /** Opens the account (idempotent: a second open returns the existing summary unchanged). */
  async open(input: OpenAccountInput, nowMs: number): Promise<AccountSummary> {
    return this.host.open(input, nowMs);
  }

  /** The intake: one outcome per action id, forever. */
  async submitAction(action: DecisionActionInput, nowMs: number, market: Market): Promise<IntakeOutcome> {
    return this.host.submitAction(action, nowMs, market);
  }

  /** One minute's mark: triggers on the given closed candles, then mark-to-market (once per minute). */
  async mark(nowMs: number, market: Market, candles: CandleInput[] = [], maxMarkAgeMs?: number) {
    return this.host.mark(nowMs, market, candles, maxMarkAgeMs);
  }

  /** Settles one hour of funding for every open position among `rates` (keyed by hour; once). */
  async settleFunding(hourMs: number, rates: FundingRate[], nowMs: number) {
    return this.host.settleFunding(hourMs, rates, nowMs);
  }

  /** Closes positions at mark and writes the hashed result; again, it returns the same result (null: retry later). */
  async finalize(nowMs: number, market: Market, maxMarkAgeMs?: number): Promise<AccountResult | null> {
    return this.host.finalize(nowMs, market, maxMarkAgeMs);
  }

  /** An audited admin control, idempotent on its request id. */
  async admin(command: AdminCommand, nowMs: number, market: Market): Promise<AdminOutcome> {
    return this.host.admin(command, nowMs, market);
  }

  /** The account summary as of `asOfMs`, valued at the newest stored marks. */
  async summary(asOfMs: number): Promise<AccountSummary | null> {
    return this.host.summary(asOfMs);
  }

  async result(): Promise<AccountResult | null> {
    return this.host.result();
  }

  async fills(q: PropAccountPageQuery) {
    return this.host.fills(q);
  }

  async ledger(q: PropAccountPageQuery) {
    return this.host.ledger(q);
  }

  async orders(q: PropAccountPageQuery) {
    return this.host.orders(q);
  }

  async snapshots(q: PropAccountPageQuery & { hourlyOnly: boolean }) {
    return this.host.snapshots(q);
  }

  async audit(): Promise<PropAccountAuditRow[]> {
    return this.host.audit();
  }

  /** Cash against the sum of the ledger (they are equal, always) and the projection watermark. */
  async ledgerCheck() {
    return this.host.ledgerCheck();
  }

  /** Brings the D1 projection up to the newest outbox entry (single-flight; see the host). */
  async drain(): Promise<number> {
    return this.host.drain();
  }

  override async alarm(): Promise<void> {
    await this.host.drain();
  }
}
