/**
 * The pipeline preview use case: the stored graph, compiled against the current registry, previewed
 * node by node (preview.model.ts) with the context domain's tokenizer. Callers: builder.routes.ts.
 */
import type { Db } from "../../../db/client";
import type { Clone } from "../clones/clones.model";
import type { Registry } from "./graph.validate";
import { parseGraph } from "./graph.validate";
import { getPipeline } from "./pipeline.service";
import { compilePlan } from "./plan.compile";
import { type PipelinePreview, previewPipeline } from "./preview.model";

/** The preview of the stored pipeline; undefined when the clone is gone (a concurrent delete). */
export async function previewStored(db: Db, clone: Clone, registry: Registry): Promise<PipelinePreview | undefined> {
  const stored = await getPipeline(db, clone.id);
  if (!stored) return undefined;
  const graph = parseGraph(stored.graph);
  const plan = compilePlan({ cloneId: clone.id, pipelineVersion: stored.version, graph, registry });
  // The context domain imports this domain's index at module load; a static import back would close a
  // module cycle (context.model reads strategy schemas at load time), so its tokenizer is loaded here,
  // when every module has finished loading.
  const { tokenCount, PROMPT_FIXED_ALLOWANCE_TOKENS } = await import("../../context");
  return previewPipeline(graph, plan, registry, { countTokens: tokenCount, fixedAllowanceTokens: PROMPT_FIXED_ALLOWANCE_TOKENS });
}
