/**
 * `npm run demo:check`: the README's promise, checked from a fresh state. Starts `npm start` (replay
 * mode) on a free port with an empty local state directory, then polls the public API as the demo user
 * until (a) `GET /api/v1/races/current` answers the seeded demo race, accumulating, with >= 2 entrants
 * and a non-zero pool, and (b) the demo sandbox has its first fill. Passes when both happen within 5
 * minutes of the start; prints the elapsed times, the race and the fill. (The full race cycle,
 * accumulate -> run -> settle, takes ~10 minutes with npm start's windows: not checked here.) CI runs it after `npm test` (.ci/run). Stops everything it
 * started (the whole process group) and removes the state directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { demoApi, findDemoAccount, findDemoClone, firstDemoFill } from "./lib/demo";
import { currentRace } from "./lib/demo-arena";
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
const elapsed = () => Math.round((Date.now() - startedAt) / 1000);

/** The demo race as a newcomer sees it: accumulating, >= 2 entrants, a non-zero pool. */
async function checkRace(): Promise<boolean> {
  const race = await currentRace(api);
  const entrants = race?.field.filter((e) => e.status === "entered").length ?? 0;
  if (race?.status !== "accumulating" || entrants < 2 || !(race.poolMicroUsd > 0)) return false;
  log(`demo race ${elapsed()} s after start: ${race.id} accumulating, ${entrants} entrants, pool ${race.poolMicroUsd} micro-USD`);
  return true;
}
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
    const note = !cloneId ? "no demo clone yet" : !accountId ? "no demo account yet" : !fill ? "no fill yet" : "no demo race yet";
    fillSeen ||= fill !== undefined;
    if (fill && raceSeen) {
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
const missing = [raceSeen ? "" : "no accumulating demo race with >= 2 entrants and a pool", fillSeen ? "" : "no demo fill"];
log(`FAILED within ${timeoutMs / 1000} s: ${missing.filter(Boolean).join("; ")}`);
await stop(1);
