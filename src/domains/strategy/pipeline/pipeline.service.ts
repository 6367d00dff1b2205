/**
 * Pipeline use cases: read the document, check it (validation + compile + entitlements), save it with
 * an atomic version bump, and compile the stored graph. The plan is compiled on read, never stored:
 * it depends on the asset registry (refreshed hourly, delistings included), and compiling is pure and
 * cheap, so a stored plan would only be a stale copy. Callers: pipeline.routes.ts.
 */
import { and, eq, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import type { Db } from "../../../db/client";
import { listAssets } from "../../market-data";
import type { Clone, Entitlement } from "../clones/clones.model";
import { modelStrengthExcess } from "../clones/clones.model";
import { clones } from "../clones/clones.tables";
import { findModel } from "../clones/models.data";
import type { Graph, Layout, PipelineBody, Problem } from "./graph.model";
import { parseGraph, type Registry, validatePipeline } from "./graph.validate";
import { clonePipelines } from "./pipeline.tables";
import { compilePlan } from "./plan.compile";
import type { CompiledPlan } from "./plan.model";
import { graphHash, recordVersionStatement } from "./versions.service";

/** Every registry asset (delisted included) by symbol. */
export async function loadRegistry(db: Db): Promise<Registry> {
  return new Map((await listAssets(db, { includeDelisted: true })).map((a) => [a.symbol, a]));
}

/**
 * The stored document, or undefined when the clone is gone. Callers checked ownership first, but a
 * concurrent DELETE can remove the row between that check and this read: the caller answers 404.
 */
export async function getPipeline(db: Db, cloneId: string): Promise<PipelineBody | undefined> {
  const [row] = await db.select().from(clonePipelines).where(eq(clonePipelines.cloneId, cloneId));
  if (!row) return undefined;
  return { version: row.version, graph: JSON.parse(row.graphJson) as Graph, layout: JSON.parse(row.layoutJson) as Layout };
}

export interface CheckContext {
  clone: Clone;
  entitlement: Entitlement;
  registry: Registry;
}

export interface CheckOutcome {
  problems: Problem[];
  plan?: CompiledPlan;
  capacity?: { activeAssets: number; maxActiveAssets: number };
}

/** Validation, then (when valid) compilation and the entitlement checks: every problem at once. */
export function checkPipeline(body: Pick<PipelineBody, "graph" | "layout" | "version">, ctx: CheckContext): CheckOutcome {
  const validated = validatePipeline(body.graph, body.layout, ctx.registry);
  if (!validated.graph) return { problems: validated.problems };
  const plan = compilePlan({ cloneId: ctx.clone.id, pipelineVersion: body.version, graph: validated.graph, registry: ctx.registry });
  const problems: Problem[] = [];
  const capacity = { activeAssets: plan.activeSymbols.length, maxActiveAssets: ctx.entitlement.maxActiveAssets };
  // Entitlement problems are about the whole clone; they name the enabled prompt that publishes the most
  // assets (ties: lowest id) so that every problem points the builder at a node.
  const publishing = plan.strategies.filter((s) => s.enabled && s.executions.length > 0);
  const largest = publishing.reduce<(typeof publishing)[number] | undefined>(
    (best, s) => (!best || s.executions.length > best.executions.length ? s : best),
    undefined,
  );
  if (capacity.activeAssets > capacity.maxActiveAssets) {
    problems.push({
      code: "asset_capacity_exceeded",
      message: `the enabled universe has ${capacity.activeAssets} assets; the entitlement allows at most ${capacity.maxActiveAssets}`,
      ...(largest && { nodeId: largest.promptNodeId }),
    });
  }
  problems.push(...overlapProblems(plan));
  const model = findModel(ctx.clone.modelId);
  const excess = model && modelStrengthExcess(model, ctx.entitlement);
  if (excess && plan.activeSymbols.length > 0) {
    problems.push({
      code: "model_strength_exceeded",
      message: `cannot publish strategies: ${excess.message}`,
      ...(largest && { nodeId: largest.promptNodeId }),
    });
  }
  return { problems, plan, capacity };
}

/**
 * One owner per (account, symbol): two enabled trading prompts that both decide a symbol would each run
 * it every slot against the same account (two decisions, two actions). One problem per later prompt (by
 * id) that decides a symbol an earlier one already does, naming the symbols and the earlier prompt.
 */
export function overlapProblems(plan: CompiledPlan): Problem[] {
  const owner = new Map<string, string>();
  const problems: Problem[] = [];
  for (const s of plan.strategies.filter((x) => x.enabled)) {
    const clashes = new Map<string, string[]>();
    for (const e of s.executions.filter((x) => x.enabled)) {
      const first = owner.get(e.symbol);
      if (first === undefined) owner.set(e.symbol, s.strategyId);
      else clashes.set(first, [...(clashes.get(first) ?? []), e.symbol]);
    }
    for (const [first, symbols] of clashes) {
      problems.push({
        code: "universe_overlap",
        message: `trading prompts ${first} and ${s.strategyId} both decide ${symbols.join(", ")}: a symbol is decided by one prompt (disable it in one of them, or narrow a universe)`,
        nodeId: s.promptNodeId,
      });
    }
  }
  return problems;
}

/** Cap on the stored JSON (graph + layout): far above a real pipeline, well inside D1's 2 MB row limit. */
export const MAX_DOCUMENT_BYTES = 256 * 1024;

export type SaveFailure =
  | { kind: "not_found" }
  | { kind: "too_large"; bytes: number; maxBytes: number }
  | { kind: "version_conflict"; currentVersion: number }
  | { kind: "invalid"; problems: Problem[]; capacity?: CheckOutcome["capacity"] };

/**
 * Saves graph + layout when `body.version` is the stored version. The version bump is a conditional
 * UPDATE (`WHERE version = ?`) in one D1 batch with the clone's `updated_at_ms` and the stored trading
 * version (versions.service.ts: a new graph adds a row, a layout-only save none), so of two concurrent
 * saves from the same version exactly one wins; the loser gets `version_conflict`.
 */
export async function savePipeline(
  db: Db,
  deps: AppDeps,
  body: PipelineBody,
  ctx: CheckContext,
): Promise<Result<PipelineBody, SaveFailure>> {
  const graphJson = JSON.stringify(body.graph);
  const layoutJson = JSON.stringify(body.layout);
  const bytes = new TextEncoder().encode(graphJson + layoutJson).length;
  if (bytes > MAX_DOCUMENT_BYTES) return err({ kind: "too_large", bytes, maxBytes: MAX_DOCUMENT_BYTES });
  const stored = await getPipeline(db, ctx.clone.id);
  if (!stored) return err({ kind: "not_found" });
  if (stored.version !== body.version) return err({ kind: "version_conflict", currentVersion: stored.version });
  const checked = checkPipeline(body, ctx);
  if (checked.problems.length > 0) return err({ kind: "invalid", problems: checked.problems, capacity: checked.capacity });

  const nowMs = deps.clock.nowMs();
  const next = body.version + 1;
  const hash = await graphHash(body.graph);
  const [updated] = await db.batch([
    db
      .update(clonePipelines)
      .set({ version: next, graphJson, layoutJson, updatedAtMs: nowMs })
      .where(and(eq(clonePipelines.cloneId, ctx.clone.id), eq(clonePipelines.version, body.version)))
      .returning({ version: clonePipelines.version }),
    db
      .update(clones)
      .set({ updatedAtMs: nowMs })
      .where(
        and(
          eq(clones.id, ctx.clone.id),
          sql`(SELECT ${clonePipelines.version} FROM ${clonePipelines} WHERE ${clonePipelines.cloneId} = ${ctx.clone.id}) = ${next}`,
        ),
      ),
    // The trading version (graph only): a new row only when this save won and its graph is new.
    recordVersionStatement(db, { cloneId: ctx.clone.id, hash, version: next, graphJson, nowMs }),
  ]);
  if (updated.length !== 1) {
    const current = await getPipeline(db, ctx.clone.id);
    if (!current) return err({ kind: "not_found" });
    return err({ kind: "version_conflict", currentVersion: current.version });
  }
  return ok({ version: next, graph: body.graph, layout: body.layout });
}

/** The stored graph compiled against the current registry; undefined when the clone is gone. */
export async function compileStored(db: Db, clone: Clone, registry: Registry): Promise<CompiledPlan | undefined> {
  const stored = await getPipeline(db, clone.id);
  if (!stored) return undefined;
  return compilePlan({ cloneId: clone.id, pipelineVersion: stored.version, graph: parseGraph(stored.graph), registry });
}
