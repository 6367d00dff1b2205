/**
 * The client walkthrough: what a graph builder does, end to end, through the typed client.
 *   1. read the node catalog and search assets for the selection node
 *   2. create a clone, validate a draft pipeline, save it, preview it node by node
 *   3. preview the context packet one decision would see
 *   4. open a sandbox prop account and read its fills and ledger
 * Run against a local backend (`npm start` prints a token):
 *   ARENA_BASE_URL=http://127.0.0.1:8787 ARENA_TOKEN=<jwt> npx tsx client/examples/walkthrough.ts
 * test/browser/client-walkthrough.browser.test.ts runs it against `wrangler dev` on every CI run.
 */
import { fileURLToPath } from "node:url";
import { createArenaClient, type Schemas, unwrap } from "../src/index";

/** A one-branch pipeline: BTC and ETH decided every 5 minutes, reading 1m candles and ETH funding. */
export const WALKTHROUGH_GRAPH: Schemas["PipelineGraph"] = {
  nodes: [
    {
      id: "stream",
      type: "data_stream",
      config: {
        profile: "fast",
        blocks: [
          { id: "candles", source: "hyperliquid", channel: "ohlcv_1m" },
          { id: "eth-funding", source: "hyperliquid", channel: "funding", asset: "ETH" },
        ],
      },
    },
    { id: "majors", type: "asset_selection", config: { explicitlyEnabledSymbols: ["BTC", "ETH"] } },
    { id: "prompt", type: "trading_prompt", config: { decisionCadenceSec: 300, customBehaviorPrompt: "Follow the 1h trend." } },
  ],
  edges: [
    { id: "e1", source: "stream", target: "majors" },
    { id: "e2", source: "majors", target: "prompt" },
  ],
};

export interface WalkthroughSummary {
  nodeTypes: string[];
  assetHits: number;
  cloneId: string;
  pipelineVersion: number;
  previewTokens: number;
  packetHash: string;
  accountId: string;
  fills: number;
  /** Ledger entry codes, oldest first (a fresh sandbox starts with its `deposit`). */
  ledgerCodes: string[];
}

export async function runWalkthrough(options: {
  baseUrl: string;
  token: string;
  log?: (line: string) => void;
}): Promise<WalkthroughSummary> {
  const log = options.log ?? (() => {});
  const api = createArenaClient({ baseUrl: options.baseUrl, token: options.token });

  const catalog = unwrap(await api.GET("/api/v1/pipeline/catalog"));
  log(`catalog: ${catalog.nodeTypes.map((n) => n.type).join(", ")}; up to ${catalog.limits.maxActiveAssets} assets`);
  const hits = unwrap(await api.GET("/api/v1/assets", { params: { query: { query: "BTC", limit: 10 } } }));
  log(`assets matching BTC: ${hits.total}`);

  const clone = unwrap(await api.POST("/api/v1/clones", { body: { name: "Walkthrough", modelId: "rules-v1" } }));
  const cloneId = clone.id;
  const path = { cloneId };
  const draft = { version: 0, graph: WALKTHROUGH_GRAPH, layout: {} };
  const check = unwrap(await api.POST("/api/v1/clones/{cloneId}/pipeline/validate", { params: { path }, body: draft }));
  if (!check.valid)
    throw new Error(`draft refused: ${check.problems.map((p) => `${p.code} ${p.nodeId ?? ""}${p.pointer ?? ""}`).join("; ")}`);
  const saved = unwrap(await api.PUT("/api/v1/clones/{cloneId}/pipeline", { params: { path }, body: draft }));
  log(`clone ${cloneId}: pipeline version ${saved.version}`);

  const preview = unwrap(await api.GET("/api/v1/clones/{cloneId}/pipeline/preview", { params: { path } }));
  const prompt = preview.nodes.find((n) => n.type === "trading_prompt");
  const previewTokens = prompt?.type === "trading_prompt" ? prompt.estimatedPromptTokens.max : 0;
  log(`preview: ${preview.nodes.length} nodes; largest prompt ~${previewTokens} tokens`);

  const context = unwrap(
    await api.GET("/api/v1/clones/{cloneId}/context-preview", { params: { path, query: { strategyId: "prompt", symbol: "BTC" } } }),
  );
  log(`context packet ${context.packetHash.slice(0, 12)}…`);

  const account = unwrap(
    await api.POST("/api/v1/clones/{cloneId}/prop-accounts", {
      params: { path },
      body: { kind: "sandbox", startingBalanceUsd: 10_000, durationHours: 24 },
    }),
  );
  const accountPath = { accountId: account.accountId };
  const fills = unwrap(await api.GET("/api/v1/prop-accounts/{accountId}/fills", { params: { path: accountPath, query: { limit: 50 } } }));
  const ledger = unwrap(await api.GET("/api/v1/prop-accounts/{accountId}/ledger", { params: { path: accountPath, query: { limit: 50 } } }));
  log(`sandbox ${account.accountId}: ${fills.items.length} fills, ${ledger.items.length} ledger entries`);

  return {
    nodeTypes: catalog.nodeTypes.map((n) => n.type),
    assetHits: hits.total,
    cloneId,
    pipelineVersion: saved.version,
    previewTokens,
    packetHash: context.packetHash,
    accountId: account.accountId,
    fills: fills.items.length,
    ledgerCodes: ledger.items.map((e) => e.code),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const baseUrl = process.env.ARENA_BASE_URL ?? "http://127.0.0.1:8787";
  const token = process.env.ARENA_TOKEN;
  if (!token) {
    console.error("ARENA_TOKEN is required (npm start prints one)");
    process.exit(2);
  }
  console.log(JSON.stringify(await runWalkthrough({ baseUrl, token, log: console.log }), null, 2));
}
