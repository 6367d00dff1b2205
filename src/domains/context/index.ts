/**
 * The context domain's import surface (stable for the decision runtime, issue 12):
 *
 *   resolvePacket(deps, { cloneId, strategyId, symbol, asOfMs, propAccountId?, budgetTokens? })
 *     -> Result<{ packet, packetHash, canonical, prompt: { sections, text, tokens, budgetTokens, withinBudget, trimmed } },
 *               { kind: "clone_not_found" | "strategy_not_found" | "symbol_not_found" | "account_not_found", message }>
 *     packet      the effective context packet (context.model.ts `PacketSchema`)
 *     packetHash  hex SHA-256 of `canonical`, the packet's canonical JSON
 *     prompt      the assembled prompt trimmed to the budget; `trimmed` lists every trim
 *   scanCandidates(deps, { cloneId, strategyId, asOfMs, slotMs, propAccountId? })
 *     -> Result<{ cloneId, strategyId, asOfMs, slotMs, mode, cap, selected, ranked }, same failures>
 *   storePacketArtifacts({ db, artifacts }, resolved, nowMs, owner?) -> heads of `packet` and `prompt`
 *
 *   deps: { db, accountSummary?: (accountId, asOfMs) => Promise<AccountSummary | null>,
 *           series?: createSeriesCache() shared per invocation, registry?: loadRegistry(db) shared,
 *           plans?: new Map() (clone -> compiled plan memo, shared per invocation),
 *           signals?: createSignalsCache() (the scan's signal tables by asOf, shared per tick),
 *           decisionMemory?: (accountId, asOfMs) => Promise<DecisionMemory> (invocation count, exit plans) }
 *   scanPlanned(deps, { cloneId, strategy, asOfMs, slotMs, openPositions }) -> the same scan for a plan
 *     and positions the caller already read (the decision scheduler's per-tick path)
 *
 * The artifact store (ArtifactStore, artifactStoreFor(env), storeOwnedArtifacts, artifactsOf) is
 * its own capability: src/domains/artifacts.
 */
export {
  type AssetSignals,
  type CandidateScan,
  type CandidateVerdict,
  createSignalsCache,
  type SignalsCache,
  scoreAsset,
  selectCandidates,
} from "./candidates.model";
export {
  loadSignals,
  type ScanInput,
  scanCandidates,
  scanPlanned,
} from "./candidates.service";
export {
  type CandidateScanResult,
  CandidateScanSchema,
  ContextPreviewSchema,
  type DecisionMemory,
  type ExitNote,
  MIN_NOTIONAL_USD,
  type Packet,
  PacketSchema,
} from "./context.model";
export { contextDepsFor, contextRoutes } from "./context.routes";
export {
  type AccountSummaryPort,
  type ContextDeps,
  type ContextFailure,
  type DecisionMemoryPort,
  PROMPT_FIXED_ALLOWANCE_TOKENS,
  type ResolvedPacket,
  type ResolveInput,
  readIdOf,
  resolvePacket,
  storePacketArtifacts,
} from "./context.service";
export { pipelinePreviewRoutes } from "./pipeline-preview.routes";
export { type AssembledPrompt, type PromptSection, quoteUntrusted, type Trim, tokenCount } from "./prompt.model";
export { loadTokenizer } from "./tokenizer";
