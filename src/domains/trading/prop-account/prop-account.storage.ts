/**
 * The PropAccount object's own SQLite storage (the shell in durable-objects/prop-account/ applies
 * `PROP_ACCOUNT_MIGRATIONS` with the shared migration runner at construction): the account state (one JSON row), the intake log that
 * makes every change idempotent on its key, append-only fills / ledger transfers / order events /
 * snapshots / admin audit, and the projection outbox with its acknowledged watermark.
 *
 * `commit` writes one engine step (state + effects + log entry + outbox entry + the drain-retry alarm)
 * inside one `transactionSync`: either all of it persists or none. Retention: minute snapshots for 24 h, hourly
 * snapshots for the account's life (pruned on each mark).
 */
import type { AccountState } from "../account.model";
import type { Effect } from "../execution.model";
import { type ProjectionEntry, projectionOf } from "../projection.service";

/** Versioned storage schema (the shape durable-objects/shared/storage-migrations.ts applies). */
export const PROP_ACCOUNT_MIGRATIONS: { version: number; statements: string[] }[] = [
  {
    version: 1,
    statements: [
      "CREATE TABLE account (id INTEGER PRIMARY KEY CHECK (id = 1), state_json TEXT NOT NULL, updated_at_ms INTEGER NOT NULL)",
      "CREATE TABLE intake_log (key TEXT PRIMARY KEY, outcome_json TEXT NOT NULL, t INTEGER NOT NULL)",
      "CREATE TABLE fills (seq INTEGER PRIMARY KEY AUTOINCREMENT, fill_id TEXT NOT NULL UNIQUE, t INTEGER NOT NULL, symbol TEXT NOT NULL, fill_json TEXT NOT NULL)",
      `CREATE TABLE ledger (seq INTEGER PRIMARY KEY AUTOINCREMENT, transfer_id TEXT NOT NULL UNIQUE, t INTEGER NOT NULL, code TEXT NOT NULL,
        amount_micro_usd INTEGER NOT NULL, symbol TEXT, ref_id TEXT NOT NULL, transfer_json TEXT NOT NULL)`,
      `CREATE TABLE order_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL, event TEXT NOT NULL, t INTEGER NOT NULL,
        symbol TEXT NOT NULL, kind TEXT NOT NULL, trigger_px TEXT NOT NULL)`,
      "CREATE TABLE snapshots (t INTEGER PRIMARY KEY, hourly INTEGER NOT NULL, snapshot_json TEXT NOT NULL)",
      `CREATE TABLE admin_audit (request_id TEXT PRIMARY KEY, actor TEXT NOT NULL, action TEXT NOT NULL, reason TEXT NOT NULL,
        at_ms INTEGER NOT NULL, outcome_json TEXT NOT NULL)`,
      "CREATE TABLE outbox (seq INTEGER PRIMARY KEY, entry_json TEXT NOT NULL)",
      // Counters: outbox_seq (last assigned), outbox_acked (last applied to D1).
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    ],
  },
];

const MINUTE_SNAPSHOT_RETENTION_MS = 24 * 3_600_000;

export interface PageQuery {
  /** Return rows after this cursor (a sequence number or time). */
  after?: number;
  limit: number;
}

