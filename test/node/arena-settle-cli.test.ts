/**
 * `npm run arena:settle` as a real child process (the node lane: workerd cannot spawn): every
 * hand-computed fixture prints exactly its expected line and exits 0; bad input exits 2 with the
 * refused field's JSON path on stderr; no --input exits 2.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const FIXTURES = join(ROOT, "test/fixtures/arena-settlement");
const TSX = join(ROOT, "node_modules/.bin/tsx");

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(TSX, ["src/cli/arena-settle.ts", ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

describe("arena:settle CLI", { timeout: 120_000 }, () => {
  const names = readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".input.json"))
    .map((f) => f.slice(0, -".input.json".length));

  it("has the fixtures", () => {
    expect(names.length).toBeGreaterThanOrEqual(5);
  });

  for (const name of ["normal-three-places", "scratched-entrant", "large-amounts"]) {
    it(`${name}: one JSON line equal to the expected settlement, exit 0`, async () => {
      const out = await run(["--input", join(FIXTURES, `${name}.input.json`)]);
      expect(out.stderr).toBe("");
      expect(out.code).toBe(0);
      const lines = out.stdout.split("\n").filter((l) => l !== "");
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] as string)).toEqual(JSON.parse(readFileSync(join(FIXTURES, `${name}.expected.json`), "utf8")));
    });
  }

  it("bad input: exit 2 and the field path on stderr, nothing on stdout", async () => {
    const race = JSON.parse(readFileSync(join(FIXTURES, "normal-three-places.input.json"), "utf8"));
    race.tickets[2].amountMicroUsd = -5;
    race.tickets[4].entrantId = "nobody";
    const dir = await mkdtemp(join(tmpdir(), "arena-settle-"));
    const file = join(dir, "bad.json");
    await writeFile(file, JSON.stringify(race));
    const out = await run(["--input", file]);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("tickets[2].amountMicroUsd");
    race.tickets[2].amountMicroUsd = 5;
    await writeFile(file, JSON.stringify(race));
    const unknown = await run(["--input", file]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("tickets[4].entrantId");
  });

  it("usage errors exit 2", async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(["--input", "/nonexistent/race.json"])).code).toBe(2);
  });
});
