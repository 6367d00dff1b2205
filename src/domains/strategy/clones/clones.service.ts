/**
 * Clone use cases: create (with its empty pipeline at version 0 and, on the owner's first clone, the
 * default entitlement row, all in one D1 batch), list, read, update, delete, and entitlements.
 * Ownership is checked by the routes (assertOwner); model refusals are returned as values.
 */
import { asc, eq, sql } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import type { Db } from "../../../db/client";
import { EMPTY_GRAPH } from "../pipeline/graph.model";
import { clonePipelines, pipelineVersions } from "../pipeline/pipeline.tables";
import { type Clone, type CreateClone, DEFAULT_ENTITLEMENT, type Entitlement, modelStrengthExcess, type PatchClone } from "./clones.model";
import { type CloneRow, cloneEntitlements, clones } from "./clones.tables";
import { findModel } from "./models.data";

export type CloneFailure =
  | { kind: "unknown_model"; modelId: string }
  | { kind: "clone_limit_reached"; maxClones: number }
  | { kind: "not_found" }
  | { kind: "model_strength_exceeded"; details: NonNullable<ReturnType<typeof modelStrengthExcess>> };

const toClone = (row: CloneRow, pipelineVersion: number): Clone => ({
  id: row.id,
  ownerId: row.ownerId,
  name: row.name,
  modelId: row.modelId,
  tradingEnabled: row.tradingEnabled,
  pipelineVersion,
  createdAtMs: row.createdAtMs,
  updatedAtMs: row.updatedAtMs,
});

/** The user's entitlement row, or the defaults (source "default", never stored yet). */
export async function entitlementOf(db: Db, userId: string): Promise<Entitlement> {
  const [row] = await db.select().from(cloneEntitlements).where(eq(cloneEntitlements.userId, userId));
  return row ?? { userId, ...DEFAULT_ENTITLEMENT, maxDailySpendMicroUsd: null, source: "default", updatedAtMs: null };
}

/** Admin: replaces the user's entitlement. */
export async function setEntitlement(
  db: Db,
  deps: AppDeps,
  userId: string,
  input: { maxActiveAssets: number; maxModelStrength: number; maxClones?: number; maxDailySpendMicroUsd?: number | null },
) {
  const row = {
    userId,
    maxActiveAssets: input.maxActiveAssets,
    maxModelStrength: input.maxModelStrength,
    maxClones: input.maxClones ?? DEFAULT_ENTITLEMENT.maxClones,
    maxDailySpendMicroUsd: input.maxDailySpendMicroUsd ?? null,
    source: "admin" as const,
    updatedAtMs: deps.clock.nowMs(),
  };
  await db.insert(cloneEntitlements).values(row).onConflictDoUpdate({ target: cloneEntitlements.userId, set: row });
  return row;
}

/** Refuses an unknown model or one above the entitled strength. */
async function checkModel(db: Db, ownerId: string, modelId: string): Promise<CloneFailure | undefined> {
  const model = findModel(modelId);
  if (!model) return { kind: "unknown_model", modelId };
  const excess = modelStrengthExcess(model, await entitlementOf(db, ownerId));
  return excess ? { kind: "model_strength_exceeded", details: excess } : undefined;
}

/**
 * Creates the clone and its empty pipeline, seeding the default entitlement on a first clone. The clone
 * cap is enforced inside the same D1 batch (a conditional INSERT ... SELECT counting the owner's clones
 * against `max_clones`), so concurrent creates cannot overshoot it; the pipeline row is inserted only
 * when the clone row was.
 */
