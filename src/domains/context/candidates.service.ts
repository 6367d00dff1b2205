/**
 * The candidate scan of one strategy branch at one slot: loads each universe asset's signals as of
 * `asOfMs` with three time-window queries over all assets (asset contexts, 1m indicators, 1m closes
 * now and an hour ago; no per-asset queries, no IN lists against D1's bound-parameter limit), reads
 * open positions through the account port, and runs the pure policy (candidates.model.ts).
 * Look-ahead free by the same rules as the series reads.
 */
import { and, eq, gte, lte, or } from "drizzle-orm";
import { ok, type Result } from "../../core/result";
import { hyperliquidAssetCtxs, hyperliquidCandles1m, hyperliquidIndicators } from "../market-data";
import type { CompiledStrategy } from "../strategy";
import type { AssetSignals, SignalTable } from "./candidates.model";
import { selectCandidates } from "./candidates.model";
import type { CandidateScanResult } from "./context.model";
import { accountFor, type ContextDeps, type ContextFailure, loadStrategy } from "./context.service";

const MINUTE = 60_000;

export interface ScanInput {
  cloneId: string;
  strategyId: string;
  asOfMs: number;
  /** The decision slot (cadence bucket start); drives round_robin. */
  slotMs: number;
  propAccountId?: string;
  /** A pinned stored pipeline version (audition, race accounts); absent: the clone's current graph. */
  pipelineVersionHash?: string;
}

/** Signals of every symbol with data in the windows ending at `asOfMs` (newest row per symbol wins). */
export async function loadSignals(deps: Pick<ContextDeps, "db">, symbols: readonly string[], asOfMs: number): Promise<AssetSignals[]> {
  return (await loadSignalTable(deps, asOfMs))(symbols);
}

/** The signal table at `asOfMs`, from `deps.signals` when it has it (loaded once per asOf). */
export async function signalTableAt(deps: Pick<ContextDeps, "db" | "signals">, asOfMs: number): Promise<SignalTable> {
  if (!deps.signals) return loadSignalTable(deps, asOfMs);
  let pending = deps.signals.get(asOfMs);
  if (!pending) {
    pending = loadSignalTable(deps, asOfMs);
    deps.signals.set(asOfMs, pending);
    // A failed read is not memoized: the next caller tries again.
    pending.catch(() => deps.signals?.delete(asOfMs));
  }
  return pending;
}

async function loadSignalTable(deps: Pick<ContextDeps, "db">, asOfMs: number): Promise<SignalTable> {
  const db = deps.db;
  const lastOpen = Math.floor(asOfMs / MINUTE) * MINUTE - MINUTE; // newest 1m bar closed at asOf
  const c = hyperliquidAssetCtxs;
  const i = hyperliquidIndicators;
  const k = hyperliquidCandles1m;
  const [ctxs, inds, closes] = await Promise.all([
    db
      .select({ symbol: c.symbol, t: c.bucketMs, vlm: c.dayNtlVlm, funding: c.fundingRate })
      .from(c)
      .where(and(gte(c.bucketMs, asOfMs - 30 * MINUTE), lte(c.polledAtMs, asOfMs))),
    db
      .select({ symbol: i.symbol, t: i.openTimeMs, rsi: i.rsi14, up: i.bbUpper, lo: i.bbLower })
      .from(i)
      .where(and(eq(i.interval, "1m"), gte(i.openTimeMs, lastOpen - 5 * MINUTE), lte(i.openTimeMs, lastOpen))),
    db
      .select({ symbol: k.symbol, t: k.openTimeMs, close: k.close })
      .from(k)
      .where(
        or(
          and(gte(k.openTimeMs, lastOpen - 5 * MINUTE), lte(k.openTimeMs, lastOpen)),
          and(gte(k.openTimeMs, lastOpen - 65 * MINUTE), lte(k.openTimeMs, lastOpen - 60 * MINUTE)),
        ),
      ),
  ]);
  const newest = <T extends { symbol: string; t: number }>(rows: T[], keep: (r: T) => boolean = () => true) => {
    const out = new Map<string, T>();
    for (const r of rows) {
      if (!keep(r)) continue;
      const prev = out.get(r.symbol);
      if (!prev || r.t > prev.t) out.set(r.symbol, r);
    }
    return out;
  };
  const ctxBy = newest(ctxs);
  const indBy = newest(inds);
  const nowBy = newest(closes, (r) => r.t > lastOpen - 30 * MINUTE);
  const agoBy = newest(closes, (r) => r.t <= lastOpen - 60 * MINUTE);
  const n = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Number(v));
  return (symbols) =>
    symbols.map((symbol) => ({
      symbol,
      volume24hUsd: n(ctxBy.get(symbol)?.vlm),
      fundingHourly: n(ctxBy.get(symbol)?.funding),
      rsi14: n(indBy.get(symbol)?.rsi),
      close: n(nowBy.get(symbol)?.close),
      bbUpper: n(indBy.get(symbol)?.up),
      bbLower: n(indBy.get(symbol)?.lo),
      closeHourAgo: n(agoBy.get(symbol)?.close),
    }));
}

/** Ranks the branch's tradable universe for the slot; see candidates.model.ts for the policy. */
export async function scanCandidates(deps: ContextDeps, input: ScanInput): Promise<Result<CandidateScanResult, ContextFailure>> {
  const loaded = await loadStrategy(deps, input.cloneId, input.strategyId, input.pipelineVersionHash);
  if (!loaded.ok) return loaded;
  const { strategy, clone } = loaded.value;
  const account = await accountFor(deps, clone, input);
  if (!account.ok) return account;
  const openPositions = (account.value?.positions ?? []).filter((p) => Number(p.szi) !== 0).map((p) => p.symbol);
  return ok(await scanPlanned(deps, { ...input, cloneId: clone.id, strategy, openPositions }));
}

/**
 * The scan of a strategy the caller already compiled, with the account's open positions the caller
 * already read (the scheduler: one plan per clone and one positions read per chunk of accounts, the
 * signals once per tick through `deps.signals`). No clone, plan or account read of its own.
 */
export async function scanPlanned(
  deps: Pick<ContextDeps, "db" | "signals">,
  input: { cloneId: string; strategy: CompiledStrategy; asOfMs: number; slotMs: number; openPositions: readonly string[] },
): Promise<CandidateScanResult> {
  const { strategy } = input;
  const decided = strategy.executions.filter((e) => e.enabled).map((e) => e.symbol);
  const cadenceMs = (strategy.executions[0]?.decisionCadenceSec ?? 300) * 1000;
  const scan = selectCandidates({
    policy: strategy.candidatePolicySettings,
    universe: (await signalTableAt(deps, input.asOfMs))(decided),
    openPositions: input.openPositions,
    slotMs: input.slotMs,
    cadenceMs,
  });
  return { cloneId: input.cloneId, strategyId: strategy.strategyId, asOfMs: input.asOfMs, slotMs: input.slotMs, ...scan };
}
