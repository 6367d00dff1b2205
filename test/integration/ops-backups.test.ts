/**
 * Logical D1 backups (issue 21) inside workerd with real local D1 and R2: the backup job pages a
 * database across parts and invocations into gzip JSON Lines plus a manifest; the verify job re-reads
 * every object; with a row in every backed-up table, a restore into a fresh database whose tables all
 * refuse UPDATE and DELETE (the restore-check CLI's own functions: INSERT only, so the append-only
 * credits trigger cannot stop it) gives every table back equal; a corrupted object fails both the verification and the restore comparison, naming
 * the table; an old backup fails verification; the backup_verify alert follows the verification.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { HOUR_MS, MINUTE_MS, manualClock } from "../../src/core/clock";
import { randomIds, sequentialIds } from "../../src/core/ids";
import { openDb } from "../../src/db/client";
import { type Manifest, ManifestSchema, readOpsSettings } from "../../src/domains/ops";
import { backupIdFor, EXCLUDABLE_TABLES, manifestKey } from "../../src/domains/ops/backups/backup.model";
import { runBackup } from "../../src/domains/ops/backups/backup.service";
import { gunzip, gzip, listTables } from "../../src/domains/ops/backups/dump.service";
import { restoreAndCompare } from "../../src/domains/ops/backups/restore.service";
import { newestManifestKey, verifyNewestBackup } from "../../src/domains/ops/backups/verify.service";
import { runJobNow } from "../../src/jobs";

const T0 = Date.UTC(2026, 11, 2, 0, 0, 30);
const PREFIX = "test-backups/d1/";
const clock = manualClock(T0);
const deps = { clock, ids: sequentialIds() };
const settings = readOpsSettings({
  BACKUP_PREFIX: PREFIX,
  BACKUP_ROWS_PER_PART: "7",
  BACKUP_ROWS_PER_RUN: "20",
  BACKUP_EXCLUDE_TABLES: "hyperliquid_candles_1m",
});
const backupDeps = () => ({ db: openDb(env.DB), d1: env.DB, bucket: env.ARTIFACTS, deps, settings, environment: "test" });

/** A handful of rows in tables of several domains, including a big integer, unicode, quotes and NULLs. */
async function seed() {
  const stmts = [];
  for (let i = 0; i < 23; i++) {
    stmts.push(
      env.DB.prepare(
        "INSERT INTO job_runs (id, job_name, trigger, scheduled_at_ms, started_at_ms, status, error) VALUES (?1, 'seed.job', 'cron', ?2, ?2, 'ok', ?3)",
      ).bind(`run_${String(i).padStart(3, "0")}`, T0 - i * MINUTE_MS, i % 3 === 0 ? null : `line "${i}"\nnext ✓`),
    );
  }
  stmts.push(
    env.DB.prepare(
      `INSERT INTO prop_accounts (id, clone_id, owner_id, kind, status, start_ms, end_ms, starting_balance_micro_usd, cash_micro_usd, equity_micro_usd,
         unrealized_pnl_micro_usd, margin_used_micro_usd, peak_equity_micro_usd, drawdown_pct, rules_json, created_at_ms, updated_at_ms, projected_seq)
       VALUES ('acct_big', 'clone', 'owner', 'sandbox', 'active', 0, 1, 9007199254740993, 9007199254740993, 9007199254740993, -5, 0, 9007199254740993, 0.125, '{"a":1}', 0, 0, 1)`,
    ),
  );
  stmts.push(
    env.DB.prepare(
      "INSERT INTO audition_fee_payments (id, user_id, tx_hash, chain_id, status, reason, submitted_at_ms, checked_at_ms) VALUES ('pay_1', 'u1', '0xabc', 42161, 'verified', NULL, 0, 0)",
    ),
  );
  stmts.push(
    env.DB.prepare(
      "INSERT INTO audition_credit_entries (id, user_id, kind, credits, payment_id, audition_id, created_at_ms) VALUES ('cr_1', 'u1', 'grant', 1, 'pay_1', NULL, 0)",
    ),
  );
  stmts.push(
    env.DB.prepare(
      "INSERT INTO hyperliquid_candles_1m (symbol, open_time_ms, close_time_ms, open, high, low, close, volume, trades, ingested_at_ms) VALUES ('BTC', 0, 59999, '1', '1', '1', '1', '0', 0, 0)",
    ),
  );
  await env.DB.batch(stmts);
}

