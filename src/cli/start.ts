/**
 * `npm start`: the backend's main job on one machine, no internet needed.
 *   1. creates .dev.vars from the example when missing;
 *   2. applies the D1 migrations to the local database;
 *   3. starts the local stand-in servers (replay mode) and points the Worker at them;
 *   4. runs `wrangler dev --test-scheduled` on 127.0.0.1:8787;
 *   5. runs the market-data startup jobs once (asset registry, feed shards, funding contexts, Polymarket
 *      discovery and prices, DefiLlama TVL), so data arrives right away instead of at the next tick;
 *   6. seeds the demo clone (user `demo`, "Demo BTC/ETH" on rules-v1, a 10,000 USD sandbox; idempotent,
 *      see lib/demo.ts), which trades on the replay feed from the next minutes on;
 *   7. seeds the demo live account (lib/demo-live.ts): the demo clone also trades its creator's account on the
 *      replay exchange's stand-in /exchange (wallet proof, agent approved by the demo wallet's signature,
 *      opt-in, small caps); idempotent;
 *   8. seeds the demo Arena race (lib/demo-arena.ts): two demo racers seated by an admin, an accumulating
 *      race over them with short windows and demo tickets paid from "demo seed" balances; idempotent;
 *   9. drives the Cron Triggers from a local clock.
 * Locally (not `--live`) LIVE_AGENT_KEK is a key generated once into the state directory
 * (`<state>/demo-live.json`, with the demo wallet's key) and HYPERLIQUID_EXCHANGE_URL is the stand-in,
 * which keeps its accounts in `<state>/stand-in-exchange.json` across restarts.
 * Locally (not `--live`) the race windows are short for every race, the cron job's too:
 * `--race-accumulation-minutes` (3), `--race-start-delay-minutes` (1), `--race-live-minutes` (5) set
 * ARENA_ACCUMULATION_MINUTES, ARENA_START_DELAY_MINUTES and ARENA_LIVE_MINUTES and the seeded race's overrides;
 * ARENA_STRIKES_TO_RETIRE is 1000 locally, so the two demo racers keep racing.
 * `npm start -- --live` skips the stand-ins and uses the real endpoints configured in wrangler.toml.
 * `--persist-to <dir>` keeps the local state there instead of .wrangler/state (demo:check uses a fresh
 * one); `--skip-demo` seeds no demo clone and no demo race.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { demoApi, seedDemo } from "./lib/demo";
import { DEMO_RACE_WINDOWS, DEMO_STRIKES_TO_RETIRE, type DemoRaceWindows, seedDemoArena } from "./lib/demo-arena";
import { loadDemoLiveState, saveDemoLiveState, seedDemoLive } from "./lib/demo-live";
import { localJwtSecret, mintToken } from "./lib/local-auth";
import { startLocalCron } from "./lib/local-cron";
import { LOCAL_SERVICES } from "./lib/local-services";

const { values } = parseArgs({
  options: {
    live: { type: "boolean", default: false },
    port: { type: "string", default: process.env.PORT ?? "8787" },
    "persist-to": { type: "string" },
    "skip-demo": { type: "boolean", default: false },
    "race-accumulation-minutes": { type: "string", default: String(DEMO_RACE_WINDOWS.accumulationMinutes) },
    "race-start-delay-minutes": { type: "string", default: String(DEMO_RACE_WINDOWS.startDelayMinutes) },
    "race-live-minutes": { type: "string", default: String(DEMO_RACE_WINDOWS.liveMinutes) },
  },
});
const baseUrl = `http://127.0.0.1:${values.port}`;
const log = (line: string) => console.log(`[start] ${line}`);
const stops: Array<() => Promise<void> | void> = [];
let wrangler: ChildProcess | undefined;

async function shutdown(code: number): Promise<never> {
  // wrangler runs in its own process group (npx, wrangler, workerd): stop all of it.
  if (wrangler?.pid) {
    try {
      process.kill(-wrangler.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  for (const stop of stops.reverse()) await stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  log("created .dev.vars from .dev.vars.example");
}

log("applying D1 migrations to the local database");
const persistArgs = values["persist-to"] ? ["--persist-to", values["persist-to"]] : [];
/** Where wrangler keeps the local state; the demo live account's keys live beside the local D1. */
const stateDir = values["persist-to"] ?? ".wrangler/state";
const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", ...persistArgs], {
  stdio: "inherit",
  env: { ...process.env, CI: "1" },
});
if (migrate.status !== 0) await shutdown(1);

const minutes = (flag: "race-accumulation-minutes" | "race-start-delay-minutes" | "race-live-minutes", min: number): number => {
  const text = values[flag];
  if (!/^[0-9]+$/.test(text) || Number(text) < min) {
    console.error(`[start] --${flag} must be a whole number of minutes >= ${min}`);
    process.exit(2);
  }
  return Number(text);
};
const raceWindows: DemoRaceWindows = {
  accumulationMinutes: minutes("race-accumulation-minutes", 1),
  startDelayMinutes: minutes("race-start-delay-minutes", 0),
  liveMinutes: minutes("race-live-minutes", 1),
};

