/**
 * The import checker (src/cli/check-imports.ts) fed synthetic files under a fake root: each rule fires on
 * a file that breaks it and stays quiet on its allowed twin, so `npm run lint` can fail.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checker } from "../../src/cli/check-imports";

const ROOT = "/repo";
const { check } = checker(ROOT);
const run = (files: Record<string, string>) => check(new Map(Object.entries(files).map(([path, text]) => [join(ROOT, path), text])));

describe("import rules", () => {
  it("refuses a deep import into a domain from another domain, the CLI, a root and a Durable Object", () => {
    const deep = 'import { x } from "%/domains/trading/engine.model";\n';
    const found = run({
      "src/domains/lifecycle/a.service.ts": deep.replace("%", ".."),
      "src/cli/tool.ts": deep.replace("%", ".."),
      "src/jobs.ts": deep.replace("%", "."),
      "durable-objects/prop-account/prop-account.ts": deep.replace("%", "../../src"),
    });
    expect(found).toHaveLength(4);
    expect(found.every((line) => line.includes("through its index.ts only"))).toBe(true);
  });

  it("allows the index, the domain's own files, and tests reaching internals", () => {
    expect(
      run({
        "src/cli/tool.ts": 'import { x } from "../domains/trading";\nimport { y } from "../domains/trading/index";\n',
        "src/domains/trading/a.service.ts": 'import { x } from "./engine.model";\n',
        "test/unit/t.test.ts": 'import { x } from "../../src/domains/trading/engine.model";\n',
      }),
    ).toEqual([]);
  });

  it("refuses imports from a lower layer to a higher one", () => {
    const found = run({
      "src/core/a.ts": 'import { x } from "../domains/lifecycle";\n',
      "src/http/b.ts": 'import { readConfig } from "../config";\n',
      "src/domains/lifecycle/c.service.ts": 'import { JOBS } from "../../jobs";\n',
      "src/jobs.ts": 'import { y } from "./cli/tool";\n',
    });
    expect(found).toHaveLength(4);
    expect(found.every((line) => line.includes("imports higher layer"))).toBe(true);
    expect(run({ "src/config.ts": 'import { S } from "./domains/lifecycle";\nimport { P } from "./core/platform.config";\n' })).toEqual([]);
  });

  it("finds import circles, type-only ones included", () => {
    const found = run({
      "src/http/a.ts": 'import type { B } from "./b";\n',
      "src/http/b.ts": 'import { c } from "./c";\n',
      "src/http/c.ts": 'import { a } from "./a";\n',
      "src/http/d.ts": 'import { a } from "./a";\n',
    });
    expect(found).toEqual(["src/http/a.ts: import circle: src/http/a.ts <-> src/http/b.ts <-> src/http/c.ts"]);
  });

  it("keeps models pure and services free of HTTP", () => {
    const found = run({
      "src/domains/x/a.model.ts": 'import { eq } from "drizzle-orm";\nexport const t = () => Date.now();\n',
      "src/domains/x/b.service.ts": 'import type { Context } from "hono";\n',
    });
    expect(found.filter((l) => l.includes("stays pure"))).toHaveLength(2);
    expect(found.filter((l) => l.includes("services import no HTTP"))).toHaveLength(1);
  });
});