/**
 * One generated row in every money and lifecycle table (every backed-up table but the ops bookkeeping)
 * still empty after seed(), from the table's own declaration: a value per
 * declared type, the first allowed value of a `CHECK (col IN (...))`, `{}` for JSON columns.
 */
async function seedEveryTable(): Promise<void> {
  const tables = await env.DB.prepare(
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations'",
  ).all<{ name: string; sql: string }>();
  for (const { name, sql } of tables.results) {
    if (!isMoneyOrLifecycle(name)) continue;
    const has = await env.DB.prepare(`SELECT 1 AS x FROM "${name}" LIMIT 1`).first();
    if (has) continue;
    const columns = await env.DB.prepare(`SELECT name, type FROM pragma_table_info('${name}')`).all<{ name: string; type: string }>();
    const values = columns.results.map((c, i) => {
      const allowed = new RegExp(`\\b${c.name}\\b\\s+IN\\s*\\(\\s*'([^']*)'`, "i").exec(sql);
      if (allowed) return allowed[1];
      if (c.name.endsWith("_json")) return "{}";
      if (/INT/i.test(c.type)) return 1_000 + i;
      if (/REAL/i.test(c.type)) return 0.5;
      return `seed-${name}-${c.name}`;
    });
    await env.DB.prepare(
      `INSERT INTO "${name}" (${columns.results.map((c) => `"${c.name}"`).join(", ")}) VALUES (${values.map((_, i) => `?${i + 1}`).join(", ")})`,
    )
      .bind(...values)
      .run()
      .catch((error: unknown) => {
        throw new Error(`seeding ${name}: ${String(error)}`);
      });
  }
}

/** Backed-up tables other than the ops bookkeeping (backups, alerts: the jobs under test write them). */
const isMoneyOrLifecycle = (name: string) => !(EXCLUDABLE_TABLES as readonly string[]).includes(name) && !name.startsWith("ops_");

/** A fresh database with the migrations, where any UPDATE or DELETE (of any table) is refused. */
async function freshInsertOnly(d1: D1Database): Promise<void> {
  await applyD1Migrations(d1, env.TEST_MIGRATIONS);
  const tables = await d1
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations'",
    )
    .all<{ name: string }>();
  await d1.batch(
    tables.results.flatMap(({ name }) =>
      (["UPDATE", "DELETE"] as const).map((op) =>
        d1.prepare(
          `CREATE TRIGGER "insert_only_${op}_${name}" BEFORE ${op} ON "${name}" BEGIN SELECT RAISE(ABORT, 'restore must only insert'); END`,
        ),
      ),
    ),
  );
}

/** The summary of a manual job run that must have succeeded. */
function summaryOf(r: Awaited<ReturnType<typeof runJobNow>>): Record<string, unknown> {
  if (!r.ok || r.value.status !== "ran") throw new Error(`job did not run: ${JSON.stringify(r)}`);
  expect(r.value.run.error).toBeNull();
  expect(r.value.run.status).toBe("ok");
  return JSON.parse(r.value.run.summaryJson ?? "{}") as Record<string, unknown>;
}

let manifest: Manifest;
let invocations = 0;

beforeAll(async () => {
  await seed();
  await seedEveryTable();
  for (;;) {
    invocations++;
    const r = await runBackup(backupDeps(), T0);
    if (r.status === "complete") break;
    expect(r.status).toBe("running");
    clock.advance(5 * MINUTE_MS);
    if (invocations > 50) throw new Error("backup never completed");
  }
  const object = await env.ARTIFACTS.get(manifestKey(PREFIX, backupIdFor(T0)));
  manifest = ManifestSchema.parse(await object?.json());
});

