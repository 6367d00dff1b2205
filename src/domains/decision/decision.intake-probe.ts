/**
 * `decision.intake-probe` (manual job, off unless DECISION_INTAKE_PROBE_ENABLED=true): drives probe
 * actions through exactly the trading calls a decision run makes (`tradingPorts`: the account summary
 * its packet embeds, then the intake its action goes through) across the given sandbox accounts, and
 * answers actions/s, p50/p99 per action and the wall time per phase (D1 reads, object round trips).
 * `npm run bench -- decision` reads it (test/bench/decision-intake.ts); nothing else calls it.
 *
 * Each account's actions run in order (open_long, close, open_long, ...), accounts side by side, as
 * the queue consumer runs different accounts' runs. The action ids derive from the job's time, account
 * and index, so a repeated job run at the same millisecond is answered from the intake's log. Only
 * active sandbox accounts are traded (the job refuses others), and only when the setting allows it.
 */
import { z } from "zod";
import { defineJob } from "../../cron/job";
import { listActiveAccounts, type PhaseTimer } from "../trading";
import { readDecisionSettings } from "./decision.config";
import { tradingPorts } from "./decision.wiring";

const ProbeParamsSchema = z.object({
  accountIds: z.array(z.string().min(1).max(128)).min(1).max(100),
  actionsPerAccount: z.coerce.number().int().min(1).max(20).default(4),
  inFlight: z.coerce.number().int().min(1).max(100).default(100),
  symbol: z.string().min(1).max(64).default("BTC"),
  size: z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .default("0.001"),
});

/** Nearest-rank percentile of ascending `sorted` (NaN when empty). */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** Sums wall time and calls per phase. */
export function phaseTimer(): PhaseTimer & { totals: Map<string, { ms: number; calls: number }> } {
  const totals = new Map<string, { ms: number; calls: number }>();
  return {
    totals,
    add(phase, ms) {
      const t = totals.get(phase) ?? { ms: 0, calls: 0 };
      t.ms += ms;
      t.calls += 1;
      totals.set(phase, t);
    },
  };
}

export const intakeProbeJob = defineJob({
  name: "decision.intake-probe",
  description: "Bench probe: times a decision run's trading calls (summary + intake) across sandbox accounts",
  params: ProbeParamsSchema,
  async run({ env, deps, params }) {
    if (!readDecisionSettings(env).DECISION_INTAKE_PROBE_ENABLED) return { itemsProcessed: 0, summary: { disabled: true } };
    const sandboxes = new Set(
      (await listActiveAccounts({ env })).filter((a) => a.kind === "sandbox" && a.status === "active").map((a) => a.id),
    );
    const refused = params.accountIds.filter((id) => !sandboxes.has(id));
    if (refused.length > 0) return { itemsProcessed: 0, summary: { refused: refused.length, firstRefused: refused[0] } };

    const timer = phaseTimer();
    const ports = tradingPorts({ env, ids: deps.ids, timer });
    const startMs = deps.clock.nowMs();
    const perAction: number[] = [];
    const outcomes: Record<string, number> = {};
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < params.accountIds.length) {
        const accountId = params.accountIds[next++] as string;
        for (let i = 0; i < params.actionsPerAccount; i++) {
          const nowMs = deps.clock.nowMs();
          const t0 = performance.now();
          await ports.accountSummary(accountId, nowMs);
          const outcome = await ports.intake.submit(
            accountId,
            {
              actionId: `probe:${startMs}:${accountId}:${i}`,
              symbol: params.symbol,
              ...(i % 2 === 0 ? { action: "open_long" as const, size: params.size, leverage: 2 } : { action: "close" as const }),
              confidence: 1,
              reason: "intake probe",
              decidedAtMs: nowMs,
            },
            nowMs,
          );
          perAction.push(performance.now() - t0);
          const key = outcome.status === "denied" ? `denied:${outcome.code}` : outcome.status;
          outcomes[key] = (outcomes[key] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(params.inFlight, params.accountIds.length) }, worker));
    const seconds = (performance.now() - started) / 1000;
    perAction.sort((a, b) => a - b);
    const phases: Record<string, { msPerAction: number; calls: number }> = {};
    for (const [phase, t] of timer.totals) phases[phase] = { msPerAction: round1(t.ms / perAction.length), calls: t.calls };
    return {
      itemsProcessed: perAction.length,
      summary: {
        actions: perAction.length,
        seconds: Math.round(seconds * 100) / 100,
        actionsPerSec: round1(perAction.length / seconds),
        p50Ms: round1(percentile(perAction, 50)),
        p99Ms: round1(percentile(perAction, 99)),
        outcomes,
        phases,
      },
    };
  },
});

const round1 = (x: number) => Math.round(x * 10) / 10;
