/** Seeds D1's asset registry the way production does: the refresh-assets job against the replay exchange. */
import { env } from "cloudflare:test";
import { inject } from "vitest";
import { fixedClock } from "../../src/core/clock";
import { sequentialIds } from "../../src/core/ids";
import { runJobNow } from "../../src/jobs";

export async function seedRecordedRegistry(nowMs = Date.UTC(2026, 10, 25, 12)): Promise<void> {
  const replay = inject("replayExchange");
  const result = await runJobNow(
    { ...env, HYPERLIQUID_INFO_URL: replay.infoUrl, HYPERLIQUID_WS_URL: replay.wsUrl },
    { clock: fixedClock(nowMs), ids: sequentialIds() },
    "market-data.refresh-assets",
    {},
  );
  if (!result.ok || result.value.status !== "ran" || result.value.run.status !== "ok") throw new Error("registry refresh failed");
}