describe("the backup", () => {
  it("continues across invocations and pages tables into parts, in primary-key order", async () => {
    expect(invocations).toBeGreaterThan(1);
    expect(manifest.invocations).toBe(invocations);
    const runs = manifest.tables.find((t) => t.name === "job_runs");
    expect(runs?.rows).toBe(23);
    // Parts hold at most BACKUP_ROWS_PER_PART rows, fewer where an invocation's row budget ran out.
    const sizes = runs?.parts.map((p) => p.rows) ?? [];
    expect(sizes.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(7);
    const ids: unknown[] = [];
    for (const part of runs?.parts ?? []) {
      const object = await env.ARTIFACTS.get(part.key);
      const text = await gunzip(await (object as R2ObjectBody).arrayBuffer());
      ids.push(
        ...text
          .trimEnd()
          .split("\n")
          .map((l) => (JSON.parse(l) as unknown[])[0]),
      );
    }
    expect(ids).toEqual(Array.from({ length: 23 }, (_, i) => `run_${String(i).padStart(3, "0")}`));
    // A second run the same day is a no-op.
    expect((await runBackup(backupDeps(), T0 + HOUR_MS)).status).toBe("already_complete");
  });

  it("lists every table (migrations too), leaves out only the excluded market table, keeps big integers exact", async () => {
    const names = manifest.tables.map((t) => t.name);
    const all = await listTables(env.DB);
    expect(names).toEqual(all.filter((t) => t !== "hyperliquid_candles_1m"));
    expect(manifest.excludedTables).toEqual(["hyperliquid_candles_1m"]);
    expect(manifest.migrations).toContain("0130_create_ops_alerts.sql");
    const acct = manifest.tables.find((t) => t.name === "prop_accounts");
    const obj = await env.ARTIFACTS.get(acct?.parts[0]?.key as string);
    expect(await gunzip(await (obj as R2ObjectBody).arrayBuffer())).toContain("9007199254740993");
  });

  it("money and lifecycle tables cannot be excluded (the setting is refused at start)", () => {
    expect(() => readOpsSettings({ BACKUP_EXCLUDE_TABLES: "prop_accounts" })).toThrow(/BACKUP_EXCLUDE_TABLES/);
    expect(() => readOpsSettings({ BACKUP_EXCLUDE_TABLES: "audition_credit_entries,hyperliquid_candles_1h" })).toThrow(/only re-derivable/);
    expect(EXCLUDABLE_TABLES).not.toContain("audition_credit_entries");
  });
});

describe("verify and restore", () => {
  it("the newest backup verifies", async () => {
    expect(await newestManifestKey(env.ARTIFACTS, PREFIX)).toBe(manifestKey(PREFIX, backupIdFor(T0)));
    const v = await verifyNewestBackup({ db: openDb(env.DB), bucket: env.ARTIFACTS, deps, settings });
    expect(v).toEqual({ ok: true, backupId: backupIdFor(T0), manifestKey: manifestKey(PREFIX, backupIdFor(T0)), problems: [] });
  });

  it("every backed-up table (every money and lifecycle table) has rows in the backup", () => {
    expect(manifest.tables.length).toBeGreaterThan(20);
    expect(manifest.tables.filter((t) => isMoneyOrLifecycle(t.name) && t.rows === 0).map((t) => t.name)).toEqual([]);
  });

  it("round-trips: restored into a fresh database by INSERT only, every table is equal and the invariants hold", async () => {
    // Every table of the fresh copy refuses UPDATE and DELETE (as the append-only credits table does).
    await freshInsertOnly(env.RESTORE_DB);
    const report = await restoreAndCompare(env.ARTIFACTS, env.RESTORE_DB, manifest);
    expect(report.differences).toEqual([]);
    expect(report.invariantProblems).toEqual([]);
    expect(report.migrationsDiffer).toBe(false);
    expect(report.rows).toBe(manifest.tables.reduce((n, t) => n + t.rows, 0));
    const big = await env.RESTORE_DB.prepare("SELECT CAST(cash_micro_usd AS TEXT) AS v FROM prop_accounts WHERE id = 'acct_big'").first<{
      v: string;
    }>();
    expect(big?.v).toBe("9007199254740993");
  });

  it("a corrupted object fails verification and the restore comparison, naming the table", async () => {
    const table = manifest.tables.find((t) => t.name === "job_runs");
    const part = table?.parts[1];
    if (!part) throw new Error("no part");
    const original = await env.ARTIFACTS.get(part.key);
    const text = await gunzip(await (original as R2ObjectBody).arrayBuffer());
    // Corrupt the first row's id in that part (which rows a part holds depends on the invocation's row budget).
    const firstId = String((JSON.parse(text.split("\n")[0] ?? "[]") as unknown[])[0]);
    expect(firstId).toMatch(/^run_\d{3}$/);
    await env.ARTIFACTS.put(part.key, await gzip(text.replace(firstId, firstId.replace("run_0", "run_O"))));
    const v = await verifyNewestBackup({ db: openDb(env.DB), bucket: env.ARTIFACTS, deps, settings });
    expect(v.ok).toBe(false);
    expect(v.problems).toHaveLength(1);
    expect(v.problems[0]).toMatch(/^job_runs: object .*00001\.jsonl\.gz differs/);

    // The backup_verify alert reads the failed verification.
    const ev = await runJobNow(
      { ...env, ALERT_MIN_DURATION_SEC: "0" },
      { clock: manualClock(clock.nowMs()), ids: randomIds },
      "ops.evaluate-alerts",
      { rules: ["backup_verify"] },
    );
    expect(summaryOf(ev)).toMatchObject({ errors: [] });
    const alert = await env.DB.prepare("SELECT state, summary FROM ops_alerts WHERE dedup_key = 'backup_verify:d1'").first<{
      state: string;
      summary: string;
    }>();
    expect(alert?.state).toBe("firing");
    expect(alert?.summary).toContain("job_runs");
    await freshInsertOnly(env.RESTORE_DB_2);
    const report = await restoreAndCompare(env.ARTIFACTS, env.RESTORE_DB_2, manifest);
    expect(report.differences).toEqual([{ table: "job_runs", problem: "sha256", expected: table?.sha256, actual: expect.any(String) }]);

    await env.ARTIFACTS.put(part.key, await gzip(text));
  });

  it("a backup older than the limit fails verification; a missing manifest too", async () => {
    const late = { ...deps, clock: manualClock(T0 + 28 * HOUR_MS) };
    const v = await verifyNewestBackup({ db: openDb(env.DB), bucket: env.ARTIFACTS, deps: late, settings });
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([expect.stringMatching(/^newest backup 2026-12-02 is 2[78]\.\d h old \(limit 26 h\)$/)]);
    const none = await verifyNewestBackup({
      db: openDb(env.DB),
      bucket: env.ARTIFACTS,
      deps,
      settings: { ...settings, BACKUP_PREFIX: "nothing-here/" },
    });
    expect(none).toMatchObject({ ok: false, problems: ["no backup manifest under nothing-here/"] });
  });

  it("the jobs run through the registry: the next day's backup in one run, then its verification", async () => {
    const e = { ...env, BACKUP_PREFIX: "test-backups-2/d1/" };
    const day2 = T0 + 24 * HOUR_MS;
    const b = await runJobNow(e, { clock: manualClock(day2), ids: randomIds }, "ops.backup-d1", {});
    expect(summaryOf(b)).toMatchObject({ status: "complete", backupId: backupIdFor(day2) });
    const v = await runJobNow(e, { clock: manualClock(day2 + HOUR_MS), ids: randomIds }, "ops.verify-backup", {});
    expect(summaryOf(v)).toMatchObject({ ok: true, backupId: backupIdFor(day2), problems: [] });
  });
});
