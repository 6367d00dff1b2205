/**
 * The typed client's walkthrough (client/examples/walkthrough.ts) against a real local backend: the
 * replay-mode `wrangler dev` `npm start` runs, on a fresh D1, with the asset registry refreshed from the
 * replay exchange through the admin job route. The example creates a clone, validates, saves and
 * previews a pipeline, previews a context packet, opens a sandbox and reads its fills and ledger; every
 * call goes through the generated types, so a drift between the client and the API fails here (at
 * runtime) or in `npm run typecheck` (at compile time). Node lane: no browser is started.
 */
import { sign } from "hono/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWalkthrough } from "../../client/examples/walkthrough";
import { type LocalBackend, runJobs, startReplayBackend } from "../../src/cli/lib/local-backend";

const SECRET = "client-walkthrough-secret-0123456789abcdef";
const token = (sub: string, role: "admin" | "user") => sign({ sub, role, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, "HS256");

let backend: LocalBackend | undefined;

beforeAll(async () => {
  backend = await startReplayBackend({ jwtSecret: SECRET, name: "client-walkthrough", timeoutMs: 240_000 });
  await runJobs(backend.baseUrl, await token("operator", "admin"), ["market-data.refresh-assets"]);
}, 300_000);

afterAll(async () => {
  await backend?.stop();
});

describe("client walkthrough against wrangler dev", () => {
  it("runs green end to end through the typed client", async () => {
    if (!backend) throw new Error("backend not started");
    const lines: string[] = [];
    const summary = await runWalkthrough({ baseUrl: backend.baseUrl, token: await token("walker", "user"), log: (l) => lines.push(l) });
    expect(summary.nodeTypes).toEqual(["data_stream", "asset_selection", "trading_prompt"]);
    expect(summary.assetHits).toBeGreaterThan(0);
    expect(summary.pipelineVersion).toBe(1);
    expect(summary.previewTokens).toBeGreaterThan(2000);
    expect(summary.packetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(summary.accountId).toEqual(expect.any(String));
    expect(summary.fills).toBeGreaterThanOrEqual(0);
    expect(summary.ledgerCodes[0]).toBe("deposit");
    expect(lines).toHaveLength(6);
  });
});
