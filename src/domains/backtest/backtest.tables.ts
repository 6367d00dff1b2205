/**
 * The backtest domain's one table: a row per backtest request with its status, its resumable progress
 * (progress_json, rewritten after every chunk of slots in one conditional UPDATE that only a `running`
 * row accepts, so a cancel wins over a chunk in flight) and, once succeeded, the report's hash and its
 * key in the artifact store. Migration: migrations/0160_create_backtests.sql.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { BACKTEST_STATUSES } from "./backtest.model";

export const backtests = sqliteTable(
  "backtests",
  {
    id: text("id").primaryKey(),
    cloneId: text("clone_id").notNull(),
    ownerId: text("owner_id").notNull(),
    status: text("status", { enum: BACKTEST_STATUSES }).notNull(),
    /** hold | rules-v1 | model, and the catalog model id it resolved to. */
    engine: text("engine").notNull(),
    modelId: text("model_id").notNull(),
    /** The clone's stored pipeline version when the backtest was created (its plan is frozen in plan_json). */
    pipelineVersion: integer("pipeline_version").notNull(),
    fromMs: integer("from_ms").notNull(),
    toMs: integer("to_ms").notNull(),
    stepMs: integer("step_ms").notNull(),
    startingBalanceMicroUsd: integer("starting_balance_micro_usd").notNull(),
    planJson: text("plan_json").notNull(),
    slotsTotal: integer("slots_total").notNull(),
    slotsDone: integer("slots_done").notNull(),
    progressJson: text("progress_json"),
    estimateCostMicroUsd: integer("estimate_cost_micro_usd").notNull(),
    /** engine=model: the spend the caller confirmed; the run fails when its metered cost exceeds it. */
    confirmedCostMicroUsd: integer("confirmed_cost_micro_usd"),
    costMicroUsd: integer("cost_micro_usd").notNull(),
    reportHash: text("report_hash"),
    reportKey: text("report_key"),
    errorJson: text("error_json"),
    /** Consecutive failed attempts (infrastructure errors); the row fails after the limit. */
    failures: integer("failures").notNull(),
    leaseUntilMs: integer("lease_until_ms"),
    createdAtMs: integer("created_at_ms").notNull(),
    startedAtMs: integer("started_at_ms"),
    /** Wall time spent running slots so far (the ETA's rate). */
    runMs: integer("run_ms").notNull(),
    finishedAtMs: integer("finished_at_ms"),
  },
  (t) => [index("backtests_clone_idx").on(t.cloneId, t.createdAtMs, t.id), index("backtests_status_idx").on(t.status, t.createdAtMs)],
);
export type BacktestRow = typeof backtests.$inferSelect;
