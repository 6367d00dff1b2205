/**
 * `npm run deploy:check -- --env staging|production [--max-compat-age-days N] [--plan paid|free] [--skip-build]`
 *
 * The pre-deploy check, with no network: the configuration checks of lib/deploy-check.ts (vars,
 * secrets manifest, crons vs the dispatch table, queue consumers, Durable Object migration tags,
 * [limits] cpu_ms, observability, compatibility date age), then `wrangler deploy --dry-run --outdir`
 * for the environment and the bundle size, raw and gzip, against the plan's limit.
 * Exit 0 = deployable; 1 = a problem (each printed, naming what is at fault); 2 = bad input.
 * Callers: operators before `wrangler deploy --env X`, and .ci/run for both environments.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { SCHEDULE } from "../schedule";
import { checkDeployConfig, PLAN_LIMITS_GZIP_BYTES } from "./lib/deploy-check";

function usage(message: string): never {
  console.error(`deploy-check: ${message}`);
  console.error("usage: npm run deploy:check -- --env staging|production [--max-compat-age-days N] [--plan paid|free] [--skip-build]");
  process.exit(2);
}

let values: { env?: string; "max-compat-age-days"?: string; plan?: string; "skip-build"?: boolean; config?: string; secrets?: string };
try {
  ({ values } = parseArgs({
    options: {
      env: { type: "string" },
      "max-compat-age-days": { type: "string", default: "180" },
      plan: { type: "string", default: "paid" },
      "skip-build": { type: "boolean", default: false },
      config: { type: "string", default: "wrangler.toml" },
      secrets: { type: "string", default: "wrangler.secrets.json" },
    },
  }));
} catch (error) {
  usage(error instanceof Error ? error.message : String(error));
}
const env = values.env;
if (env !== "staging" && env !== "production") usage("--env must be staging or production");
const maxAge = Number(values["max-compat-age-days"]);
if (!Number.isInteger(maxAge) || maxAge < 1) usage("--max-compat-age-days must be a positive integer");
const plan = values.plan;
if (plan !== "paid" && plan !== "free") usage("--plan must be paid or free");

const problems = checkDeployConfig({
  configPath: values.config ?? "wrangler.toml",
  secretsPath: values.secrets ?? "wrangler.secrets.json",
  env,
  schedule: SCHEDULE,
  nowMs: Date.now(),
  maxCompatibilityAgeDays: maxAge,
});

let sizeLine = "bundle not built (--skip-build)";
if (!values["skip-build"]) {
  const out = mkdtempSync(join(tmpdir(), `deploy-check-${env}-`));
  try {
    const started = Date.now();
    const build = spawnSync(
      "npx",
      ["wrangler", "deploy", "--dry-run", "--outdir", out, "--env", env, "-c", values.config ?? "wrangler.toml"],
      {
        encoding: "utf8",
        env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" },
      },
    );
    if (build.status !== 0) {
      problems.push(`wrangler deploy --dry-run failed: ${(build.stderr || build.stdout).trim().split("\n").slice(-5).join(" | ")}`);
    } else {
      const files = readdirSync(out).filter((f) => /\.(js|mjs|wasm)$/.test(f));
      const raw = files.reduce((n, f) => n + statSync(join(out, f)).size, 0);
      const gz = files.reduce((n, f) => n + gzipSync(readFileSync(join(out, f))).byteLength, 0);
      const limit = PLAN_LIMITS_GZIP_BYTES[plan];
      const mib = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
      sizeLine = `bundle ${mib(raw)} raw, ${mib(gz)} gzip of ${mib(limit)} (${plan} plan, ${((100 * gz) / limit).toFixed(0)} %), built in ${((Date.now() - started) / 1000).toFixed(1)} s`;
      if (gz > limit) problems.push(`bundle ${mib(gz)} gzip exceeds the ${plan} plan limit ${mib(limit)}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

console.log(`deploy-check ${env}: ${sizeLine}`);
for (const p of problems) console.error(`  ✗ ${p}`);
console.log(problems.length ? `deploy-check ${env}: FAILED (${problems.length} problems)` : `deploy-check ${env}: OK`);
process.exit(problems.length ? 1 : 0);
