/**
 * The resolver: (clone, strategy, symbol, asOf, optional prop account) -> packet, packet hash and the
 * assembled prompt. Deterministic: reads are ordered by read id, series rows are totally ordered in
 * the series model, the account summary comes from the injected port, and the packet is hashed as
 * canonical JSON. "Retrieval is deterministic. There is no AI prompt for data retrieval."
 * Callers: context.routes.ts (preview), the decision runtime (issue 12), the bench.
 */

import { canonicalJson } from "../../core/canonical-json";
import { err, ok, type Result } from "../../core/result";
import { digestSha256Hex } from "../../core/sha256";
import type { Db } from "../../db/client";
import { type ArtifactOwner, type ArtifactStore, artifactKey, storeOwnedArtifacts } from "../artifacts";
import { createSeriesCache, type GRANULARITY_MS, type SeriesCache } from "../market-data";
import { type Clone, compileStored, compileVersion, findClone, loadRegistry, type Read, type Registry } from "../strategy";
import { type AccountSummary, emptyAccountSummary } from "../trading";
import type { SignalsCache } from "./candidates.model";
import { type DecisionMemory, MIN_NOTIONAL_USD, PACKET_SCHEMA_VERSION, type Packet } from "./context.model";
import { type AssembledPrompt, assemblePrompt, type Inclusion, type MarketSectionInput } from "./prompt.model";
import {
  accountSection,
  assetSection,
  behaviorSection,
  closingSection,
  contractSection,
  type OutputContract,
  runSection,
  systemSection,
} from "./prompt.sections";
import { buildSnapshot, SNAPSHOT_READS, snapshotSeries } from "./snapshot.model";
import { loadTokenizer } from "./tokenizer";

/** Tokens allowed on top of the plan's market-data estimate, for system rules, contract, behaviour and account. */
export const PROMPT_FIXED_ALLOWANCE_TOKENS = 2000;

/** The account-summary port (the trading domain's `getAccountSummary` once merged). */
export type AccountSummaryPort = (accountId: string, asOfMs: number) => Promise<AccountSummary | null>;

/** The decision runtime's memory of an account as of asOf (invocation count, exit plans, previous reasons). */
export type DecisionMemoryPort = (accountId: string, asOfMs: number) => Promise<DecisionMemory>;

export interface ContextDeps {
  db: Db;
  /** Absent: an empty-account summary of the same type stands in. */
  accountSummary?: AccountSummaryPort;
  /** Absent (the preview routes): the packet has no `memory` and the prompt says the count is not known. */
  decisionMemory?: DecisionMemoryPort;
  /** Shared per invocation so packets of one slot read each (read, asOf) once. */
  series?: SeriesCache;
  /** A registry snapshot shared by many resolutions (else loaded per call). */
  registry?: Registry;
  /** Per-invocation memo of loaded clones and compiled plans, keyed by clone id (`<clone>@<hash>` for a pinned version). */
  plans?: Map<string, Promise<LoadedPlan | null>>;
  /** Per-invocation memo of the candidate scan's signal tables by asOf (`createSignalsCache()`). */
  signals?: SignalsCache;
  /**
   * The output contract section's body (the decision runtime passes the schema its provider enforces);
   * absent: the `DecisionAction` schema.
   */
  outputContract?: OutputContract;
}

type LoadedPlan = { clone: Clone; registry: Registry; plan: Awaited<ReturnType<typeof compileStored>> };

export interface ResolveInput {
  cloneId: string;
  strategyId: string;
  symbol: string;
  asOfMs: number;
  propAccountId?: string;
  /** Overrides the budget (plan estimate + fixed allowance). */
  budgetTokens?: number;
  /** A pinned stored pipeline version (audition, race accounts); absent: the clone's current graph. */
  pipelineVersionHash?: string;
  /** The model the decision runs on (a pinned one); absent: the clone's current model. */
  modelId?: string;
}

export interface ResolvedPacket {
  packet: Packet;
  /** Hex SHA-256 of `canonical` (the packet's canonical JSON). */
  packetHash: string;
  canonical: string;
  prompt: AssembledPrompt;
  /** The pipeline document version the plan was compiled from (outside the hash: layout saves bump it). */
  pipelineVersion: number;
}

export type ContextFailure =
  | { kind: "clone_not_found"; message: string }
  | { kind: "strategy_not_found"; message: string }
  | { kind: "symbol_not_found"; message: string }
  | { kind: "account_not_found"; message: string };

