/**
 * The pipeline preview use case: the stored graph, compiled against the current registry, previewed
 * node by node (preview.model.ts) with a tokenizer the caller passes in (the context domain owns it and
 * mounts the preview route, since context sits above strategy). Callers: context's pipeline-preview.routes.ts.
 */
import type { Db } from "../../../db/client";
import type { Clone } from "../clones/clones.model";
import type { Registry } from "./graph.validate";
import { parseGraph } from "./graph.validate";
import { getPipeline } from "./pipeline.service";
import { compilePlan } from "./plan.compile";
import { type PipelinePreview, previewPipeline } from "./preview.model";

/** How prompt tokens are estimated: the context domain's tokenizer and fixed allowance. */
export interface PreviewTokens {
  countTokens: (text: string) => number;
  fixedAllowanceTokens: number;
}

/** The preview of the stored pipeline; undefined when the clone is gone (a concurrent delete). */
export async function previewStored(db: Db, clone: Clone, registry: Registry, tokens: PreviewTokens): Promise<PipelinePreview | undefined> {
  const stored = await getPipeline(db, clone.id);
  if (!stored) return undefined;
  const graph = parseGraph(stored.graph);
  const plan = compilePlan({ cloneId: clone.id, pipelineVersion: stored.version, graph, registry });
  return previewPipeline(graph, plan, registry, tokens);
}