export class PropAccountStorage {
  /** `retryAtMs`: when the drain-retry alarm armed by a commit fires (the host's clock + 30 s). */
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly retryAtMs: () => number = () => Date.now() + 30_000,
  ) {}

  private get sql() {
    return this.storage.sql;
  }

  load(): AccountState | null {
    const row = this.sql.exec<{ state_json: string }>("SELECT state_json FROM account WHERE id = 1").toArray()[0];
    return row ? (JSON.parse(row.state_json) as AccountState) : null;
  }

  /** The stored answer for an idempotency key, if that key was already applied. */
  logged<T>(key: string): T | null {
    const row = this.sql.exec<{ outcome_json: string }>("SELECT outcome_json FROM intake_log WHERE key = ?", key).toArray()[0];
    return row ? (JSON.parse(row.outcome_json) as T) : null;
  }

  /**
   * Persists one engine step atomically: state, effects, the idempotency log entry and the outbox
   * entry for the projection. Returns the outbox entry.
   */
  commit(input: {
    state: AccountState;
    effects: Effect[];
    t: number;
    log: { key: string; answer: unknown }[];
    audit?: AuditRow;
  }): ProjectionEntry {
    return this.storage.transactionSync(() => {
      const sql = this.sql;
      sql.exec(
        "INSERT INTO account (id, state_json, updated_at_ms) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET state_json = excluded.state_json, updated_at_ms = excluded.updated_at_ms",
        JSON.stringify(input.state),
        input.t,
      );
      for (const e of input.effects) this.writeEffect(e);
      for (const l of input.log)
        sql.exec("INSERT INTO intake_log (key, outcome_json, t) VALUES (?, ?, ?)", l.key, JSON.stringify(l.answer ?? null), input.t);
      if (input.audit) {
        const a = input.audit;
        sql.exec(
          "INSERT INTO admin_audit (request_id, actor, action, reason, at_ms, outcome_json) VALUES (?, ?, ?, ?, ?, ?)",
          a.requestId,
          a.actor,
          a.action,
          a.reason,
          a.atMs,
          JSON.stringify(input.log[0]?.answer ?? null),
        );
      }
      // The outbox seq keeps growing after drained rows are deleted: it lives in `meta`.
      const seq = this.meta("outbox_seq") + 1;
      this.setMeta("outbox_seq", seq);
      const entry = projectionOf(input.state, seq, input.t);
      sql.exec("INSERT INTO outbox (seq, entry_json) VALUES (?, ?)", entry.seq, JSON.stringify(entry));
      // The retry alarm is armed in this same transaction (SQLite-backed objects keep the alarm in the
      // same database), so no outbox entry can exist without a pending drain.
      void this.storage.setAlarm(this.retryAtMs());
      return entry;
    });
  }

  private writeEffect(e: Effect): void {
    const sql = this.sql;
    if (e.type === "fill") {
      sql.exec(
        "INSERT INTO fills (fill_id, t, symbol, fill_json) VALUES (?, ?, ?, ?)",
        e.fill.fillId,
        e.fill.t,
        e.fill.symbol,
        JSON.stringify(e.fill),
      );
    } else if (e.type === "ledger") {
      const tr = e.transfer;
      sql.exec(
        "INSERT INTO ledger (transfer_id, t, code, amount_micro_usd, symbol, ref_id, transfer_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
        tr.transferId,
        tr.t,
        tr.code,
        e.cashEffectMicroUsd,
        tr.symbol ?? null,
        tr.refId,
        JSON.stringify(tr),
      );
    } else if (e.type === "order") {
      sql.exec(
        "INSERT INTO order_events (order_id, event, t, symbol, kind, trigger_px) VALUES (?, ?, ?, ?, ?, ?)",
        e.orderId,
        e.event,
        e.t,
        e.symbol,
        e.kind,
        e.triggerPx,
      );
    } else if (e.type === "snapshot") {
      const s = e.snapshot;
      sql.exec(
        "INSERT INTO snapshots (t, hourly, snapshot_json) VALUES (?, ?, ?) ON CONFLICT (t) DO UPDATE SET hourly = max(hourly, excluded.hourly), snapshot_json = excluded.snapshot_json",
        s.t,
        e.hourly ? 1 : 0,
        JSON.stringify(s),
      );
      sql.exec("DELETE FROM snapshots WHERE hourly = 0 AND t < ?", s.t - MINUTE_SNAPSHOT_RETENTION_MS);
    }
  }

  private meta(key: string): number {
    return this.sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? 0;
  }

  private setMeta(key: string, value: number): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  /** Last outbox seq applied to D1. */
  ackedSeq(): number {
    return this.meta("outbox_acked");
  }

  /** The newest pending outbox entry (older pending ones are subsumed: entries are whole views). */
  pendingOutbox(): ProjectionEntry | null {
    const row = this.sql.exec<{ entry_json: string }>("SELECT entry_json FROM outbox ORDER BY seq DESC LIMIT 1").toArray()[0];
    return row ? (JSON.parse(row.entry_json) as ProjectionEntry) : null;
  }

  /** Acknowledges every outbox entry up to `seq` (applied to D1); an emptied outbox disarms the retry alarm. */
  ackOutbox(seq: number): void {
    this.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM outbox WHERE seq <= ?", seq);
      if (seq > this.meta("outbox_acked")) this.setMeta("outbox_acked", seq);
      if (this.pendingOutbox() === null) void this.storage.deleteAlarm();
    });
  }

  fills(q: PageQuery): { seq: number; json: string }[] {
    return this.sql
      .exec<{ seq: number; fill_json: string }>(
        "SELECT seq, fill_json FROM fills WHERE seq > ? ORDER BY seq LIMIT ?",
        q.after ?? 0,
        q.limit,
      )
      .toArray()
      .map((r) => ({ seq: r.seq, json: r.fill_json }));
  }

  recentFills(limit: number): string[] {
    return this.sql
      .exec<{ fill_json: string }>("SELECT fill_json FROM fills ORDER BY seq DESC LIMIT ?", limit)
      .toArray()
      .map((r) => r.fill_json)
      .reverse();
  }

  ledger(q: PageQuery): { seq: number; amount: number; json: string }[] {
    return this.sql
      .exec<{ seq: number; amount_micro_usd: number; transfer_json: string }>(
        "SELECT seq, amount_micro_usd, transfer_json FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?",
        q.after ?? 0,
        q.limit,
      )
      .toArray()
      .map((r) => ({ seq: r.seq, amount: r.amount_micro_usd, json: r.transfer_json }));
  }

  /** Sum of every ledger entry's effect on cash (equals the state's cash, always). */
  ledgerCashSum(): number {
    return this.sql.exec<{ s: number }>("SELECT coalesce(sum(amount_micro_usd), 0) AS s FROM ledger").one().s;
  }

  orderEvents(q: PageQuery) {
    return this.sql
      .exec<{ seq: number; order_id: string; event: string; t: number; symbol: string; kind: string; trigger_px: string }>(
        "SELECT seq, order_id, event, t, symbol, kind, trigger_px FROM order_events WHERE seq > ? ORDER BY seq LIMIT ?",
        q.after ?? 0,
        q.limit,
      )
      .toArray();
  }

  snapshots(q: PageQuery & { hourlyOnly: boolean }): { t: number; hourly: boolean; json: string }[] {
    return this.sql
      .exec<{ t: number; hourly: number; snapshot_json: string }>(
        `SELECT t, hourly, snapshot_json FROM snapshots WHERE t > ? ${q.hourlyOnly ? "AND hourly = 1" : ""} ORDER BY t LIMIT ?`,
        q.after ?? -1,
        q.limit,
      )
      .toArray()
      .map((r) => ({ t: r.t, hourly: r.hourly === 1, json: r.snapshot_json }));
  }

  audit(): AuditRow[] {
    return this.sql
      .exec<{ request_id: string; actor: string; action: string; reason: string; at_ms: number }>(
        "SELECT request_id, actor, action, reason, at_ms FROM admin_audit ORDER BY at_ms, request_id",
      )
      .toArray()
      .map((r) => ({ requestId: r.request_id, actor: r.actor, action: r.action, reason: r.reason, atMs: r.at_ms }));
  }
}

export interface AuditRow {
  requestId: string;
  actor: string;
  action: string;
  reason: string;
  atMs: number;
}