const vars: Record<string, string> = {};
if (!values.live) {
  // Short race windows for every local race (the cron job's too), so a race settles within minutes.
  vars.ARENA_ACCUMULATION_MINUTES = String(raceWindows.accumulationMinutes);
  vars.ARENA_START_DELAY_MINUTES = String(raceWindows.startDelayMinutes);
  vars.ARENA_LIVE_MINUTES = String(raceWindows.liveMinutes);
  // Two racers: one is last every race; at the deployed 3 strikes it would retire and end the demo.
  vars.ARENA_STRIKES_TO_RETIRE = String(DEMO_STRIKES_TO_RETIRE);
  // The agent-key KEK of this local state: generated once, never a constant shipped with the code.
  vars.LIVE_AGENT_KEK = loadDemoLiveState(stateDir).kek;
  vars.LIVE_AGENT_KEK_ID = "local";
  for (const service of LOCAL_SERVICES) {
    const started = await service.start({ stateDir });
    Object.assign(vars, started.vars);
    stops.push(started.stop);
    log(`started ${service.name}`);
  }
}

const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
wrangler = spawn("npx", ["wrangler", "dev", "--test-scheduled", "--ip", "127.0.0.1", "--port", values.port, ...persistArgs, ...varArgs], {
  stdio: "inherit",
  env: process.env,
  detached: true,
});
wrangler.on("exit", (code) => void shutdown(code ?? 1));

async function waitHealthy(timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${baseUrl}/api/v1/health`)).ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

if (!(await waitHealthy(90_000))) {
  log("backend did not become healthy in 90 s");
  await shutdown(1);
}
log(`backend up at ${baseUrl} (${values.live ? "live" : "replay"} mode); API reference at ${baseUrl}/docs`);

/** Jobs run once at startup, in order, through the admin route (as an operator would). */
const STARTUP_JOBS = [
  "market-data.refresh-assets",
  "market-data.ensure-feeds",
  "market-data.poll-contexts",
  // Polymarket and DefiLlama once at startup, so /admin/ingestion and /market/latest have data at once.
  "market-data.polymarket-discover",
  "market-data.polymarket-poll-prices",
  "market-data.defillama-poll-tvl",
];
const secret = localJwtSecret();
if (secret) {
  const headers = { authorization: `Bearer ${await mintToken("local-start", "admin", 300, secret)}`, "content-type": "application/json" };
  for (const job of STARTUP_JOBS) {
    const res = await fetch(`${baseUrl}/api/v1/admin/jobs/${job}/run`, { method: "POST", headers, body: "{}" }).catch((e: unknown) => e);
    if (!(res instanceof Response)) {
      log(`startup job ${job} failed: ${String(res)}`);
      continue;
    }
    const body = (await res.json().catch(() => ({}))) as { run?: { status?: string; itemsProcessed?: number; error?: string | null } };
    log(
      `startup job ${job}: ${body.run?.status ?? res.status} (${body.run?.itemsProcessed ?? 0} items)${body.run?.error ? ` ${body.run.error}` : ""}`,
    );
  }
  if (!values["skip-demo"]) {
    let demoCloneId: string | undefined;
    try {
      const demo = await seedDemo(await demoApi(baseUrl, secret), log);
      demoCloneId = demo.cloneId;
      log(`demo: clone ${demo.cloneId} trades in sandbox ${demo.accountId} (README "Watch the demo clone trade")`);
    } catch (error) {
      log(`demo: not seeded: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (demoCloneId && vars.HYPERLIQUID_EXCHANGE_URL) {
      try {
        const live = await seedDemoLive(
          {
            api: await demoApi(baseUrl, secret),
            exchangeUrl: vars.HYPERLIQUID_EXCHANGE_URL,
            fetch,
            state: loadDemoLiveState(stateDir),
            save: (state) => saveDemoLiveState(stateDir, state),
            log,
            nowMs: Date.now,
          },
          demoCloneId,
        );
        log(
          `demo: live account ${live.liveAccountId} (${live.status}) trades ${live.userAddress} on the stand-in exchange; paper shadow ${live.shadowAccountId} (README "The demo live account")`,
        );
      } catch (error) {
        log(`demo: live account not seeded: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    try {
      const race = await seedDemoArena(baseUrl, secret, raceWindows, log);
      const entrants = race.field.filter((e) => e.status === "entered").length;
      log(
        `demo: ${race.id} ${race.status}, ${entrants} entrants, pool ${race.poolMicroUsd / 1e6} USD; closes ${new Date(race.closesAtMs).toISOString()}, settles after ${new Date(race.liveEndsAtMs).toISOString()} (README "Arena")`,
      );
    } catch (error) {
      log(`demo: race not seeded: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
} else {
  log("no JWT_SECRET found: startup jobs and the demo skipped");
}
stops.push(startLocalCron(baseUrl, log));
