/**
 * Helpers of the live-trading tests (live-trading.test.ts, live-decision-e2e.test.ts): the stand-in
 * exchange's `/info`, the proven wallet a creator links, the console captured for the no-key-in-logs
 * check, and the test's own opening of a sealed agent key (only to search for it afterwards; the Worker
 * never returns it).
 */
import { env } from "cloudflare:test";
import type { Address, Hex } from "viem";
import { vi } from "vitest";
import type { createApp } from "../../src/app";
import { keyRingFromSettings, openAgentKey } from "../../src/domains/trading/live/hyperliquid/agent-key.service";
import { postInfo } from "../../src/domains/trading/live/hyperliquid/exchange-client.service";
import { bearer } from "./auth";

/** `/info` of the stand-in exchange at `baseUrl`, answers as loose JSON. */
export function exchangeInfo(baseUrl: string) {
  const venue = { baseUrl, fetch: (i: RequestInfo | URL, init?: RequestInit) => fetch(i, init) };
  // biome-ignore lint/suspicious/noExplicitAny: exchange JSON
  return (body: Record<string, unknown>) => postInfo(venue, body) as Promise<any>;
}

/** Every console line from now on, also kept out of the test output (restore with vi.restoreAllMocks). */
export function captureConsole(): string[] {
  const lines: string[] = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const)
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  return lines;
}

/** Records `address` as `userId`'s proven wallet (what the lifecycle's wallet proof leaves behind). */
export async function provenWallet(userId: string, address: string): Promise<void> {
  await env.DB.prepare("INSERT INTO wallets (user_id, address, proof, linked_at_ms) VALUES (?, ?, 'admin', 0)").bind(userId, address).run();
}

/** Opens the stored agent key `agentId` with the test's KEK settings. */
export async function revealAgentKey(agentId: string, kek: { LIVE_AGENT_KEK: string; LIVE_AGENT_KEK_ID: string }): Promise<Hex> {
  const row = await env.DB.prepare("SELECT address, kek_id, iv, ciphertext FROM live_agent_keys WHERE id = ?")
    .bind(agentId)
    .first<{ address: Address; kek_id: string; iv: string; ciphertext: string }>();
  if (!row) throw new Error(`agent ${agentId} missing`);
  return openAgentKey({ address: row.address, kekId: row.kek_id, iv: row.iv, ciphertext: row.ciphertext }, await keyRingFromSettings(kek));
}

/**
 * Calls the app's routes as `user` (or as the operator "ops-admin") under `env`, keeping every response
 * body in `seen` for the no-key-in-any-response check.
 */
export function recordingCaller(app: ReturnType<typeof createApp>, env: Env, user: string, seen: string[]) {
  return async (method: string, path: string, body?: unknown, role: "user" | "admin" = "user") => {
    const headers = { ...(await bearer(role === "admin" ? "ops-admin" : user, role)), "content-type": "application/json" };
    const res = await app.request(
      `https://api.test/api/v1${path}`,
      { method, headers, body: body === undefined ? undefined : JSON.stringify(body) },
      env,
    );
    const text = await res.text();
    seen.push(text);
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
  };
}
