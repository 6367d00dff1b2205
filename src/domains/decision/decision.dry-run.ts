/**
 * The workflow dry-run: runs the clone's pipeline once, now (or as of `asOfMs`), for the candidates of
 * every enabled strategy, with the clone's engine, through the same run execution, gates and paper
 * engine as prop accounts, against a clone-scoped dry-run ledger that lives for this request (no prop
 * account, nothing touches real balances). Its runs are stored under scope `dryrun:<dryRunId>` with
 * their actions and outcomes, and every fill and ledger entry the paper engine produced is returned
 * for the audit. Callers: decision.routes.ts (POST /clones/{cloneId}/dry-run).
 */
import { z } from "@hono/zod-openapi";
import { DAY_MS, floorTo, MINUTE_MS } from "../../core/clock";
import { err, ok, type Result } from "../../core/result";
import type { ErrorCode } from "../../http/errors";
import { type Clone, compileStored, findModel, loadRegistry } from "../strategy";
import {
  AccountSummarySchema,
  createPaperEngine,
  type Effect,
  type FillView,
  type IntakeOutcome,
  loadMarket,
  toAccountSummary,
} from "../trading";
import { clonePreflight } from "./decision.scheduler";
import { createRuns, executeRun, type NewRun } from "./decision.service";
import { overSpendCap, spendCapMessage } from "./decision.spend";
import { DecisionRunSchema, getRun, toRunView } from "./decision.views";
import { type DecisionRuntime, packetSource, withSharedRegistry } from "./decision.wiring";

/** Starting balance of the dry-run ledger (the demo sandbox's balance). */
export const DRY_RUN_BALANCE_MICRO_USD = 10_000_000_000;

export const DryRunRequestSchema = z
  .object({
    symbols: z.array(z.string().min(1).max(40)).min(1).max(25).optional().openapi({ description: "limit to these candidates" }),
    asOfMs: z.number().int().nonnegative().optional().openapi({ description: "decide as of this time (default now; never the future)" }),
  })
  .openapi("DryRunRequest");
export type DryRunRequest = z.infer<typeof DryRunRequestSchema>;

export const DryRunResultSchema = z
  .object({
    dryRunId: z.string(),
    asOfMs: z.number().int(),
    runs: z.array(DecisionRunSchema),
    effects: z
      .array(z.record(z.string(), z.unknown()))
      .openapi({ description: "fills and ledger entries of the dry-run ledger, in order" }),
    account: AccountSummarySchema,
  })
  .openapi("DryRunResult");
export type DryRunResult = z.infer<typeof DryRunResultSchema>;

export type DryRunFailure = { status: ErrorCode; message: string; details?: unknown };

export async function runDryRun(base: DecisionRuntime, clone: Clone, request: DryRunRequest): Promise<Result<DryRunResult, DryRunFailure>> {
  const nowMs = base.clock.nowMs();
  const asOfMs = request.asOfMs ?? nowMs;
  if (asOfMs > nowMs) return err({ status: "bad_request", message: "asOfMs is in the future" });
  const rt = await withSharedRegistry(base);
  const plan = await compileStored(rt.db, clone, rt.context.registry ?? (await loadRegistry(rt.db)));
  if (!plan) return err({ status: "not_found", message: "clone not found" });
  const strategies = plan.strategies.filter((s) => s.enabled && s.executions.some((e) => e.enabled));
  if (strategies.length === 0)
    return err({ status: "unprocessable", message: "the clone has no enabled strategy with an asset to decide" });
  const skip = await clonePreflight(rt.db, rt.settings, clone, clone.modelId, plan, rt.engineOptions);
  // Dry-runs spend the clone's daily model budget too: over it, refused before any run is created.
  const model = (rt.engineOptions?.findModel ?? findModel)(clone.modelId);
  const over = model?.engine === "llm" ? await overSpendCap(rt.db, rt.settings, clone.id, nowMs) : undefined;
  if (over) return err({ status: "rate_limited", message: spendCapMessage(over), details: { code: "spend_cap_reached", ...over } });
  const dryRunId = rt.ids.next("dry");
  const scopeKey = `dryrun:${dryRunId}`;
  const slotMs = floorTo(asOfMs, MINUTE_MS);

  const runs: NewRun[] = [];
  for (const strategy of strategies) {
    const enabled = new Set(strategy.executions.filter((e) => e.enabled).map((e) => e.symbol));
    const symbols = request.symbols
      ? request.symbols.filter((s) => enabled.has(s))
      : (await rt.candidates.scan({ cloneId: clone.id, strategy, asOfMs, slotMs })).map((c) => c.symbol);
    for (const symbol of symbols) {
      const execution = strategy.executions.find((e) => e.symbol === symbol);
      runs.push({
        scopeKey,
        accountId: null,
        dryRunId,
        cloneId: clone.id,
        strategyId: strategy.strategyId,
        symbol,
        slotMs,
        cadenceSec: execution?.decisionCadenceSec ?? 60,
        pipelineVersion: plan.pipelineVersion,
        modelId: clone.modelId,
        engine: findModel(clone.modelId)?.engine ?? "unknown",
        asOfMs,
        skip,
      });
    }
  }
  if (request.symbols && runs.length === 0) {
    return err({
      status: "unprocessable",
      message: "none of the symbols is decided by an enabled strategy",
      details: { symbols: request.symbols },
    });
  }

  // The clone-scoped dry-run ledger: the prop accounts' paper engine over a fresh in-memory account.
  const market = await loadMarket(rt.env.DB, [...new Set(runs.map((r) => r.symbol))], asOfMs);
  const engine = createPaperEngine(
    {
      accountId: dryRunId,
      cloneId: clone.id,
      ownerId: clone.ownerId,
      kind: "sandbox",
      startingBalanceMicroUsd: DRY_RUN_BALANCE_MICRO_USD,
      startMs: asOfMs,
      endMs: asOfMs + DAY_MS,
      rules: {},
      allowedSymbols: plan.activeSymbols,
      pins: null,
    },
    asOfMs,
  );
  const effects: Effect[] = [];
  const fills: FillView[] = [];
  const summary = () => toAccountSummary(engine.state, market, asOfMs, fills.slice(-20));
  const deps = {
    ...rt,
    packets: packetSource(rt.context, summary),
    intake: {
      async submit(_scope: string, action: Parameters<DecisionRuntime["intake"]["submit"]>[1]): Promise<IntakeOutcome> {
        const applied = engine.apply({ type: "action", t: asOfMs, action, market });
        effects.push(...applied.effects);
        for (const e of applied.effects) if (e.type === "fill") fills.push(e.fill);
        if (!applied.outcome) throw new Error("the paper engine returned no outcome for an action");
        return applied.outcome;
      },
    },
  };
  const created = await createRuns(rt.db, rt.ids, nowMs, runs);
  // Sequential: each decision sees the dry-run ledger as the previous one left it.
  for (const run of created.filter((r) => r.status === "pending")) await executeRun(deps, run.id);
  const views = [];
  for (const run of created) {
    const found = await getRun(rt.db, run.id);
    if (found) views.push(toRunView(found.run, found.action));
  }
  return ok({ dryRunId, asOfMs, runs: views, effects: effects as unknown as Array<Record<string, unknown>>, account: summary() });
}
