/**
 * The decision domain's import surface: runs and actions (tables, views), the engine port and engines,
 * the scheduler, the queue consumers and the routes.
 */

export { type DecisionSettings, DecisionSettingsSchema, readDecisionSettings } from "./decision.config";
export { runDryRun } from "./decision.dry-run";
export { type DecisionRunHealth, decisionRunHealth } from "./decision.health";
export { decisionJobs } from "./decision.jobs";
export { type InvocationWork, meteredEnv } from "./decision.meter";
export * from "./decision.model";
export type * from "./decision.port";
export { consumeDeadLetters, consumeDecisionRuns, consumeScheduleChunks, DecisionRunMessageSchema } from "./decision.queue";
export { decisionRoutes } from "./decision.routes";
export {
  clonePreflight,
  type ScheduleChunkMessage,
  ScheduleChunkMessageSchema,
  type ScheduleFanOut,
  type SchedulerDeps,
  scheduleChunk,
  scheduleDueRuns,
} from "./decision.scheduler";
export { createRuns, type DecisionDeps, executeRun, type NewRun } from "./decision.service";
export {
  type DecisionActionRow,
  type DecisionRunRow,
  decisionActions,
  decisionExitPlans,
  decisionRuns,
  decisionScans,
} from "./decision.tables";
export { getRun, listRuns, toRunView } from "./decision.views";
export { candidateSource, type DecisionRuntime, decisionRuntime, packetSource, withSharedRegistry } from "./decision.wiring";
export { type EngineOptions, type ProviderThrottle, resolveEngine, rulesV1, throttledFetch } from "./engines";
export {
  type BucketState,
  type ProviderRate,
  ProviderRateSchema,
  type ProviderRates,
  ProviderRatesSchema,
  takeToken,
} from "./provider-rate.model";