export const readIdOf = (r: Pick<Read, "dataStreamNodeId" | "blockId" | "contextSymbol">) =>
  `${r.dataStreamNodeId}/${r.blockId}/${r.contextSymbol}`;
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Loads the clone's compiled strategy (shared by the resolver and the candidate scan): a pinned version, else the current graph. */
async function loadPlan(deps: ContextDeps, cloneId: string, versionHash?: string): Promise<LoadedPlan | null> {
  const clone = await findClone(deps.db, cloneId);
  if (!clone) return null;
  const registry = deps.registry ?? (await loadRegistry(deps.db));
  const plan = versionHash ? await compileVersion(deps.db, clone, registry, versionHash) : await compileStored(deps.db, clone, registry);
  return { clone, registry, plan };
}

export async function loadStrategy(deps: ContextDeps, cloneId: string, strategyId: string, versionHash?: string) {
  const key = versionHash ? `${cloneId}@${versionHash}` : cloneId;
  let pending = deps.plans?.get(key);
  if (!pending) {
    pending = loadPlan(deps, cloneId, versionHash);
    deps.plans?.set(key, pending);
  }
  const loaded = await pending;
  if (!loaded) return err<ContextFailure>({ kind: "clone_not_found", message: `clone ${cloneId} not found` });
  const { clone, registry, plan } = loaded;
  // A clone deleted mid-request has no pipeline any more: the same 404 as a missing clone.
  if (!plan) return err<ContextFailure>({ kind: "clone_not_found", message: `clone ${cloneId} not found` });
  const strategy = plan.strategies.find((s) => s.strategyId === strategyId);
  if (!strategy)
    return err<ContextFailure>({ kind: "strategy_not_found", message: `strategy ${strategyId} not found in clone ${cloneId}` });
  return ok({ clone, registry, plan, strategy });
}

/**
 * The attached account's summary through the port (empty-account stand-in when the port has none).
 * An account of another clone is refused: the preview must not show someone else's positions.
 */
export async function accountFor(
  deps: ContextDeps,
  clone: Pick<Clone, "id">,
  input: { propAccountId?: string; asOfMs: number },
): Promise<Result<AccountSummary | null, ContextFailure>> {
  if (!input.propAccountId) return ok(null);
  const real = deps.accountSummary ? await deps.accountSummary(input.propAccountId, input.asOfMs) : null;
  if (real && real.cloneId !== clone.id) {
    return err({ kind: "account_not_found", message: `prop account ${input.propAccountId} does not belong to clone ${clone.id}` });
  }
  return ok(real ?? emptyAccountSummary({ accountId: input.propAccountId, cloneId: clone.id, asOfMs: input.asOfMs }));
}

