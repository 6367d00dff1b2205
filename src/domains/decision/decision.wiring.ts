/**
 * Plugs the real collaborators into the decision runtime's ports: the context resolver and candidate
 * scan (context domain), the artifact store with its owner index (artifacts), the prop accounts and
 * their intake (trading), and the Cloudflare Queue producer. One place, so the service, the scheduler,
 * the consumer and the routes all run the same wiring. Callers: decision.jobs.ts, src/queues, routes.
 */

import type { AppDeps } from "../../core/deps";
import { err, ok } from "../../core/result";
import { openDb } from "../../db/client";
import { artifactStoreFor, storeOwnedArtifacts } from "../artifacts";
import {
  type AssembledPrompt,
  type ContextDeps,
  createSignalsCache,
  quoteUntrusted,
  resolvePacket,
  scanCandidates,
  scanPlanned,
} from "../context";
import { createSeriesCache } from "../market-data";
import { loadRegistry } from "../strategy";
import {
  type AccountSummary,
  emptyAccountSummary,
  getAccountSummary,
  listActiveAccounts,
  loadMarket,
  openSymbolsByAccount,
  referenceOf,
  submitDecisionAction,
  type TradingDeps,
} from "../trading";
import { readDecisionSettings } from "./decision.config";
import { readDecisionMemory } from "./decision.memory";
import type { DecisionPrompt } from "./decision.model";
import type { ArtifactSink, CandidateSource, Intake, PacketSource, RunQueue } from "./decision.port";
import type { SchedulerDeps } from "./decision.scheduler";
import type { DecisionDeps } from "./decision.service";
import type { ProviderThrottle } from "./engines";
import { indicatorSnapshotOf } from "./packet-view.model";
import { proposalContractText } from "./proposal.contract";

export type DecisionRuntime = DecisionDeps & SchedulerDeps & { env: Env; context: ContextDeps };

/** Owner kind of a decision run's artifacts in the artifact index. */
export const RUN_ARTIFACT_OWNER = "decision_run";

/**
 * System = the fixed rules and the output contract (the parts no user or market text reaches); user =
 * everything else, in the assembled order.
 */
export function splitPrompt(prompt: AssembledPrompt): DecisionPrompt {
  const system = prompt.sections.filter((s) => s.kind === "system_rules" || s.kind === "output_contract");
  const user = prompt.sections.filter((s) => s.kind !== "system_rules" && s.kind !== "output_contract");
  return { system: system.map((s) => s.text).join("\n\n"), user: user.map((s) => s.text).join("\n\n") };
}

/** The prompt's output contract: the proposal schema the provider enforces, with the action lines. */
const modelOutputContract: NonNullable<ContextDeps["outputContract"]> = (packet) =>
  proposalContractText(quoteUntrusted(packet.execution.symbol), packet.asset.venue);

/** The resolver as a packet source; `accountSummary` overrides the account (the dry-run's own ledger). */
export function packetSource(context: ContextDeps, accountSummary?: (asOfMs: number) => AccountSummary): PacketSource {
  return {
    async resolve(request) {
      const base: ContextDeps = { ...context, outputContract: context.outputContract ?? modelOutputContract };
      // A dry-run decides on its own ledger: no prop account, so no invocation count or exit plans either.
      const deps = accountSummary
        ? { ...base, accountSummary: async (_id: string, asOf: number) => accountSummary(asOf), decisionMemory: undefined }
        : base;
      const resolved = await resolvePacket(deps, { ...request, propAccountId: request.accountId });
      if (!resolved.ok) return err({ code: resolved.error.kind, message: resolved.error.message });
      const { packet, packetHash, canonical, prompt } = resolved.value;
      const venue = packet.asset.venue;
      // The intake's reference price as of asOf: local engines place stop/take-profit around it (rules-v1).
      const quote = (await loadMarket(context.db.$client, [request.symbol], request.asOfMs)).quotes[request.symbol];
      return ok({
        packet: {
          hash: packetHash,
          cloneId: request.cloneId,
          strategyId: request.strategyId,
          symbol: request.symbol,
          asOfMs: request.asOfMs,
          account:
            packet.account ??
            emptyAccountSummary({ accountId: request.accountId ?? "none", cloneId: request.cloneId, asOfMs: request.asOfMs }),
          venue: { szDecimals: venue.szDecimals, maxLeverage: venue.maxLeverage ?? 1, minNotionalUsd: venue.minNotionalUsd },
          indicators: indicatorSnapshotOf(packet.series, request.symbol),
          cadenceSec: packet.execution.decisionCadenceSec,
          referencePx: quote ? Number(referenceOf(quote).px) : null,
          body: packet,
        },
        prompt: splitPrompt(prompt),
        packetJson: canonical,
      });
    },
  };
}

/**
 * The context domain's candidate scan as a candidate source (the selected symbols, ranked). Given the
 * account's open positions, it scans the strategy the scheduler already compiled (`scanPlanned`: no
 * clone, plan or account read); `forTick()` gives a source whose signals are read once per asOf.
 */
