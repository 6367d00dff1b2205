/**
 * The decision runtime's ports: what it needs from the context domain (packets, candidates, artifacts)
 * and the trading domain (active accounts, the intake). The service codes against these; the wiring
 * (decision.wiring.ts) plugs in the real implementations, tests plug in their own where a case needs
 * it. Shapes follow the context and trading domains' exports.
 */
import type { Result } from "../../core/result";
import type { CompiledStrategy } from "../strategy";
import type { AccountSummary, DecisionAction, IntakeOutcome, PropAccountKind } from "../trading";
import type { DecisionPacket, DecisionPrompt } from "./decision.model";

export interface PacketRequest {
  cloneId: string;
  strategyId: string;
  symbol: string;
  asOfMs: number;
  /** The prop account the packet embeds; absent for a dry-run (its own ledger's summary is passed). */
  accountId?: string;
  account?: AccountSummary;
  /** The stored pipeline version the run pinned (audition, race); absent: the clone's current graph. */
  pipelineVersionHash?: string;
  /** The model the run decides with (the packet records it rather than the clone's current one). */
  modelId?: string;
}

export interface ResolvedContext {
  packet: DecisionPacket;
  prompt: DecisionPrompt;
  /** Canonical JSON of the packet (what `packet.hash` covers): archived as the packet artifact. */
  packetJson: string;
}

export interface PacketSource {
  resolve(request: PacketRequest): Promise<Result<ResolvedContext, { code: string; message: string }>>;
}

export interface Candidate {
  symbol: string;
  score: number;
  /** The account holds an open position in it (a skipped clone still records a hold for it). */
  openPosition?: boolean;
}

export interface CandidateSource {
  /** The ranked, capped candidates of one strategy for one slot (open positions first). */
  scan(input: {
    cloneId: string;
    strategy: CompiledStrategy;
    accountId?: string;
    asOfMs: number;
    slotMs: number;
    pipelineVersionHash?: string;
    /** The account's open-position symbols when the caller read them (else the source reads the account). */
    openPositions?: readonly string[];
  }): Promise<Candidate[]>;
  /** A source with its own per-tick caches (signals read once per asOf); the scheduler takes one per invocation. */
  forTick?(): CandidateSource;
}

export type ArtifactName = "prompt" | "packet" | "response";

export interface ArtifactSink {
  /** Stores `body` for the run (content-addressed, so a retry stores nothing new) and returns its key. */
  put(runId: string, name: ArtifactName, body: string): Promise<string>;
  /** The stored body of `key`, if any. */
  get(key: string): Promise<string | undefined>;
}

export interface ActiveAccount {
  accountId: string;
  cloneId: string;
  kind: PropAccountKind;
  /** Audition and race accounts pin the model at open; a sandbox follows the clone's current model. */
  pinnedModelId?: string;
  pinnedPipelineVersion?: number;
  /** The stored pipeline version (strategy `pipeline_versions`) an audition or race account decides with. */
  pinnedPipelineVersionHash?: string;
}

export interface AccountDirectory {
  /** Prop accounts that are `active` now. */
  listActive(nowMs: number): Promise<ActiveAccount[]>;
  /** Open-position symbols of many accounts at once (the D1 projection), for the scheduler's scans. */
  openSymbols?(accountIds: readonly string[]): Promise<Map<string, string[]>>;
}

export interface Intake {
  /** Sends one action through the account's safety gates; a repeated action id returns the first outcome. */
  submit(accountId: string, action: DecisionAction, nowMs: number): Promise<IntakeOutcome>;
}

/** The queue the scheduler enqueues runs on (a Cloudflare Queue producer in production). */
export interface RunQueue {
  enqueue(runIds: string[]): Promise<void>;
}
