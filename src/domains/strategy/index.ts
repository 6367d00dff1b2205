/** The strategy domain's import surface: clones, their pipelines, compiled plans and entitlements. */

import { createRouter } from "../../http/router";
import { cloneRoutes } from "./clones/clones.routes";
import { builderRoutes } from "./pipeline/builder.routes";
import { pipelineRoutes } from "./pipeline/pipeline.routes";

export { CloneParamsSchema, ownedClone } from "./clones/clone-access.http";
export { type Clone, type Entitlement, modelStrengthExcess } from "./clones/clones.model";
export { entitlementOf, findClone } from "./clones/clones.service";
export { type CloneRow, cloneEntitlements, clones, type EntitlementRow } from "./clones/clones.tables";
export { findModel, MODELS, type Model } from "./clones/models.data";
export {
  CANDIDATE_CAP_DEFAULT,
  CANDIDATE_CAP_MAX,
  type CandidatePolicy,
  type CandidatePolicySettings,
  type CandidatePrefilters,
  candidatePolicySettings,
} from "./pipeline/configs.model";
export type { Registry } from "./pipeline/graph.validate";
export { checkPipeline, compileStored, getPipeline, loadRegistry } from "./pipeline/pipeline.service";
export { clonePipelines, type PipelineRow, type PipelineVersionRow, pipelineVersions } from "./pipeline/pipeline.tables";
export type { CompiledPlan, CompiledStrategy, Execution, Read, SkippedRead, UniverseEntry } from "./pipeline/plan.model";
export { ReadSchema, SkippedReadSchema, UniverseEntrySchema } from "./pipeline/plan.model";
export { PipelinePreviewSchema } from "./pipeline/preview.model";
export { type PreviewTokens, previewStored } from "./pipeline/preview.service";
export { compileVersion, graphHash, type PinnedVersion, pinPipelineVersion } from "./pipeline/versions.service";

/** Clone, pipeline and graph-builder routes, mounted under /api/v1. */
export const strategyRoutes = createRouter().route("/", cloneRoutes).route("/", pipelineRoutes).route("/", builderRoutes);