/** Resolves the packet and prompt; see index.ts for the contract. */
export async function resolvePacket(deps: ContextDeps, input: ResolveInput): Promise<Result<ResolvedPacket, ContextFailure>> {
  const loaded = await loadStrategy(deps, input.cloneId, input.strategyId, input.pipelineVersionHash);
  if (!loaded.ok) return loaded;
  const { clone, registry, plan, strategy } = loaded.value;
  const execution = strategy.executions.find((e) => e.symbol === input.symbol);
  const entry = strategy.universe.find((u) => u.symbol === input.symbol);
  const asset = registry.get(input.symbol);
  if (!execution || !entry || !asset) {
    return err({ kind: "symbol_not_found", message: `${input.symbol} is not decided by strategy ${input.strategyId}` });
  }
  const cache = deps.series ?? createSeriesCache();
  const reads = [...execution.reads].map((r) => ({ ...r, readId: readIdOf(r) })).sort((a, b) => byText(a.readId, b.readId));
  const answers = await Promise.all(
    reads.map((r) => cache.read(deps.db, { ...r, granularity: r.granularity as keyof typeof GRANULARITY_MS }, input.asOfMs)),
  );
  const series: Packet["series"] = [];
  const skippedReads: Packet["skippedReads"] = execution.skippedReads.map((s) => ({ ...s }));
  reads.forEach((r, i) => {
    const answer = answers[i];
    if (!answer) return;
    if (answer.ok) series.push({ readId: r.readId, ...answer.value });
    else skippedReads.push({ ...r, reason: answer.error.kind, message: answer.error.message });
  });
  skippedReads.sort((a, b) => byText(readIdOf(a), readIdOf(b)) || byText(a.reason, b.reason));
  const attached = await accountFor(deps, clone, input);
  if (!attached.ok) return attached;
  const account = attached.value;
  const [snapshot, memory] = await Promise.all([
    snapshotOf(deps, cache, series, input.symbol, input.asOfMs),
    account && input.propAccountId && deps.decisionMemory ? deps.decisionMemory(input.propAccountId, input.asOfMs) : undefined,
  ]);

  const packet: Packet = {
    schemaVersion: PACKET_SCHEMA_VERSION,
    asOfMs: input.asOfMs,
    clone: {
      id: clone.id,
      ownerId: clone.ownerId,
      name: clone.name,
      modelId: input.modelId ?? clone.modelId,
      tradingEnabled: clone.tradingEnabled,
    },
    strategy: {
      strategyId: strategy.strategyId,
      enabled: strategy.enabled,
      coverageMode: strategy.coverageMode,
      candidatePolicy: strategy.candidatePolicy,
    },
    execution: {
      symbol: execution.symbol,
      enabled: execution.enabled,
      decisionCadenceSec: execution.decisionCadenceSec,
      customBehaviorPrompt: execution.customBehaviorPrompt,
      promptBudgetTokens: execution.promptBudgetTokens,
    },
    asset: {
      ...entry,
      venue: {
        szDecimals: asset.szDecimals,
        maxLeverage: asset.maxLeverage,
        onlyIsolated: asset.onlyIsolated,
        minNotionalUsd: MIN_NOTIONAL_USD,
      },
    },
    reads,
    skippedReads,
    series,
    account,
    snapshot,
    ...(memory ? { memory } : {}),
    ...(input.pipelineVersionHash ? { pipelineVersionHash: input.pipelineVersionHash } : {}),
    prompt: { budgetTokens: 0, tokens: 0, withinBudget: true, sections: [], trimmed: [] },
    artifacts: [],
  };

  const readById = new Map(reads.map((r) => [r.readId, r]));
  const markets: MarketSectionInput[] = series.flatMap((s) => {
    const read = readById.get(s.readId);
    if (!read || read.promptInclusion === "exclude") return [];
    return [{ id: `market:${s.readId}`, symbol: input.symbol, series: s, inclusion: read.promptInclusion as Inclusion }];
  });
  await loadTokenizer();
  const prompt = assemblePrompt({
    head: [
      systemSection(),
      contractSection(packet, deps.outputContract),
      behaviorSection(packet),
      runSection(input.asOfMs, memory?.invocationCount ?? null),
      assetSection(snapshot),
    ],
    account: account
      ? { full: accountSection(account, false, memory, input.symbol), reduced: accountSection(account, true, memory, input.symbol) }
      : null,
    markets,
    tail: [closingSection()],
    budgetTokens: input.budgetTokens ?? execution.promptBudgetTokens + PROMPT_FIXED_ALLOWANCE_TOKENS,
  });
  const promptHash = await digestSha256Hex(prompt.text);
  packet.prompt = {
    budgetTokens: prompt.budgetTokens,
    tokens: prompt.tokens,
    withinBudget: prompt.withinBudget,
    sections: prompt.sections.map(({ id, kind, trust, inclusion, tokens }) => ({ id, kind, trust, inclusion, tokens })),
    trimmed: prompt.trimmed,
  };
  packet.artifacts = [
    { role: "prompt", key: artifactKey(promptHash), sha256: promptHash, bytes: new TextEncoder().encode(prompt.text).byteLength },
  ];
  const canonical = canonicalJson(packet);
  return ok({ packet, packetHash: await digestSha256Hex(canonical), canonical, prompt, pipelineVersion: plan.pipelineVersion });
}

/**
 * The decided asset's snapshot: a packet series of the same (channel, granularity, asset) when the graph
 * reads one, else an implicit read through the shared cache (a failed read leaves its values null).
 */
async function snapshotOf(deps: ContextDeps, cache: SeriesCache, series: Packet["series"], symbol: string, asOfMs: number) {
  const answers = await Promise.all(
    SNAPSHOT_READS.map(async (read) => {
      const own = snapshotSeries(series, symbol, read);
      if (own) return own;
      const answer = await cache.read(deps.db, { source: "hyperliquid", contextSymbol: symbol, ...read }, asOfMs);
      return answer.ok ? answer.value : undefined;
    }),
  );
  return buildSnapshot(
    answers.filter((a) => a !== undefined),
    symbol,
  );
}

/**
 * Writes the packet (canonical JSON) and the full prompt to the artifact store and links both to the
 * owner (`packet`, packetHash) in one D1 batch. Idempotent: content-addressed keys, upserted links.
 */
export async function storePacketArtifacts(
  deps: { db: Db; artifacts: ArtifactStore },
  resolved: ResolvedPacket,
  nowMs: number,
  owner: ArtifactOwner = { kind: "packet", id: resolved.packetHash },
) {
  return storeOwnedArtifacts(
    deps.db,
    deps.artifacts,
    owner,
    [
      { role: "packet", content: resolved.canonical, contentType: "application/json" },
      { role: "prompt", content: resolved.prompt.text, contentType: "text/plain; charset=utf-8" },
    ],
    nowMs,
  );
}
