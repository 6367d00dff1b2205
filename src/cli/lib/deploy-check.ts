/**
 * The checks behind `npm run deploy:check` (src/cli/deploy-check.ts), without network: wrangler's own
 * config reader resolves the environment (with inheritance), and each check returns problem lines that
 * name the var, secret, cron, binding or setting at fault. Called by the CLI and by
 * test/node/deploy-check.test.ts (which feeds it broken copies of the configuration).
 */
import { readFileSync } from "node:fs";
import { unstable_readConfig } from "wrangler";
import { z } from "zod";

/** Secrets the code reads (src/config.ts `Secrets`), and when each is required. */
export const CODE_SECRETS: readonly { name: string; required: (vars: Record<string, string>) => boolean }[] = [
  { name: "JWT_SECRET", required: () => true },
  { name: "ALERT_WEBHOOK_SECRET", required: (vars) => Boolean(vars.ALERT_WEBHOOK_URL) },
  // Live trading seals agent keys under it; without it no agent can be created or used.
  { name: "LIVE_AGENT_KEK", required: () => true },
  { name: "LIVE_AGENT_KEK_PREVIOUS", required: () => false },
  { name: "OPENAI_API_KEY", required: () => false },
  { name: "ANTHROPIC_API_KEY", required: () => false },
  { name: "OPENAI_COMPATIBLE_API_KEY", required: () => false },
];

/** The Rate Limiting bindings and the var whose limit each must equal (src/http/rate-limit.ts). */
export const RATE_LIMIT_BINDINGS = {
  RATE_LIMIT_USER_WRITES: "RATE_LIMIT_USER_WRITES_PER_MIN",
  RATE_LIMIT_USER_READS: "RATE_LIMIT_USER_READS_PER_MIN",
  RATE_LIMIT_IP: "RATE_LIMIT_IP_PER_MIN",
} as const;

/** Vars that must be non-empty outside development (src/config.ts refuses to start otherwise). */
export const REQUIRED_NON_EMPTY_VARS = ["APP_ENV", "JWT_ISSUER", "JWT_AUDIENCE"] as const;

export const SecretsManifestSchema = z.record(
  z.string(),
  z.union([z.string(), z.object({ required: z.array(z.string()), optional: z.array(z.string()).default([]) })]),
);

export interface CheckInput {
  configPath: string;
  secretsPath: string;
  env: string;
  schedule: Readonly<Record<string, readonly string[]>>;
  nowMs: number;
  maxCompatibilityAgeDays: number;
}

type ResolvedConfig = ReturnType<typeof unstable_readConfig>;

function readEnvConfig(configPath: string, env: string | undefined): ResolvedConfig {
  return unstable_readConfig({ config: configPath, env }, { hideWarnings: true });
}

