/**
 * The pre-deploy configuration checks (src/cli/lib/deploy-check.ts) in Node, without network: the
 * repository's wrangler.toml passes for staging and production; copies with one thing broken (a secret
 * missing from the manifest, a Durable Object migration tag removed, a cron not in the dispatch table,
 * no cpu limit, a queue without its consumer, an undeclared var, an old compatibility date) fail with a
 * message naming it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkDeployConfig } from "../../src/cli/lib/deploy-check";
import { SCHEDULE } from "../../src/schedule";

const NOW = Date.parse("2026-12-02T00:00:00Z");
const dir = mkdtempSync(join(tmpdir(), "deploy-check-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A copy of the configuration with `edit` applied to wrangler.toml and/or the secrets manifest. */
function variant(editToml?: (t: string) => string, editSecrets: (s: Record<string, unknown>) => unknown = (s) => s) {
  const base = join(dir, `v${++n}`);
  const configPath = `${base}.wrangler.toml`;
  const secretsPath = `${base}.secrets.json`;
  const toml = readFileSync("wrangler.toml", "utf8");
  const edited = editToml ? editToml(toml) : toml;
  if (editToml) expect(edited, "the edit changed nothing").not.toBe(toml);
  writeFileSync(configPath, edited.replaceAll('main = "src/index.ts"', `main = "${join(process.cwd(), "src/index.ts")}"`));
  writeFileSync(secretsPath, JSON.stringify(editSecrets(JSON.parse(readFileSync("wrangler.secrets.json", "utf8")))));
  return { configPath, secretsPath };
}
const check = (paths: { configPath: string; secretsPath: string }, env = "production", maxAge = 180) =>
  checkDeployConfig({ ...paths, env, schedule: SCHEDULE, nowMs: NOW, maxCompatibilityAgeDays: maxAge });

describe("deploy check", () => {
  it("the repository's configuration passes for staging and production", () => {
    const paths = variant();
    expect(check(paths, "staging")).toEqual([]);
    expect(check(paths, "production")).toEqual([]);
  });

  it("an unknown environment is refused", () => {
    expect(check(variant(), "qa")).toEqual([expect.stringContaining("environment qa is not defined")]);
  });

  it("a secret the code needs but the manifest lacks fails, naming it", () => {
    const paths = variant(undefined, (s) => ({ ...s, production: { required: ["ALERT_WEBHOOK_SECRET"], optional: [] } }));
    const problems = check(paths);
    expect(problems).toContain("secret JWT_SECRET is required but not declared for production in " + paths.secretsPath);
    expect(problems.some((p) => p.includes("OPENAI_API_KEY"))).toBe(true);
    expect(check(paths, "staging")).toEqual([]);
  });

  it("a Durable Object without its migration tag fails, naming the class", () => {
    const problems = check(variant((t) => t.replace('new_sqlite_classes = ["RateLimiter"]', "new_sqlite_classes = []")));
    expect(problems).toEqual(["durable object RateLimiter (binding RATE_LIMITER) has no migration tag"]);
  });

  it("a Rate Limiting binding missing or with a limit other than its var fails, naming both", () => {
    const problems = check(
      variant((t) =>
        t
          .replace(
            '[[env.production.ratelimits]]\nname = "RATE_LIMIT_IP"\nnamespace_id = "3003"\nsimple = { limit = 600, period = 60 }\n',
            "",
          )
          .replace(/(\[env\.production\.vars\][\s\S]*?)RATE_LIMIT_USER_WRITES_PER_MIN = "60"/, '$1RATE_LIMIT_USER_WRITES_PER_MIN = "90"'),
      ),
    );
    expect(problems).toEqual([
      "rate limit binding RATE_LIMIT_USER_WRITES has limit 60 but var RATE_LIMIT_USER_WRITES_PER_MIN is 90",
      "rate limit binding RATE_LIMIT_IP is not declared in [[env.production.ratelimits]]",
    ]);
  });

  it("crons that differ from the dispatch table, a queue without consumer, no cpu limit, an old date, an undeclared var", () => {
    const problems = check(
      variant((t) =>
        t
          .replace('"20 4 * * *"]', '"20 5 * * *"]')
          .replace("[limits]\ncpu_ms = 30000\n", "")
          .replace('compatibility_date = "2026-11-01"', 'compatibility_date = "2025-01-01"')
          .replace(
            '[[env.production.queues.consumers]]\nqueue = "decision-runs-production-dlq"',
            '[[env.production.queues.consumers]]\nqueue = "something-else"',
          )
          .replace(/(\[env\.production\.vars\][\s\S]*?)ARENA_SLOTS = "8"\n/, "$1"),
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'cron "20 4 * * *" of the dispatch table (src/schedule.ts) is missing from the triggers',
        'cron "20 5 * * *" has no entry in the dispatch table (src/schedule.ts)',
        "[limits] cpu_ms is not set",
        expect.stringMatching(/^compatibility_date 2025-01-01 is \d+ days old \(limit 180\)$/),
        "dead-letter queue decision-runs-production-dlq has no consumer",
        "var ARENA_SLOTS is not declared in [env.production.vars]",
      ]),
    );
  });

  it("required vars must be set outside development", () => {
    const problems = check(variant((t) => t.replace('JWT_ISSUER = "https://auth.clash-arena.example"', 'JWT_ISSUER = ""')));
    expect(problems).toEqual(["var JWT_ISSUER must be set in [env.production.vars]"]);
  });
});
