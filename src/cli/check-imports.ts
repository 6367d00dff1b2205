/**
 * Import rules, run by `npm run lint` (Biome cannot express them for relative paths). Scans EVERY
 * TypeScript file of the repo: src/, durable-objects/ and test/.
 *   1. Domains are entered through their index: a file outside src/domains/<X>/ (another domain, src/cli,
 *      src/cron, src/http, the composition roots, durable-objects/...) imports X only as
 *      src/domains/<X> or src/domains/<X>/index. EXEMPTION: files under test/ may import domain
 *      internals (tests call plain functions directly); rules 4 and 5 skip them too.
 *   2. `*.model.ts` files stay pure: no drizzle, no Hono (zod from @hono/zod-openapi is allowed: it is
 *      zod with `.openapi()`), no `cloudflare:*`, no db/, http/, cron/ or config, no tables, services or
 *      routes (type-only imports of row types are erased, so allowed), and no I/O calls (fetch,
 *      Date.now, Math.random, crypto.randomUUID).
 *   3. `*.service.ts` files take plain arguments: no Hono and nothing from src/http/.
 *   4. Layers (doc/architecture.md), lowest first; a file imports only its own layer or lower ones:
 *        0 core      src/core/
 *        1 platform  src/db/, src/http/, src/cron/
 *        2 domains   src/domains/
 *        3 roots     src/app.ts, src/jobs.ts, src/config.ts, src/queues.ts, src/schedule.ts
 *        4 edges     src/cli/, durable-objects/
 *        5 entry     src/index.ts (the Worker entry re-exports the Durable Object classes so wrangler binds them)
 *      So src/core/ imports no domain, and no domain or platform file imports src/config.ts (each reads
 *      its own `<owner>.config.ts`). src/config.ts itself is a composition root: it imports every
 *      domain's config schema, through the domain's index, for the start-up check.
 *   5. No import circle (type-only imports included: a circle of types is still a tangle of owners).
 * Prints every violation as `file: rule: import` and exits 1 when there is any.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const SCANNED = ["src", "durable-objects", "test"];

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules") return [];
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(path) && !path.endsWith(".d.ts") ? [path] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(type\s)?[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every import specifier of `text`, with whether it is type-only (`import type`, erased at build). */
export function importsOf(text: string): Array<{ spec: string; typeOnly: boolean }> {
  return [...text.matchAll(IMPORT)].map((m) => ({ spec: (m[2] ?? m[3]) as string, typeOnly: m[1] !== undefined }));
}

