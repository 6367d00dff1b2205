/**
 * A throwaway local backend for Node-side checks (the browser test, the feed bench): applies the D1
 * migrations into a fresh persist directory, runs `wrangler dev` (the same Worker `npm start` runs) on
 * a free port with the given vars, waits until /api/v1/health answers, and stops the whole process
 * group (npx, wrangler, workerd) and removes the directory on `stop()`.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LocalBackend {
  baseUrl: string;
  persistDir: string;
  stop(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Polls the liveness route until it answers 200, or throws after `timeoutMs`. */
export async function waitHealthy(baseUrl: string, timeoutMs: number, exited?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited?.()) throw new Error("wrangler dev exited before the worker became healthy");
    const ok = await fetch(`${baseUrl}/api/v1/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`worker did not become healthy within ${timeoutMs} ms`);
}

/** The Rate Limiting bindings of wrangler.toml and the var each one's limit follows (src/http/rate-limit.ts). */
const RATE_LIMIT_BINDING_VARS = {
  RATE_LIMIT_USER_WRITES: "RATE_LIMIT_USER_WRITES_PER_MIN",
  RATE_LIMIT_USER_READS: "RATE_LIMIT_USER_READS_PER_MIN",
  RATE_LIMIT_IP: "RATE_LIMIT_IP_PER_MIN",
} as const;

/**
 * wrangler.toml with the top-level Rate Limiting bindings' limits set to the RATE_LIMIT_*_PER_MIN vars
 * given (a `--var` cannot change a binding), or undefined when no such var is given. A bench that raises
 * the limits (bench-limits.ts) thus raises both gates, as vitest.config.ts does for the tests.
 */
export function rateLimitedConfig(toml: string, vars: Record<string, string>): string | undefined {
  let out = toml;
  let changed = false;
  for (const [binding, varName] of Object.entries(RATE_LIMIT_BINDING_VARS)) {
    const limit = vars[varName];
    if (limit === undefined) continue;
    const block = new RegExp(`(\\n\\[\\[ratelimits\\]\\]\\nname = "${binding}"\\nnamespace_id = "[^"]*"\\nsimple = \\{ limit = )\\d+`);
    if (!block.test(out)) throw new Error(`wrangler.toml has no top-level [[ratelimits]] ${binding} block`);
    out = out.replace(block, `$1${Number(limit)}`);
    changed = true;
  }
  return changed ? out : undefined;
}

/** Starts `wrangler dev` with `vars` on a fresh local D1; generous timeout for small shared machines. */
export async function startWranglerDev(
  vars: Record<string, string>,
  /** `logPath`: wrangler's output (the Worker's console lines) goes to this file instead of nowhere. */
  options: { timeoutMs?: number; name?: string; logPath?: string } = {},
): Promise<LocalBackend> {
  const persistDir = mkdtempSync(join(tmpdir(), `${options.name ?? "backend"}-`));
  const env = { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" };
  const migrate = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], {
    stdio: "ignore",
    env,
  });
  if (migrate.status !== 0) throw new Error("wrangler d1 migrations apply failed");
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // A derived config sits beside wrangler.toml (its relative paths hold); gitignored, removed on stop.
  const derived = rateLimitedConfig(readFileSync("wrangler.toml", "utf8"), vars);
  const configPath = derived === undefined ? undefined : `wrangler.${options.name ?? "backend"}-${process.pid}.local.toml`;
  if (configPath && derived) writeFileSync(configPath, derived);
  const args = [
    "wrangler",
    "dev",
    ...(configPath ? ["--config", configPath] : []),
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    persistDir,
    "--inspector-port",
    "0",
  ];
  const logFd = options.logPath ? openSync(options.logPath, "a") : undefined;
  const wrangler: ChildProcess = spawn("npx", [...args, ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])], {
    stdio: logFd === undefined ? "ignore" : ["ignore", logFd, logFd],
    env,
    detached: true,
  });
  if (logFd !== undefined) closeSync(logFd); // the child holds its own copy
  let exited = false;
  wrangler.once("exit", () => {
    exited = true;
  });
  const stop = async () => {
    if (wrangler.pid && !exited) {
      try {
        process.kill(-wrangler.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    rmSync(persistDir, { recursive: true, force: true });
    if (configPath) rmSync(configPath, { force: true });
  };
  try {
    await waitHealthy(baseUrl, options.timeoutMs ?? 180_000, () => exited);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, persistDir, stop };
}

/**
 * The replay-mode backend `npm start` runs, on a throwaway D1: every local stand-in (LOCAL_SERVICES)
 * plus `wrangler dev` pointed at them, signing tokens with `jwtSecret`. `stop()` stops all of it.
 */
export async function startReplayBackend(options: {
  jwtSecret: string;
  name: string;
  timeoutMs?: number;
  /** Extra `--var`s (the benches' own rate limits, test/bench/bench-limits.ts). */
  vars?: Record<string, string>;
}): Promise<LocalBackend> {
  const { LOCAL_SERVICES } = await import("./local-services");
  const stops: Array<() => Promise<void>> = [];
  const stopServices = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const vars: Record<string, string> = { JWT_SECRET: options.jwtSecret, ...options.vars };
    for (const service of LOCAL_SERVICES) {
      const started = await service.start();
      stops.push(started.stop);
      Object.assign(vars, started.vars);
    }
    const backend = await startWranglerDev(vars, { name: options.name, timeoutMs: options.timeoutMs });
    return {
      ...backend,
      stop: async () => {
        await backend.stop();
        await stopServices();
      },
    };
  } catch (error) {
    await stopServices();
    throw error;
  }
}

/** Runs admin jobs now through the job route (as an operator would); throws when one does not end `ok`. */
export async function runJobs(
  baseUrl: string,
  adminToken: string,
  jobs: readonly string[],
): Promise<Array<{ job: string; durationMs: number }>> {
  const headers = { authorization: `Bearer ${adminToken}`, "content-type": "application/json" };
  const out: Array<{ job: string; durationMs: number }> = [];
  for (const job of jobs) {
    const res = await fetch(`${baseUrl}/api/v1/admin/jobs/${job}/run`, { method: "POST", headers, body: "{}" });
    const body = (await res.json()) as { run?: { status: string; durationMs?: number | null; error: string | null } };
    if (body.run?.status !== "ok") throw new Error(`${job}: ${JSON.stringify(body)}`);
    out.push({ job, durationMs: body.run.durationMs ?? -1 });
  }
  return out;
}