/** Every problem of environment `input.env`; empty when it may be deployed. */
export function checkDeployConfig(input: CheckInput): string[] {
  const problems: string[] = [];
  const raw = readFileSync(input.configPath, "utf8");
  if (!new RegExp(`^\\[env\\.${input.env}\\]`, "m").test(raw)) return [`environment ${input.env} is not defined in ${input.configPath}`];
  const top = readEnvConfig(input.configPath, undefined);
  const cfg = readEnvConfig(input.configPath, input.env);
  const vars = Object.fromEntries(Object.entries(cfg.vars ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));

  // Vars: every setting of the development defaults is declared, the required ones are set.
  for (const name of Object.keys(top.vars ?? {}))
    if (!(name in vars)) problems.push(`var ${name} is not declared in [env.${input.env}.vars]`);
  for (const name of REQUIRED_NON_EMPTY_VARS) if (!vars[name]) problems.push(`var ${name} must be set in [env.${input.env}.vars]`);
  if (vars.APP_ENV === "development") problems.push(`var APP_ENV is "development" in ${input.env}`);

  // Secrets: everything the code needs is in the manifest for this environment.
  const manifest = SecretsManifestSchema.parse(JSON.parse(readFileSync(input.secretsPath, "utf8")));
  const entry = manifest[input.env];
  const declared = typeof entry === "object" ? new Set([...entry.required, ...entry.optional]) : new Set<string>();
  const required = typeof entry === "object" ? new Set(entry.required) : new Set<string>();
  if (typeof entry !== "object") problems.push(`secrets manifest ${input.secretsPath} has no entry for ${input.env}`);
  for (const s of CODE_SECRETS) {
    if (s.required(vars) && !required.has(s.name))
      problems.push(`secret ${s.name} is required but not declared for ${input.env} in ${input.secretsPath}`);
    else if (!declared.has(s.name))
      problems.push(`secret ${s.name} (read by the code) is not declared for ${input.env} in ${input.secretsPath}`);
  }
  for (const name of declared) if (name in vars) problems.push(`secret ${name} is also a plain var in [env.${input.env}.vars]`);

  // Crons equal the dispatch table.
  const crons = [...(cfg.triggers?.crons ?? [])].sort();
  const wanted = Object.keys(input.schedule).sort();
  for (const c of wanted)
    if (!crons.includes(c)) problems.push(`cron "${c}" of the dispatch table (src/schedule.ts) is missing from the triggers`);
  for (const c of crons) if (!wanted.includes(c)) problems.push(`cron "${c}" has no entry in the dispatch table (src/schedule.ts)`);

  // Queues: every produced queue and every dead-letter queue has a consumer.
  const consumed = new Set((cfg.queues?.consumers ?? []).map((c: { queue: string }) => c.queue));
  for (const p of cfg.queues?.producers ?? [])
    if (!consumed.has(p.queue)) problems.push(`queue ${p.queue} (binding ${p.binding}) has no consumer`);
  for (const c of cfg.queues?.consumers ?? []) {
    if (c.dead_letter_queue && !consumed.has(c.dead_letter_queue))
      problems.push(`dead-letter queue ${c.dead_letter_queue} has no consumer`);
  }

  // Durable Objects: every bound class (of this Worker) has a migration tag creating it.
  const created = new Set(
    (cfg.migrations ?? []).flatMap((m: { new_sqlite_classes?: string[]; new_classes?: string[] }) => [
      ...(m.new_sqlite_classes ?? []),
      ...(m.new_classes ?? []),
    ]),
  );
  for (const b of cfg.durable_objects?.bindings ?? []) {
    if (!b.script_name && !created.has(b.class_name))
      problems.push(`durable object ${b.class_name} (binding ${b.name}) has no migration tag`);
  }

  // Rate Limiting bindings (src/http/rate-limit.ts): each exists, with a 60 s period and the limit of its var.
  type RateLimitBinding = { name: string; simple: { limit: number; period: number } };
  const ratelimits = new Map<string, RateLimitBinding>((cfg.ratelimits ?? []).map((r: RateLimitBinding) => [r.name, r]));
  for (const [binding, varName] of Object.entries(RATE_LIMIT_BINDINGS)) {
    const r = ratelimits.get(binding);
    if (!r) problems.push(`rate limit binding ${binding} is not declared in [[env.${input.env}.ratelimits]]`);
    else if (r.simple.period !== 60)
      problems.push(`rate limit binding ${binding} has period ${r.simple.period} (the limits are per minute: 60)`);
    else if (String(r.simple.limit) !== vars[varName])
      problems.push(`rate limit binding ${binding} has limit ${r.simple.limit} but var ${varName} is ${vars[varName] ?? "unset"}`);
  }

  // Limits and observability.
  if (!cfg.limits?.cpu_ms) problems.push("[limits] cpu_ms is not set");
  if (!cfg.observability?.enabled) problems.push("[observability] enabled is not set");

  // Compatibility date not older than the allowed age.
  const date = cfg.compatibility_date;
  if (!date) problems.push("compatibility_date is not set");
  else {
    const ageDays = Math.floor((input.nowMs - Date.parse(`${date}T00:00:00Z`)) / 86_400_000);
    if (ageDays > input.maxCompatibilityAgeDays)
      problems.push(`compatibility_date ${date} is ${ageDays} days old (limit ${input.maxCompatibilityAgeDays})`);
  }
  return problems;
}

/** Worker size limits after compression (Workers Paid / Free). */
export const PLAN_LIMITS_GZIP_BYTES = { paid: 10 * 1024 * 1024, free: 3 * 1024 * 1024 } as const;
