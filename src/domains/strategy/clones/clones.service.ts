/**
 * Clone use cases: create (with its empty pipeline at version 0 and, on the owner's first clone, the
 * default entitlement row, all in one D1 batch), list, read, update, delete, and entitlements.
 * Ownership is checked by the routes (assertOwner); model refusals are returned as values.
 */
import { asc, eq } from "drizzle-orm";
import type { AppDeps } from "../../../core/deps";
import { err, ok, type Result } from "../../../core/result";
import type { Db } from "../../../db/client";
import { EMPTY_GRAPH } from "../pipeline/graph.model";
import { clonePipelines } from "../pipeline/pipeline.tables";
import { type Clone, type CreateClone, DEFAULT_ENTITLEMENT, type Entitlement, modelStrengthExcess, type PatchClone } from "./clones.model";
import { type CloneRow, cloneEntitlements, clones } from "./clones.tables";
import { findModel } from "./models.data";

export type CloneFailure =
  | { kind: "unknown_model"; modelId: string }
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
  return row ?? { userId, ...DEFAULT_ENTITLEMENT, source: "default", updatedAtMs: null };
}

/** Admin: replaces the user's entitlement. */
export async function setEntitlement(db: Db, deps: AppDeps, userId: string, input: { maxActiveAssets: number; maxModelStrength: number }) {
  const row = { userId, ...input, source: "admin" as const, updatedAtMs: deps.clock.nowMs() };
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
  await db.batch([
    db
      .insert(cloneEntitlements)
      .values({ userId: ownerId, ...DEFAULT_ENTITLEMENT, source: "default", updatedAtMs: nowMs })
      .onConflictDoNothing(),
    db.insert(clones).values(row),
    db
      .insert(clonePipelines)
      .values({ cloneId: row.id, version: 0, graphJson: JSON.stringify(EMPTY_GRAPH), layoutJson: "{}", updatedAtMs: nowMs }),
  ]);
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
  await db.update(clones).set(set).where(eq(clones.id, clone.id));
  return ok({ ...clone, ...set });
}

/** Deletes the clone and its pipeline in one batch. */
export async function deleteClone(db: Db, id: string): Promise<void> {
  await db.batch([db.delete(clonePipelines).where(eq(clonePipelines.cloneId, id)), db.delete(clones).where(eq(clones.id, id))]);
}
