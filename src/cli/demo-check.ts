/**
 * `npm run demo:check`: the README's promise, checked from a fresh state. Starts `npm start` (replay
 * mode) on a free port with an empty local state directory, then polls the public API as the demo user
 * until (a) `GET /api/v1/races/current` answers the seeded demo race, accumulating, with >= 2 entrants
 * and a non-zero pool, (b) the demo sandbox has its first fill, and (c) the demo live account
 * (lib/demo-live.ts; its id from `<state>/demo-live.json`) has a filled live order: once its paper shadow
 * has a fill, an operator reconciliation (`POST /admin/live/accounts/{id}/reconcile`) must answer `ok` with
 * at least one order filled at the stand-in exchange. Passes when all three happen within 5 minutes of the
 * start; prints the elapsed times, the race, the fill and the live order. (The full race cycle,
 * accumulate -> run -> settle, takes ~10 minutes with npm start's windows: not checked here.) CI runs it after `npm test` (.ci/run). Stops everything it
 * started (the whole process group) and removes the state directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { apiAs, demoApi, findDemoAccount, findDemoClone, firstDemoFill, must } from "./lib/demo";
import { currentRace } from "./lib/demo-arena";
import { type DemoLiveState, firstLiveFill } from "./lib/demo-live";
import { localJwtSecret } from "./lib/local-auth";
import { freePort } from "./lib/local-backend";

const { values } = parseArgs({
  options: { "timeout-sec": { type: "string", default: "300" }, verbose: { type: "boolean", default: false } },
});
const timeoutMs = Number(values["timeout-sec"]) * 1000;
const log = (line: string) => console.log(`[demo:check] ${line}`);

const secret = localJwtSecret();
if (!secret) {
  console.error("[demo:check] no JWT secret (.dev.vars, .dev.vars.example or $JWT_SECRET)");
  process.exit(2);
}
const port = await freePort();
const persistDir = mkdtempSync(join(tmpdir(), "demo-check-"));
const baseUrl = `http://127.0.0.1:${port}`;
const startedAt = Date.now();
const child: ChildProcess = spawn("npx", ["tsx", "src/cli/start.ts", "--port", String(port), "--persist-to", persistDir], {
  stdio: values.verbose ? "inherit" : "ignore",
  env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
  detached: true,
});
let exited = false;
child.once("exit", () => {
  exited = true;
});

async function stop(code: number): Promise<never> {
  if (child.pid && !exited) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  rmSync(persistDir, { recursive: true, force: true });
  process.exit(code);
}
process.on("SIGINT", () => void stop(130));

log(
  `npm start on ${baseUrl} with a fresh state in ${persistDir}; waiting up to ${timeoutMs / 1000} s for the demo race and the first demo fill`,
);
const api = await demoApi(baseUrl, secret);
let lastNote = "";
let raceSeen = false;
let fillSeen = false;
let liveSeen = false;
const admin = await apiAs(baseUrl, secret, "demo-check", "admin");
const elapsed = () => Math.round((Date.now() - startedAt) / 1000);

/** The demo race as a newcomer sees it: accumulating, >= 2 entrants, a non-zero pool. */
async function checkRace(): Promise<boolean> {
  const race = await currentRace(api);
  const entrants = race?.field.filter((e) => e.status === "entered").length ?? 0;
  if (race?.status !== "accumulating" || entrants < 2 || !(race.poolMicroUsd > 0)) return false;
  log(`demo race ${elapsed()} s after start: ${race.id} accumulating, ${entrants} entrants, pool ${race.poolMicroUsd} micro-USD`);
  return true;
}
/** A filled live order of the demo live account, reconciled without divergence. */
async function checkLive(): Promise<boolean> {
  const file = join(persistDir, "demo-live.json");
  const id = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as DemoLiveState).liveAccountId : undefined;
  if (!id) return false;
  const acc = must("demo live account", await api.call("GET", `/live/accounts/${id}`), [200]) as { shadowAccountId: string };
  if (!(await firstLiveFill(api, acc.shadowAccountId))) return false;
  const report = must("reconcile the demo live account", await admin.call("POST", `/admin/live/accounts/${id}/reconcile`), [200]) as {
    status: string;
    divergences: unknown[];
    slippage: Array<{ livePx: string; paperPx: string | null; slippageBps: number | null }>;
  };
  if (report.status !== "ok") throw new Error(`demo live account ${id} diverged: ${JSON.stringify(report.divergences)}`);
  if (report.slippage.length === 0) return false;
  log(`first filled live order ${elapsed()} s after start on ${id}: ${JSON.stringify(report.slippage[0])} (reconciliation ok)`);
  return true;
}
let liveError = "";
while (Date.now() - startedAt < timeoutMs) {
  if (exited) {
    log("npm start exited early");
    await stop(1);
  }
  await new Promise((r) => setTimeout(r, 5000));
  try {
    raceSeen ||= await checkRace();
    const cloneId = await findDemoClone(api);
    const accountId = cloneId ? await findDemoAccount(api, cloneId) : undefined;
    const fill = accountId ? await firstDemoFill(api, accountId) : undefined;
    const note = !cloneId
      ? "no demo clone yet"
      : !accountId
        ? "no demo account yet"
        : !fill
          ? "no fill yet"
          : !raceSeen
            ? "no demo race yet"
            : `no filled live order yet${liveError ? ` (${liveError.slice(0, 120)})` : ""}`;
    fillSeen ||= fill !== undefined;
    // A divergence is final (the account freezes): stop waiting and report it.
    liveSeen ||= await checkLive().catch(async (error: unknown) => {
      liveError = error instanceof Error ? error.message : String(error);
      if (liveError.includes("diverged")) {
        log(`FAILED: ${liveError}`);
        await stop(1);
      }
      return false;
    });
    if (fill && raceSeen && liveSeen) {
      log(`first demo fill ${elapsed()} s after start: ${JSON.stringify(fill)}`);
      await stop(0);
    }
    if (note !== lastNote) log(`${elapsed()} s: ${note}`);
    lastNote = note;
  } catch (error) {
    const note = `backend not ready (${error instanceof Error ? error.message.slice(0, 80) : String(error)})`;
    if (note !== lastNote) log(note);
    lastNote = note;
  }
}
const missing = [
  raceSeen ? "" : "no accumulating demo race with >= 2 entrants and a pool",
  fillSeen ? "" : "no demo fill",
  liveSeen ? "" : `no filled live order on the demo live account${liveError ? ` (${liveError})` : ""}`,
];
log(`FAILED within ${timeoutMs / 1000} s: ${missing.filter(Boolean).join("; ")}`);
await stop(1);
