/**
 * Stored pipeline versions (issue 23, item 3): every distinct graph a clone saved, keyed by a content
 * hash, so an audition or race account decides for its whole life with the graph (and model) pinned
 * when it opened, whatever the owner saves afterwards.
 *
 * Invariants:
 *   - the hash covers the graph only (nodes sorted by id, edges by id, canonical JSON): a layout-only
 *     save, or a re-ordered node list, is the same trading version and stores no new row;
 *   - a version row is written only for a graph that became the stored document (the conditional
 *     INSERT ... SELECT reads it from `clone_pipelines` with its version and JSON), in the save's batch;
 *   - rows are append-only (ON CONFLICT DO NOTHING keeps the first version number of a graph).
 * Callers: pipeline.service.ts (save), the trading open path through the index (`pinPipelineVersion`),
 * the decision scheduler and the context resolver (`compileVersion`).
 */
import { and, eq, sql } from "drizzle-orm";
import { canonicalJson } from "../../../core/canonical-json";
import { sha256Hex } from "../../../core/sha256";
import type { Db } from "../../../db/client";
import { rawStatement } from "../../../db/raw-statement";
import type { Clone } from "../clones/clones.model";
import { findClone } from "../clones/clones.service";
import type { Graph } from "./graph.model";
import { parseGraph, type Registry } from "./graph.validate";
import { clonePipelines, pipelineVersions } from "./pipeline.tables";
import { compilePlan } from "./plan.compile";
import type { CompiledPlan } from "./plan.model";

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Hex SHA-256 of the graph's canonical JSON (nodes and edges in id order): the trading version's identity. */
export async function graphHash(graph: Graph): Promise<string> {
  return sha256Hex(canonicalJson({ nodes: [...graph.nodes].sort(byId), edges: [...graph.edges].sort(byId) }));
}

/**
 * The batchable statement that records the stored document as a version when it is (version, graphJson):
 * nothing when another save won the race or the graph is already recorded.
 */
export function recordVersionStatement(
  db: Db,
  input: { cloneId: string; hash: string; version: number; graphJson: string; nowMs: number },
) {
  return rawStatement(
    db,
    sql`INSERT INTO ${pipelineVersions} (clone_id, hash, version, graph_json, created_at_ms)
      SELECT clone_id, ${input.hash}, version, graph_json, ${input.nowMs} FROM ${clonePipelines}
      WHERE clone_id = ${input.cloneId} AND version = ${input.version} AND graph_json = ${input.graphJson}
      ON CONFLICT DO NOTHING`,
  );
}

export interface PinnedVersion {
  pipelineVersion: number;
  pipelineVersionHash: string;
  modelId: string;
}

/**
 * The clone's current graph as a stored version (recorded now if it predates version storage) and its
 * current model: what an audition or race account pins at open. Undefined when the clone is gone.
 */
export async function pinPipelineVersion(db: Db, cloneId: string, nowMs: number, attempt = 1): Promise<PinnedVersion | undefined> {
  const clone = await findClone(db, cloneId);
  const [doc] = await db.select().from(clonePipelines).where(eq(clonePipelines.cloneId, cloneId));
  if (!clone || !doc) return undefined;
  const hash = await graphHash(JSON.parse(doc.graphJson) as Graph);
  await recordVersionStatement(db, { cloneId, hash, version: doc.version, graphJson: doc.graphJson, nowMs });
  const row = await findVersion(db, cloneId, hash);
  // A save landed between the read and the insert: read the new document (a bounded number of times).
  if (!row) {
    if (attempt >= 3) throw new Error(`pipeline of clone ${cloneId} changed during the pin; retry`);
    return pinPipelineVersion(db, cloneId, nowMs, attempt + 1);
  }
  return { pipelineVersion: row.version, pipelineVersionHash: hash, modelId: clone.modelId };
}

export async function findVersion(db: Db, cloneId: string, hash: string) {
  const [row] = await db
    .select()
    .from(pipelineVersions)
    .where(and(eq(pipelineVersions.cloneId, cloneId), eq(pipelineVersions.hash, hash)));
  return row;
}

/** A stored version compiled against the current registry; undefined when it (or the clone) is gone. */
export async function compileVersion(db: Db, clone: Clone, registry: Registry, hash: string): Promise<CompiledPlan | undefined> {
  const row = await findVersion(db, clone.id, hash);
  if (!row) return undefined;
  return compilePlan({ cloneId: clone.id, pipelineVersion: row.version, graph: parseGraph(JSON.parse(row.graphJson) as Graph), registry });
}
