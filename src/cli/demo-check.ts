/**
 * `npm run demo:check`: the README's promise, checked from a fresh state. Starts `npm start` (replay
 * mode) on a free port with an empty local state directory, then polls the public API as the demo user
 * until the demo sandbox has its first fill. Passes when that happens within 5 minutes of the start;
 * prints the elapsed time and the fill. CI runs it after `npm test` (.ci/run). Stops everything it
 * started (the whole process group) and removes the state directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { demoApi, findDemoAccount, findDemoClone, firstDemoFill } from "./lib/demo";
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

log(`npm start on ${baseUrl} with a fresh state in ${persistDir}; waiting up to ${timeoutMs / 1000} s for the first demo fill`);
const api = await demoApi(baseUrl, secret);
let lastNote = "";
while (Date.now() - startedAt < timeoutMs) {
  if (exited) {
    log("npm start exited early");
    await stop(1);
  }
  await new Promise((r) => setTimeout(r, 5000));
  try {
    const cloneId = await findDemoClone(api);
    const accountId = cloneId ? await findDemoAccount(api, cloneId) : undefined;
    const fill = accountId ? await firstDemoFill(api, accountId) : undefined;
    const note = !cloneId ? "no demo clone yet" : !accountId ? "no demo account yet" : "no fill yet";
    if (fill) {
      const elapsedSec = Math.round((Date.now() - startedAt) / 1000);
      log(`first demo fill ${elapsedSec} s after start: ${JSON.stringify(fill)}`);
      await stop(0);
    }
    if (note !== lastNote) log(`${Math.round((Date.now() - startedAt) / 1000)} s: ${note}`);
    lastNote = note;
  } catch (error) {
    const note = `backend not ready (${error instanceof Error ? error.message.slice(0, 80) : String(error)})`;
    if (note !== lastNote) log(note);
    lastNote = note;
  }
}
log(`FAILED: no demo fill within ${timeoutMs / 1000} s`);
await stop(1);
