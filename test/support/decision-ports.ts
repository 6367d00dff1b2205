/**
 * Test implementations of the decision runtime's ports, for cases that need to observe or break one
 * collaborator (count intake submissions, lose a response after the intake applied an action). The
 * end-to-end tests use the real wiring instead.
 */
import { ok } from "../../src/core/result";
import type {
  AccountDirectory,
  ActiveAccount,
  ArtifactSink,
  CandidateSource,
  DecisionPacket,
  IndicatorSnapshot,
  Intake,
  PacketSource,
  RunQueue,
} from "../../src/domains/decision";
import { findModel, type Model } from "../../src/domains/strategy";
import { type DecisionAction, emptyAccountSummary, type IntakeOutcome } from "../../src/domains/trading";

/** Content-addressed in-memory artifacts (key = SHA-256 of the body). */
export function memoryArtifacts(): ArtifactSink & { bodies: Map<string, string> } {
  const bodies = new Map<string, string>();
  return {
    bodies,
    async put(_runId, name, body) {
      const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
      const key = `${name}/${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
      bodies.set(key, body);
      return key;
    },
    async get(key) {
      return bodies.get(key);
    },
  };
}

/**
 * An intake that applies each action id once (a repeated id gets the first outcome), fills opens and
 * closes, accepts holds. `failNextAfterApply` simulates a transport failure after the account applied
 * the action: the fill happens, the caller gets an error.
 */
export function recordingIntake(): Intake & { submissions: DecisionAction[]; fills: string[]; failNextAfterApply: boolean } {
  const outcomes = new Map<string, IntakeOutcome>();
  const state = {
    submissions: [] as DecisionAction[],
    fills: [] as string[],
    failNextAfterApply: false,
    async submit(_accountId: string, action: DecisionAction, nowMs: number): Promise<IntakeOutcome> {
      state.submissions.push(action);
      let outcome = outcomes.get(action.actionId);
      if (!outcome) {
        if (action.action === "hold") outcome = { status: "accepted", actionId: action.actionId, t: nowMs };
        else {
          const fillId = `fill_${state.fills.length + 1}`;
          state.fills.push(fillId);
          outcome = { status: "filled", actionId: action.actionId, fillId, t: nowMs };
        }
        outcomes.set(action.actionId, outcome);
      }
      if (state.failNextAfterApply) {
        state.failNextAfterApply = false;
        throw new Error("intake transport failed after apply");
      }
      return outcome;
    },
  };
  return state;
}

/** BTC 2025-01-01 00:40 UTC from the Binance fixture, with indicators in an uptrend (rules-v1 goes long). */
export const UPTREND: IndicatorSnapshot = {
  t: Date.UTC(2025, 0, 1, 0, 40),
  close: 94_000,
  rsi14: 58,
  bbUpper: 94_300,
  bbMiddle: 93_900,
  bbLower: 93_500,
  ema20: 93_850,
  macd: 35,
  macdSignal: 20,
  macdHist: 15,
};

/** Packets built from fixed inputs; `resolved` counts the calls (a reused action skips resolution). */
export function fixedPackets(indicators: IndicatorSnapshot | null = UPTREND): PacketSource & { resolved: number } {
  const source = {
    resolved: 0,
    async resolve(request: { cloneId: string; strategyId: string; symbol: string; asOfMs: number; accountId?: string }) {
      source.resolved += 1;
      const packet: DecisionPacket = {
        hash: `sha256:${request.symbol}:${request.asOfMs}`,
        cloneId: request.cloneId,
        strategyId: request.strategyId,
        symbol: request.symbol,
        asOfMs: request.asOfMs,
        account: emptyAccountSummary({
          accountId: request.accountId ?? "dry-run",
          cloneId: request.cloneId,
          asOfMs: request.asOfMs,
          startingBalanceMicroUsd: 10_000_000_000,
        }),
        venue: { szDecimals: 5, maxLeverage: 40, minNotionalUsd: 10 },
        // The bar that closed at asOf (rules-v1 refuses a bar older than one cadence).
        indicators: indicators && { ...indicators, t: Math.floor(request.asOfMs / 60_000) * 60_000 - 60_000 },
        body: { symbol: request.symbol, asOfMs: request.asOfMs },
      };
      return ok({ packet, prompt: { system: "rules", user: `decide ${request.symbol}` }, packetJson: JSON.stringify(packet.body) });
    },
  };
  return source;
}

export const listAccounts = (accounts: ActiveAccount[]): AccountDirectory => ({ listActive: async () => accounts });

/** Every enabled execution of the strategy, in plan order. */
export const allEnabledCandidates: CandidateSource = {
  async scan({ strategy }) {
    return strategy.executions.filter((e) => e.enabled).map((e, i) => ({ symbol: e.symbol, score: -i }));
  },
};

export function arrayQueue(): RunQueue & { sent: string[] } {
  const queue = {
    sent: [] as string[],
    async enqueue(runIds: string[]) {
      queue.sent.push(...runIds);
    },
  };
  return queue;
}

/**
 * The catalog plus test models on the LLM stand-in: `test-<provider>[-reasoning]-<scenario>`, provider
 * `openai`, `openai-compatible` or `anthropic`; `-reasoning` gives the entry reasoning call settings
 * (effort low, a 4,096-token budget) like the catalog's gpt-5 family.
 */
export function catalogWithScenarios(id: string): Model | undefined {
  const m = /^test-(openai-compatible|openai|anthropic)(-reasoning)?-(.+)$/.exec(id);
  if (!m) return findModel(id);
  return {
    id,
    name: id,
    provider: m[1] as "openai" | "openai-compatible" | "anthropic",
    strength: 1,
    engine: "llm",
    providerModelId: m[3] as string,
    pricing: { inputMicroUsdPerMTok: 2_500_000, outputMicroUsdPerMTok: 10_000_000 },
    ...(m[2] ? { call: { reasoningEffort: "low" as const, maxOutputTokens: 4_096 } } : {}),
  };
}