const IO_CALLS = /\b(fetch\(|Date\.now\(|Math\.random\(|crypto\.randomUUID\()/;
const IMPURE_PACKAGES = /^(drizzle-orm|hono)(\/|$)|^cloudflare:/;
const ROOT_FILES = ["app", "jobs", "config", "queues", "schedule", "env"];

/** The checker, bound to a repository root (tests bind it to a synthetic one). */
export function checker(root: string) {
  const src = join(root, "src");
  const domains = join(src, "domains");
  const under = (path: string, dir: string) => path === dir || path.startsWith(dir + sep);
  const domainOf = (path: string) => (under(path, domains) ? path.slice(domains.length + 1).split(sep)[0] : undefined);
  const impurePaths = [join(src, "db"), join(src, "http"), join(src, "cron"), join(src, "config")];

  /** Layer of a file or extensionless module path; undefined for tests and anything unranked. */
  function layerOf(path: string): number | undefined {
    const p = path.replace(/\.tsx?$/, "");
    if (under(p, join(src, "core"))) return 0;
    if (["db", "http", "cron"].some((d) => under(p, join(src, d)))) return 1;
    if (under(p, domains)) return 2;
    if (ROOT_FILES.some((f) => p === join(src, f))) return 3;
    if (under(p, join(src, "cli")) || under(p, join(root, "durable-objects"))) return 4;
    if (p === join(src, "index")) return 5;
    return undefined;
  }
  const LAYER_NAMES = ["core", "platform (db/http/cron)", "domains", "composition roots", "cli/durable-objects", "worker entry"];

  /** Module path (no extension) of a relative import, or undefined for packages. */
  const targetOf = (file: string, spec: string) => (spec.startsWith(".") ? resolve(dirname(file), spec).replace(/\.tsx?$/, "") : undefined);

  function violations(file: string, text: string): string[] {
    const out: string[] = [];
    const rel = relative(root, file);
    const isTest = under(file, join(root, "test"));
    const fromDomain = domainOf(file);
    const fromLayer = isTest ? undefined : layerOf(file);
    const isModel = file.endsWith(".model.ts");
    const isService = file.endsWith(".service.ts");
    for (const { spec, typeOnly } of importsOf(text)) {
      const target = targetOf(file, spec);
      const toDomain = target ? domainOf(target) : undefined;
      if (!isTest && toDomain && toDomain !== fromDomain) {
        const viaIndex = target === join(domains, toDomain) || target === join(domains, toDomain, "index");
        if (!viaIndex) out.push(`${rel}: a domain is imported through its index.ts only: ${spec}`);
      }
      const toLayer = target ? layerOf(target) : undefined;
      if (fromLayer !== undefined && toLayer !== undefined && toLayer > fromLayer) {
        out.push(`${rel}: layer ${LAYER_NAMES[fromLayer]} imports higher layer ${LAYER_NAMES[toLayer]}: ${spec}`);
      }
      // A type-only import of a row type (`import type { XRow } from "./x.tables"`) is erased at build: still pure.
      if (isModel && !typeOnly) {
        const impurePath = target && (impurePaths.some((p) => under(target, p)) || /\.(tables|service|routes)$/.test(target));
        if (IMPURE_PACKAGES.test(spec) || impurePath) out.push(`${rel}: *.model.ts stays pure: ${spec}`);
      }
      if (isService && (/^hono(\/|$)/.test(spec) || (target && under(target, join(src, "http"))))) {
        out.push(`${rel}: services import no HTTP types: ${spec}`);
      }
    }
    if (isModel && IO_CALLS.test(text)) out.push(`${rel}: *.model.ts stays pure: I/O call ${IO_CALLS.exec(text)?.[1]}`);
    return out;
  }

  /** Every import circle among the non-test files of `sources` (path -> text), one line per circle. */
  function circles(sources: ReadonlyMap<string, string>): string[] {
    const byModule = new Map<string, string>();
    for (const file of sources.keys()) {
      const mod = file.replace(/\.tsx?$/, "");
      byModule.set(mod, file);
      if (mod.endsWith(`${sep}index`)) byModule.set(dirname(file), file);
    }
    const edges = new Map<string, string[]>();
    for (const [file, text] of sources) {
      if (under(file, join(root, "test"))) continue;
      const next = importsOf(text)
        .map(({ spec }) => targetOf(file, spec))
        .flatMap((t) => (t && byModule.has(t) ? [byModule.get(t) as string] : []));
      edges.set(file, next);
    }
    // Tarjan's strongly connected components; a component of 2+ files (or a self-import) is a circle.
    let counter = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const out: string[] = [];
    const visit = (v: string) => {
      index.set(v, counter);
      low.set(v, counter);
      counter++;
      stack.push(v);
      onStack.add(v);
      for (const w of edges.get(v) ?? []) {
        if (!edges.has(w)) continue;
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || (edges.get(v) ?? []).includes(v)) {
          const names = component.map((f) => relative(root, f)).sort();
          out.push(`${names[0]}: import circle: ${names.join(" <-> ")}`);
        }
      }
    };
    for (const v of edges.keys()) if (!index.has(v)) visit(v);
    return out;
  }

  /** All violations of a set of files (path -> text). */
  function check(sources: ReadonlyMap<string, string>): string[] {
    return [...[...sources].flatMap(([file, text]) => violations(file, text)), ...circles(sources)];
  }

  return { violations, circles, check };
}

/** Violations of one file in this repository (kept for callers of the old single-file API). */
export const violations = (file: string, text: string) => checker(ROOT).violations(file, text);

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const sources = new Map(SCANNED.flatMap((d) => files(join(ROOT, d))).map((f) => [f, readFileSync(f, "utf8")] as const));
  const found = checker(ROOT).check(sources);
  for (const line of found) console.error(line);
  if (found.length > 0) {
    console.error(`${found.length} import rule violation(s) in ${sources.size} files; see src/cli/check-imports.ts`);
    process.exit(1);
  }
  console.log(`import rules: ok (${sources.size} files)`);
}
