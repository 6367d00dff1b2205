/**
 * Tables owned by the decision runtime: one row per decision run and at most one action per run.
 *
 * Invariants (enforced by unique indexes, so a redelivered cron tick or queue message cannot double):
 *   - decision_runs: unique (scope_key, strategy_id, symbol, slot_ms). scope_key is the prop account id,
 *     or `dryrun:<dryRunId>` for a workflow dry-run (no prop account).
 *   - decision_actions: unique run_id; its id is the intake's action id (`act_<runId>`), so the prop
 *     account applies it at most once however often the consumer retries.
 *   - decision_scans: primary key (scope_key, strategy_id, cadence_sec, slot_ms): a slot whose candidate
 *     scan selected nothing is still scanned once (migration 0140).
 *   - decision_exit_plans: primary key (account_id, symbol): the open position's invalidation condition
 *     and the previous decision's reason, shown back in the next prompt (migration 0191).
 * Large payloads (prompt, packet, model response) live in the artifact store; rows keep keys only.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { RUN_REASONS, RUN_STATUSES } from "./decision.model";

export const decisionRuns = sqliteTable(
  "decision_runs",
  {
    id: text("id").primaryKey(),
    scopeKey: text("scope_key").notNull(),
    /** The prop account decided for; null for a dry-run. */
    accountId: text("account_id"),
    dryRunId: text("dry_run_id"),
    cloneId: text("clone_id").notNull(),
    strategyId: text("strategy_id").notNull(),
    symbol: text("symbol").notNull(),
    /** Start of the cadence bucket (ms) this run decides. */
    slotMs: integer("slot_ms").notNull(),
    cadenceSec: integer("cadence_sec").notNull(),
    pipelineVersion: integer("pipeline_version").notNull(),
    /** The pinned stored pipeline version (audition, race accounts; migration 0141); null: the clone's current graph. */
    pipelineVersionHash: text("pipeline_version_hash"),
    status: text("status", { enum: RUN_STATUSES }).notNull(),
    reason: text("reason", { enum: RUN_REASONS }),
    /** Engine kind (hold | rules | llm) and catalog model id the run used. */
    engine: text("engine").notNull(),
    modelId: text("model_id").notNull(),
    /** The packet's asOf (the slot's scheduled minute, or the dry-run's asOfMs). */
    asOfMs: integer("as_of_ms").notNull(),
    packetHash: text("packet_hash"),
    promptKey: text("prompt_key"),
    packetKey: text("packet_key"),
    responseKey: text("response_key"),
    /** Whole run (claim to record) and the engine's own share of it. */
    latencyMs: integer("latency_ms"),
    engineMs: integer("engine_ms"),
    inputTokens: integer("input_tokens").notNull(),
    outputTokens: integer("output_tokens").notNull(),
    costMicroUsd: integer("cost_micro_usd").notNull(),
    /** `{code, message}` of the failure, engine failure included, when there was one. */
    errorJson: text("error_json"),
    attempts: integer("attempts").notNull(),
    /** Time the current `running` claim expires (a consumer that died frees the run after it). */
    leaseUntilMs: integer("lease_until_ms"),
    createdAtMs: integer("created_at_ms").notNull(),
    startedAtMs: integer("started_at_ms"),
    finishedAtMs: integer("finished_at_ms"),
  },
  (t) => [
    uniqueIndex("decision_runs_slot_uq").on(t.scopeKey, t.strategyId, t.symbol, t.slotMs),
    index("decision_runs_clone_idx").on(t.cloneId, t.createdAtMs, t.id),
    index("decision_runs_account_idx").on(t.accountId, t.createdAtMs, t.id),
    index("decision_runs_status_idx").on(t.status, t.createdAtMs),
    // The prompt's invocation count: a covering count per account up to an asOf (migration 0191).
    index("decision_runs_account_asof_idx").on(t.accountId, t.asOfMs),
  ],
);
export type DecisionRunRow = typeof decisionRuns.$inferSelect;

export const decisionActions = sqliteTable(
  "decision_actions",
  {
    /** The intake's action id: `act_<runId>`. */
    id: text("id").primaryKey(),
    runId: text("run_id").notNull(),
    cloneId: text("clone_id").notNull(),
    accountId: text("account_id"),
    symbol: text("symbol").notNull(),
    /** The engine's answer as returned (JSON), before validation. */
    proposalJson: text("proposal_json"),
    /** The `DecisionAction` sent to the intake (a hold when the proposal failed validation). */
    actionJson: text("action_json").notNull(),
    kind: text("kind").notNull(),
    /** Intake outcome: filled | denied | accepted; null until the intake answered. */
    outcomeStatus: text("outcome_status", { enum: ["filled", "denied", "accepted"] }),
    fillId: text("fill_id"),
    gateCode: text("gate_code"),
    outcomeJson: text("outcome_json"),
    createdAtMs: integer("created_at_ms").notNull(),
    outcomeAtMs: integer("outcome_at_ms"),
  },
  (t) => [uniqueIndex("decision_actions_run_uq").on(t.runId), index("decision_actions_clone_idx").on(t.cloneId, t.createdAtMs)],
);
export type DecisionActionRow = typeof decisionActions.$inferSelect;

/** Slots whose candidate scan selected nothing: the scheduler treats them as scanned (no rescan each minute). */
export const decisionScans = sqliteTable(
  "decision_scans",
  {
    scopeKey: text("scope_key").notNull(),
    strategyId: text("strategy_id").notNull(),
    cadenceSec: integer("cadence_sec").notNull(),
    slotMs: integer("slot_ms").notNull(),
    scannedAtMs: integer("scanned_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scopeKey, t.strategyId, t.cadenceSec, t.slotMs] })],
);

/**
 * Per (prop account, symbol): the previous decision (action, reason, time) and the open position's
 * invalidation condition. Written with the intake outcome (decision.memory.ts): a filled open/increase
 * sets the condition (null keeps the earlier one), a filled close clears it, and a run that finds the
 * account flat in that symbol clears it before acting (a stop or take-profit closed it in between).
 */
export const decisionExitPlans = sqliteTable(
  "decision_exit_plans",
  {
    accountId: text("account_id").notNull(),
    symbol: text("symbol").notNull(),
    invalidationCondition: text("invalidation_condition"),
    lastAction: text("last_action").notNull(),
    lastReason: text("last_reason").notNull(),
    lastActionId: text("last_action_id").notNull(),
    /** The asOf of the decision that wrote the row (`DecisionAction.decidedAtMs`): an older one never overwrites it. */
    decidedAtMs: integer("decided_at_ms").notNull(),
    updatedAtMs: integer("updated_at_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.symbol] })],
);
export type DecisionExitPlanRow = typeof decisionExitPlans.$inferSelect;
