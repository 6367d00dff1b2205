/**
 * Read side of decision runs: the API shapes (zod, also the OpenAPI components), row -> view mapping,
 * keyset cursors and the paginated listings. Newest first, ordered by (created_at_ms, id) so a page
 * boundary never skips or repeats a run. Callers: decision.routes.ts, the dry-run.
 */
import { z } from "@hono/zod-openapi";
import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "../../db/client";
import { DecisionActionSchema, IntakeOutcomeSchema } from "../trading";
import { RUN_STATUSES, RunReasonSchema, RunStatusSchema } from "./decision.model";
import { type DecisionActionRow, type DecisionRunRow, decisionActions, decisionRuns } from "./decision.tables";

const ArtifactLinksSchema = z
  .object({ prompt: z.string().nullable(), packet: z.string().nullable(), response: z.string().nullable() })
  .openapi({ description: "API paths serving the run's stored prompt, packet and model response (owner or admin)" });

export const DecisionActionViewSchema = z
  .object({
    actionId: z.string(),
    kind: z.string(),
    proposal: z.unknown().openapi({ description: "the engine's answer as returned, before validation" }),
    action: DecisionActionSchema,
    outcome: IntakeOutcomeSchema.nullable(),
    fillId: z.string().nullable(),
    gateCode: z.string().nullable(),
  })
  .openapi("DecisionActionView");
export type DecisionActionView = z.infer<typeof DecisionActionViewSchema>;

export const DecisionRunSchema = z
  .object({
    id: z.string(),
    cloneId: z.string(),
    accountId: z.string().nullable(),
    dryRunId: z.string().nullable(),
    strategyId: z.string(),
    symbol: z.string(),
    slotMs: z.number().int(),
    cadenceSec: z.number().int(),
    pipelineVersion: z.number().int(),
    status: RunStatusSchema,
    reason: RunReasonSchema.nullable(),
    engine: z.string(),
    modelId: z.string(),
    asOfMs: z.number().int(),
    packetHash: z.string().nullable(),
    artifacts: ArtifactLinksSchema,
    latencyMs: z.number().int().nullable(),
    engineMs: z.number().int().nullable(),
    usage: z.object({ inputTokens: z.number().int(), outputTokens: z.number().int(), costMicroUsd: z.number().int() }),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    attempts: z.number().int(),
    createdAtMs: z.number().int(),
    finishedAtMs: z.number().int().nullable(),
    action: DecisionActionViewSchema.nullable(),
  })
  .openapi("DecisionRun");
export type DecisionRunView = z.infer<typeof DecisionRunSchema>;

export const RunListQuerySchema = z.object({
  status: z.enum(RUN_STATUSES).optional(),
  symbol: z.string().min(1).max(40).optional(),
  cursor: z.string().max(200).optional().openapi({ description: "nextCursor of the previous page" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type RunListQuery = z.infer<typeof RunListQuerySchema>;

export const RunPageSchema = z.object({ runs: z.array(DecisionRunSchema), nextCursor: z.string().nullable() }).openapi("DecisionRunPage");

const link = (runId: string, name: string, key: string | null) => (key ? `/api/v1/decision-runs/${runId}/artifacts/${name}` : null);

export function toActionView(row: DecisionActionRow): DecisionActionView {
  return {
    actionId: row.id,
    kind: row.kind,
    proposal: row.proposalJson === null ? null : JSON.parse(row.proposalJson),
    action: JSON.parse(row.actionJson),
    outcome: row.outcomeJson === null ? null : JSON.parse(row.outcomeJson),
    fillId: row.fillId,
    gateCode: row.gateCode,
  };
}

export function toRunView(row: DecisionRunRow, action: DecisionActionRow | undefined): DecisionRunView {
  return {
    id: row.id,
    cloneId: row.cloneId,
    accountId: row.accountId,
    dryRunId: row.dryRunId,
    strategyId: row.strategyId,
    symbol: row.symbol,
    slotMs: row.slotMs,
    cadenceSec: row.cadenceSec,
    pipelineVersion: row.pipelineVersion,
    status: row.status,
    reason: row.reason,
    engine: row.engine,
    modelId: row.modelId,
    asOfMs: row.asOfMs,
    packetHash: row.packetHash,
    artifacts: {
      prompt: link(row.id, "prompt", row.promptKey),
      packet: link(row.id, "packet", row.packetKey),
      response: link(row.id, "response", row.responseKey),
    },
    latencyMs: row.latencyMs,
    engineMs: row.engineMs,
    usage: { inputTokens: row.inputTokens, outputTokens: row.outputTokens, costMicroUsd: row.costMicroUsd },
    error: row.errorJson === null ? null : JSON.parse(row.errorJson),
    attempts: row.attempts,
    createdAtMs: row.createdAtMs,
    finishedAtMs: row.finishedAtMs,
    action: action ? toActionView(action) : null,
  };
}

/** Opaque keyset cursor over (created_at_ms, id). */
export const encodeCursor = (row: { createdAtMs: number; id: string }) => btoa(`${row.createdAtMs}:${row.id}`).replaceAll("=", "");

export function decodeCursor(cursor: string): { createdAtMs: number; id: string } | undefined {
  try {
    const [ms, ...rest] = atob(cursor).split(":");
    const createdAtMs = Number(ms);
    const id = rest.join(":");
    return Number.isSafeInteger(createdAtMs) && id ? { createdAtMs, id } : undefined;
  } catch {
    return undefined;
  }
}

export type ListFailure = { kind: "bad_cursor" };

/** One page of runs matching `scope` (clone or account) and the query's filters, each with its action. */
export async function listRuns(
  db: Db,
  scope: { cloneId: string } | { accountId: string },
  query: RunListQuery,
): Promise<{ ok: true; runs: DecisionRunView[]; nextCursor: string | null } | { ok: false; error: ListFailure }> {
  const where: SQL[] = ["cloneId" in scope ? eq(decisionRuns.cloneId, scope.cloneId) : eq(decisionRuns.accountId, scope.accountId)];
  if (query.status) where.push(eq(decisionRuns.status, query.status));
  if (query.symbol) where.push(eq(decisionRuns.symbol, query.symbol));
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    if (!after) return { ok: false, error: { kind: "bad_cursor" } };
    const older = or(
      lt(decisionRuns.createdAtMs, after.createdAtMs),
      and(eq(decisionRuns.createdAtMs, after.createdAtMs), lt(decisionRuns.id, after.id)),
    );
    if (older) where.push(older);
  }
  const rows = await db
    .select({ run: decisionRuns, action: decisionActions })
    .from(decisionRuns)
    .leftJoin(decisionActions, eq(decisionActions.runId, decisionRuns.id))
    .where(and(...where))
    .orderBy(desc(decisionRuns.createdAtMs), desc(decisionRuns.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    ok: true,
    runs: page.map((r) => toRunView(r.run, r.action ?? undefined)),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.run) : null,
  };
}

/** One run with its action, or undefined. */
export async function getRun(db: Db, runId: string): Promise<{ run: DecisionRunRow; action?: DecisionActionRow } | undefined> {
  const [row] = await db
    .select({ run: decisionRuns, action: decisionActions })
    .from(decisionRuns)
    .leftJoin(decisionActions, eq(decisionActions.runId, decisionRuns.id))
    .where(eq(decisionRuns.id, runId));
  return row ? { run: row.run, action: row.action ?? undefined } : undefined;
}
