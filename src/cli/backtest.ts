/**
 * `npm run backtest -- --clone <id> --from <iso> --to <iso> [--engine rules-v1|hold|model]
 *   [--balance 10000] [--confirm-cost <micro-USD>] [--user <sub>] [--url http://127.0.0.1:8787]`
 * Queues a backtest of the clone on the local backend (POST /api/v1/clones/{id}/backtests), draws a
 * progress bar from GET /api/v1/backtests/{id} until it ends, then prints the report's summary. Calls
 * as the local admin (owner-or-admin routes) unless `--user` names the owner. A model backtest answered
 * 409 prints the estimate to confirm with `--confirm-cost`. Ctrl-C cancels the backtest.
 * Exit: 0 succeeded, 1 failed/cancelled/refused, 2 bad arguments (the field is named).
 */
import { parseArgs } from "node:util";
import { localJwtSecret, mintToken } from "./lib/local-auth";

const { values } = parseArgs({
  options: {
    clone: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    engine: { type: "string", default: "rules-v1" },
    balance: { type: "string", default: "10000" },
    "confirm-cost": { type: "string" },
    user: { type: "string" },
    url: { type: "string", default: process.env.BACKEND_URL ?? "http://127.0.0.1:8787" },
  },
});

function usage(field: string, why: string): never {
  console.error(`backtest: ${field}: ${why}`);
  console.error(
    "usage: npm run backtest -- --clone <id> --from <iso> --to <iso> [--engine rules-v1|hold|model] [--balance 10000] [--confirm-cost <µUSD>]",
  );
  process.exit(2);
}

const isoMs = (field: string, v: string | undefined): number => {
  if (!v) usage(`--${field}`, "required (ISO 8601 time, e.g. 2026-11-25T12:00:00Z)");
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) usage(`--${field}`, `not an ISO time: ${v}`);
  return ms;
};

if (!values.clone) usage("--clone", "required (the clone id)");
const fromMs = isoMs("from", values.from);
const toMs = isoMs("to", values.to);
if (toMs <= fromMs) usage("--to", "must be after --from");
if (!["hold", "rules-v1", "model"].includes(values.engine)) usage("--engine", "one of hold, rules-v1, model");
const balance = Number(values.balance);
if (!(balance > 0)) usage("--balance", "a positive number of USD");
const confirm = values["confirm-cost"] === undefined ? undefined : Number(values["confirm-cost"]);
if (confirm !== undefined && !Number.isSafeInteger(confirm)) usage("--confirm-cost", "an integer micro-USD amount");
const secret = localJwtSecret();
if (!secret) usage("JWT_SECRET", "not found in $JWT_SECRET, .dev.vars or .dev.vars.example");

const token = values.user ? await mintToken(values.user, "user", 3600, secret) : await mintToken("local-admin", "admin", 3600, secret);
// biome-ignore lint/suspicious/noExplicitAny: the CLI prints arbitrary JSON answers
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${values.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

const created = await call("POST", `/clones/${values.clone}/backtests`, {
  fromMs,
  toMs,
  startingBalanceUsd: balance,
  engine: values.engine,
  ...(confirm === undefined ? {} : { confirmCostMicroUsd: confirm }),
});
if (created.status === 409 && created.body?.error?.details?.estimateMicroUsd !== undefined) {
  const est = created.body.error.details.estimateMicroUsd as number;
  console.error(
    `a model backtest needs its cost confirmed: estimate ${est} µUSD ($${(est / 1e6).toFixed(4)}); rerun with --confirm-cost ${est}`,
  );
  process.exit(1);
}
if (created.status !== 202) {
  console.error(`refused (${created.status}): ${JSON.stringify(created.body?.error ?? created.body)}`);
  process.exit(1);
}
const id = created.body.id as string;
process.on("SIGINT", async () => {
  await call("POST", `/backtests/${id}/cancel`);
  process.stderr.write(`\ncancelled ${id}\n`);
  process.exit(1);
});

const bar = (pct: number) => {
  const width = 30;
  const full = Math.round((pct / 100) * width);
  return `[${"#".repeat(full)}${".".repeat(width - full)}]`;
};
let view = created.body;
for (;;) {
  const eta = view.etaMs === null ? "eta ?" : `eta ${Math.ceil(view.etaMs / 1000)}s`;
  process.stderr.write(
    `\r${bar(view.percent)} ${String(view.percent).padStart(5)}% ${view.slotsDone}/${view.slotsTotal} slots ${view.status} ${eta}   `,
  );
  if (["succeeded", "failed", "cancelled"].includes(view.status)) break;
  await new Promise((r) => setTimeout(r, 500));
  view = (await call("GET", `/backtests/${id}`)).body;
}
process.stderr.write("\n");
if (view.status !== "succeeded") {
  console.error(`backtest ${id} ${view.status}: ${JSON.stringify(view.error)}`);
  process.exit(1);
}
const { body: r } = await call("GET", `/backtests/${id}/report`);
const usd = (micro: number) => `$${(micro / 1e6).toFixed(2)}`;
const lines = [
  `backtest ${id}  clone ${r.inputs.cloneId} v${r.inputs.pipelineVersion}  ${r.inputs.engine} (${r.inputs.modelId})`,
  `window    ${new Date(r.inputs.fromMs).toISOString()} -> ${new Date(r.inputs.toMs).toISOString()}  step ${r.inputs.stepMs / 1000}s  ${r.equityCurve.length} slots  ${r.inputs.packets} packets`,
  `equity    ${usd(r.inputs.startingBalanceMicroUsd)} -> ${usd(r.finalEquityMicroUsd)}  return ${r.returnPct}%  max drawdown ${r.maxDrawdownPct}%`,
  `ratios    sharpe ${r.sharpe ?? "-"}  sortino ${r.sortino ?? "-"}  (${r.annualisation})`,
  `trading   ${r.fills.length} fills  ${r.roundTrips} round trips  win rate ${r.winRate ?? "-"}  exposure ${r.exposurePct}%  turnover ${r.turnover}x`,
  `pnl       realized ${usd(r.realizedPnlMicroUsd)}  unrealized ${usd(r.unrealizedPnlMicroUsd)}  fees ${usd(r.feesMicroUsd)}  funding ${usd(r.fundingMicroUsd)}  reconciles ${r.reconciles}`,
  ...r.benchmark.map(
    (b: { symbol: string; buyHoldReturnPct: number; traded: boolean }) =>
      `benchmark ${b.symbol} buy-and-hold ${b.buyHoldReturnPct}%${b.traded ? " (traded)" : ""}`,
  ),
  `cost      ${r.usage.costMicroUsd} µUSD (${r.usage.inputTokens} in / ${r.usage.outputTokens} out tokens)`,
  `report    ${values.url}/api/v1/backtests/${id}/report`,
  `hash      ${r.reportHash}`,
];
console.log(lines.join("\n"));