export function candidateSource(context: ContextDeps): CandidateSource {
  return {
    async scan({ cloneId, strategy, accountId, asOfMs, slotMs, pipelineVersionHash, openPositions }) {
      if (openPositions) {
        const planned = await scanPlanned(context, { cloneId, strategy, asOfMs, slotMs, openPositions });
        const ranked = new Map(planned.ranked.map((r) => [r.symbol, r]));
        return planned.selected.map((symbol) => ({
          symbol,
          score: ranked.get(symbol)?.score ?? 0,
          openPosition: ranked.get(symbol)?.openPosition ?? false,
        }));
      }
      const scanned = await scanCandidates(context, {
        cloneId,
        strategyId: strategy.strategyId,
        asOfMs,
        slotMs,
        propAccountId: accountId,
        pipelineVersionHash,
      });
      if (!scanned.ok) return [];
      const ranked = new Map(scanned.value.ranked.map((r) => [r.symbol, r]));
      return scanned.value.selected.map((symbol) => ({
        symbol,
        score: ranked.get(symbol)?.score ?? 0,
        openPosition: ranked.get(symbol)?.openPosition ?? false,
      }));
    },
    forTick: () => candidateSource({ ...context, signals: createSignalsCache() }),
  };
}

/**
 * The runtime with one registry snapshot shared by every packet it resolves (a batch of runs, a
 * dry-run): the registry (every asset) is the largest read of a resolution and changes hourly.
 */
export async function withSharedRegistry(rt: DecisionRuntime): Promise<DecisionRuntime> {
  const context = { ...rt.context, registry: await loadRegistry(rt.db) };
  return { ...rt, context, packets: packetSource(context), candidates: candidateSource(context) };
}

/**
 * What a run asks of the trading domain: the account summary its packet embeds and the intake its
 * action goes through. One definition, so the intake probe (decision.intake-probe.ts) times exactly
 * the calls a run makes.
 */
export function tradingPorts(trading: TradingDeps): { accountSummary: NonNullable<ContextDeps["accountSummary"]>; intake: Intake } {
  return {
    accountSummary: (accountId, asOfMs) => getAccountSummary(trading, accountId, asOfMs),
    // A live account's paper shadow routes through the live path (trading/live/live-dispatch.service.ts).
    intake: { submit: (accountId, action, nowMs) => submitDecisionAction(trading, accountId, action, nowMs) },
  };
}

export function decisionRuntime(env: Env, app: AppDeps): DecisionRuntime {
  const db = openDb(env.DB);
  const settings = readDecisionSettings(env);
  const ports = tradingPorts({ env, ids: app.ids });
  const trading = { env, ids: app.ids };
  const store = artifactStoreFor(env as unknown as Record<string, unknown> & { ARTIFACTS: R2Bucket });
  const context: ContextDeps = {
    db,
    accountSummary: ports.accountSummary,
    decisionMemory: (accountId, asOfMs) => readDecisionMemory(db, accountId, asOfMs),
    series: createSeriesCache(),
  };
  const artifacts: ArtifactSink = {
    async put(runId, name, body) {
      const contentType = name === "response" ? "text/plain; charset=utf-8" : "application/json";
      const heads = await storeOwnedArtifacts(
        db,
        store,
        { kind: RUN_ARTIFACT_OWNER, id: runId },
        [{ role: name, content: body, contentType }],
        app.clock.nowMs(),
      );
      const head = heads[name];
      if (!head) throw new Error(`artifact ${name} of ${runId} not stored`);
      return head.key;
    },
    async get(key) {
      const found = await store.get(key);
      return found ? new TextDecoder().decode(found.content) : undefined;
    },
  };
  const queue: RunQueue = {
    async enqueue(runIds) {
      // sendBatch takes at most 100 messages.
      for (let i = 0; i < runIds.length; i += 100) {
        await env.DECISION_QUEUE.sendBatch(runIds.slice(i, i + 100).map((runId) => ({ body: { runId }, contentType: "json" as const })));
      }
    },
  };
  const rates = settings.DECISION_PROVIDER_RATES;
  // One ProviderRateLimit object per limited provider: every consumer invocation shares its bucket.
  const throttle: ProviderThrottle | undefined =
    Object.keys(rates).length > 0 && env.PROVIDER_RATE_LIMIT
      ? {
          async take(provider) {
            const rate = rates[provider];
            if (!rate) return { granted: true, retryAfterMs: 0 };
            return env.PROVIDER_RATE_LIMIT.get(env.PROVIDER_RATE_LIMIT.idFromName(provider)).take(app.clock.nowMs(), rate);
          },
        }
      : undefined;
  return {
    env,
    db,
    clock: app.clock,
    engineOptions: throttle ? { throttle } : undefined,
    ids: app.ids,
    settings,
    context,
    packets: packetSource(context),
    artifacts,
    intake: ports.intake,
    accounts: {
      async listActive() {
        const rows = await listActiveAccounts(trading);
        return rows
          .filter((r) => r.status === "active")
          .map((r) => {
            const pins = r.pinsJson
              ? (JSON.parse(r.pinsJson) as { modelId?: string; pipelineVersion?: number; pipelineVersionHash?: string })
              : null;
            // Audition and race accounts decide with the model pinned at open; a sandbox follows the clone.
            const pinned = r.kind !== "sandbox" ? pins : null;
            return {
              accountId: r.id,
              cloneId: r.cloneId,
              kind: r.kind,
              pinnedModelId: pinned?.modelId,
              pinnedPipelineVersion: pinned?.pipelineVersion,
              pinnedPipelineVersionHash: pinned?.pipelineVersionHash,
            };
          });
      },
      openSymbols: (accountIds) => openSymbolsByAccount(env.DB, accountIds),
    },
    candidates: candidateSource(context),
    queue,
    fanOut: {
      async send(chunks) {
        for (let i = 0; i < chunks.length; i += 100) {
          await env.DECISION_SCHEDULE_QUEUE.sendBatch(chunks.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
        }
      },
    },
  };
}
