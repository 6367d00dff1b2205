/**
 * Import rules, run by `npm run lint` (Biome cannot express them for relative paths):
 *   1. A domain imports another domain only through its index.ts (src/domains/<other>/index.ts).
 *   2. `*.model.ts` files stay pure: no drizzle, no Hono (zod from @hono/zod-openapi is allowed: it is
 *      zod with `.openapi()`), no `cloudflare:*`, no db/, http/, cron/ or config, no tables, services or
 *      routes (type-only imports of row types are erased, so allowed), and no I/O calls (fetch,
 *      Date.now, Math.random, crypto.randomUUID).
 *   3. `*.service.ts` files take plain arguments: no Hono and nothing from src/http/.
 * Prints every violation as `file: rule: import` and exits 1 when there is any.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const SRC = join(ROOT, "src");
const DOMAINS = join(SRC, "domains");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(type\s)?[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every import specifier of `text`, with whether it is type-only (`import type`, erased at build). */
export function importsOf(text: string): Array<{ spec: string; typeOnly: boolean }> {
  return [...text.matchAll(IMPORT)].map((m) => ({ spec: (m[2] ?? m[3]) as string, typeOnly: m[1] !== undefined }));
}

const domainOf = (path: string) => (path.startsWith(DOMAINS + sep) ? path.slice(DOMAINS.length + 1).split(sep)[0] : undefined);

const IO_CALLS = /\b(fetch\(|Date\.now\(|Math\.random\(|crypto\.randomUUID\()/;
const IMPURE_PACKAGES = /^(drizzle-orm|hono)(\/|$)|^cloudflare:/;
const IMPURE_PATHS = [join(SRC, "db"), join(SRC, "http"), join(SRC, "cron"), join(SRC, "config")];

export function violations(file: string, text: string): string[] {
  const out: string[] = [];
  const rel = relative(ROOT, file);
  const fromDomain = domainOf(file);
  const isModel = file.endsWith(".model.ts");
  const isService = file.endsWith(".service.ts");
  for (const { spec, typeOnly } of importsOf(text)) {
    const target = spec.startsWith(".") ? resolve(dirname(file), spec) : undefined;
    const toDomain = target ? domainOf(target) : undefined;
    if (fromDomain && toDomain && toDomain !== fromDomain) {
      const viaIndex = target === join(DOMAINS, toDomain) || target === join(DOMAINS, toDomain, "index");
      if (!viaIndex) out.push(`${rel}: domains import each other through index.ts: ${spec}`);
    }
    // A type-only import of a row type (`import type { XRow } from "./x.tables"`) is erased at build: still pure.
    if (isModel && !typeOnly) {
      const impurePath =
        target && (IMPURE_PATHS.some((p) => target === p || target.startsWith(p + sep)) || /\.(tables|service|routes)$/.test(target));
      if (IMPURE_PACKAGES.test(spec) || impurePath) out.push(`${rel}: *.model.ts stays pure: ${spec}`);
    }
    if (isService && (/^hono(\/|$)/.test(spec) || target?.startsWith(join(SRC, "http") + sep))) {
      out.push(`${rel}: services import no HTTP types: ${spec}`);
    }
  }
  if (isModel && IO_CALLS.test(text)) out.push(`${rel}: *.model.ts stays pure: I/O call ${IO_CALLS.exec(text)?.[1]}`);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const found = files(SRC).flatMap((file) => violations(file, readFileSync(file, "utf8")));
  for (const line of found) console.error(line);
  if (found.length > 0) {
    console.error(`${found.length} import rule violation(s); see src/cli/check-imports.ts`);
    process.exit(1);
  }
  console.log("import rules: ok");
}
