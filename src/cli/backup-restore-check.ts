/**
 * `npm run backup:restore-check -- [--key <manifest key>] [--persist-to <dir>] [--prefix <prefix>] [--keep]`
 *
 * The restore drill: reads a logical backup (default: the newest manifest under `backups/d1/` in the
 * local R2 of `npm start`, i.e. wrangler's local state in .wrangler/state), creates a fresh local D1 in a
 * temporary directory with exactly the manifest's migrations (`wrangler d1 migrations apply --local`),
 * restores every table, re-reads each with the backup's own code, compares row counts and SHA-256 with
 * the manifest, runs the money invariants on the restored copy, and prints ONE verdict line.
 * Exit 0 = everything equal; 1 = any difference (each named by table on stderr); 2 = bad input.
 *
 * Against production: `wrangler r2 object get` the manifest and parts into a local state first, or run
 * the same check against a D1 created from the backup in a scratch account (doc/operations.md).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { getPlatformProxy } from "wrangler";
import { describeDifference, ManifestSchema, newestManifestKey, restoreAndCompare } from "../domains/ops";

function usage(message: string): never {
  console.error(`backup-restore-check: ${message}`);
  console.error("usage: npm run backup:restore-check -- [--key <manifest key>] [--persist-to <dir>] [--prefix <prefix>] [--keep]");
  process.exit(2);
}

let values: { key?: string; "persist-to"?: string; prefix?: string; keep?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      key: { type: "string" },
      "persist-to": { type: "string" },
      prefix: { type: "string", default: "backups/d1/" },
      keep: { type: "boolean", default: false },
    },
  }));
} catch (error) {
  usage(error instanceof Error ? error.message : String(error));
}
if (values.key !== undefined && !/^[\w./-]+\/manifest\.json$/.test(values.key))
  usage("--key must be a manifest key ending in /manifest.json");
const source = resolve(values["persist-to"] ?? ".wrangler/state");
if (!existsSync(source)) usage(`--persist-to: no local state at ${source} (run \`npm start\` first, or pass --persist-to)`);

const work = mkdtempSync(join(tmpdir(), "restore-check-"));
const verdict = (ok: boolean, line: string) => {
  console.log(`backup-restore-check: ${ok ? "OK" : "FAILED"} ${line}`);
};

async function main(): Promise<number> {
  const from = await getPlatformProxy<Env>({ configPath: "wrangler.toml", persist: { path: join(source, "v3") } });
  try {
    const bucket = from.env.ARTIFACTS;
    const key = values.key ?? (await newestManifestKey(bucket as unknown as R2Bucket, values.prefix ?? "backups/d1/"));
    if (!key) {
      verdict(false, `no backup manifest under ${values.prefix} in ${source}`);
      return 1;
    }
    const object = await bucket.get(key);
    const parsed = object ? ManifestSchema.safeParse(await object.json()) : undefined;
    if (!parsed?.success) {
      verdict(false, `${key}: manifest missing or malformed`);
      return 1;
    }
    const manifest = parsed.data;

    // A fresh local D1 with exactly the backup's migrations.
    const migrations = join(work, "migrations");
    mkdirSync(migrations);
    for (const name of manifest.migrations) {
      if (!existsSync(join("migrations", name))) usage(`migration ${name} of the backup is not in migrations/`);
      copyFileSync(join("migrations", name), join(migrations, name));
    }
    const config = join(work, "wrangler.toml");
    writeFileSync(
      config,
      `name = "restore-check"\ncompatibility_date = "2026-11-01"\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "restore-check"\ndatabase_id = "restore-check"\nmigrations_dir = "migrations"\n`,
    );
    const state = join(work, "state");
    const apply = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", state, "-c", config], {
      encoding: "utf8",
      env: { ...process.env, CI: "1" },
    });
    if (apply.status !== 0) {
      console.error(apply.stdout, apply.stderr);
      verdict(false, `${key}: could not create the fresh database`);
      return 1;
    }
    const to = await getPlatformProxy<{ DB: D1Database }>({ configPath: config, persist: { path: join(state, "v3") } });
    try {
      const report = await restoreAndCompare(bucket as unknown as R2Bucket, to.env.DB, manifest);
      const problems = [
        ...report.differences.map(describeDifference),
        ...(report.migrationsDiffer ? ["migrations differ from the manifest"] : []),
        ...report.invariantProblems,
      ];
      for (const p of problems) console.error(`  ${p}`);
      const what = `${manifest.backupId} (${key}): ${report.tables} tables, ${report.rows} rows`;
      if (problems.length) verdict(false, `${what}; ${problems.length} problems: ${problems.slice(0, 3).join("; ")}`);
      else verdict(true, `${what} restored equal (row counts and SHA-256), invariants hold`);
      return problems.length ? 1 : 0;
    } finally {
      await to.dispose();
    }
  } finally {
    await from.dispose();
  }
}

const code = await main().catch((error: unknown) => {
  verdict(false, `error: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
if (!values.keep) rmSync(work, { recursive: true, force: true });
else console.error(`kept ${work}`);
process.exit(code);