export async function createClone(db: Db, deps: AppDeps, ownerId: string, input: CreateClone): Promise<Result<Clone, CloneFailure>> {
  const refused = await checkModel(db, ownerId, input.modelId);
  if (refused) return err(refused);
  const nowMs = deps.clock.nowMs();
  const row: CloneRow = {
    id: deps.ids.next("clone"),
    ownerId,
    name: input.name,
    modelId: input.modelId,
    tradingEnabled: false,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  const underCap = sql`(SELECT count(*) FROM ${clones} WHERE ${clones.ownerId} = ${ownerId}) < (SELECT ${cloneEntitlements.maxClones} FROM ${cloneEntitlements} WHERE ${cloneEntitlements.userId} = ${ownerId})`;
  // INSERT ... SELECT lists every column in the drizzle table's order (id, owner, name, model, trading, created, updated).
  const [, inserted] = await db.batch([
    db
      .insert(cloneEntitlements)
      .values({ userId: ownerId, ...DEFAULT_ENTITLEMENT, source: "default", updatedAtMs: nowMs })
      .onConflictDoNothing(),
    db
      .insert(clones)
      .select(sql`SELECT ${row.id}, ${ownerId}, ${row.name}, ${row.modelId}, 0, ${nowMs}, ${nowMs} WHERE ${underCap}`)
      .returning({ id: clones.id }),
    // (clone_id, version, graph_json, layout_json, updated_at_ms), only when the clone row went in.
    db
      .insert(clonePipelines)
      .select(
        sql`SELECT ${row.id}, 0, ${JSON.stringify(EMPTY_GRAPH)}, '{}', ${nowMs} WHERE EXISTS (SELECT 1 FROM ${clones} WHERE ${clones.id} = ${row.id})`,
      ),
  ]);
  if (inserted.length !== 1) return err({ kind: "clone_limit_reached", maxClones: (await entitlementOf(db, ownerId)).maxClones });
  return ok(toClone(row, 0));
}

/** The clone with its pipeline version, or undefined. Callers check ownership. */
export async function findClone(db: Db, id: string): Promise<Clone | undefined> {
  const [hit] = await db
    .select({ clone: clones, version: clonePipelines.version })
    .from(clones)
    .innerJoin(clonePipelines, eq(clonePipelines.cloneId, clones.id))
    .where(eq(clones.id, id));
  return hit ? toClone(hit.clone, hit.version) : undefined;
}

export async function listClones(db: Db, ownerId: string): Promise<Clone[]> {
  const rows = await db
    .select({ clone: clones, version: clonePipelines.version })
    .from(clones)
    .innerJoin(clonePipelines, eq(clonePipelines.cloneId, clones.id))
    .where(eq(clones.ownerId, ownerId))
    .orderBy(asc(clones.createdAtMs), asc(clones.id));
  return rows.map((r) => toClone(r.clone, r.version));
}

/**
 * Name, model, trading switch. A new model above the entitlement is refused; so is switching trading
 * on while the current model is above it (an entitlement lowered after the model was chosen).
 */
export async function updateClone(db: Db, deps: AppDeps, clone: Clone, patch: PatchClone): Promise<Result<Clone, CloneFailure>> {
  const modelId = patch.modelId ?? clone.modelId;
  if (patch.modelId !== undefined || patch.tradingEnabled === true) {
    const refused = await checkModel(db, clone.ownerId, modelId);
    if (refused) return err(refused);
  }
  const set = {
    name: patch.name ?? clone.name,
    modelId,
    tradingEnabled: patch.tradingEnabled ?? clone.tradingEnabled,
    updatedAtMs: deps.clock.nowMs(),
  };
  // The clone may have been deleted since the caller loaded it: no row updated is a 404, not a ghost 200.
  const updated = await db.update(clones).set(set).where(eq(clones.id, clone.id)).returning({ id: clones.id });
  if (updated.length !== 1) return err({ kind: "not_found" });
  return ok({ ...clone, ...set });
}

/** Deletes the clone, its pipeline and its stored pipeline versions in one batch. */
export async function deleteClone(db: Db, id: string): Promise<void> {
  await db.batch([
    db.delete(pipelineVersions).where(eq(pipelineVersions.cloneId, id)),
    db.delete(clonePipelines).where(eq(clonePipelines.cloneId, id)),
    db.delete(clones).where(eq(clones.id, id)),
  ]);
}
