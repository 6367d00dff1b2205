/**
 * The hand-computed replay cases under test/fixtures/prop-replay/: each `<case>.jsonl` runs through
 * the same engine as `npm run prop:replay`, and its output must equal `<case>.expected.jsonl`, whose
 * figures are computed by hand in test/fixtures/prop-replay/README.md.
 */
import { describe, expect, it } from "vitest";
import { runReplay } from "../../src/domains/trading/replay.model";

const inputs = import.meta.glob("../fixtures/prop-replay/*.jsonl", { query: "?raw", import: "default", eager: true }) as Record<
  string,
  string
>;

const cases = Object.keys(inputs)
  .filter((path) => !path.endsWith(".expected.jsonl"))
  .map((path) => [path.replace(/^.*\//, "").replace(/\.jsonl$/, ""), path] as const);

describe("hand-computed replay cases", () => {
  it("has the cases the issue asks for", () => {
    expect(cases.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        "fee",
        "funding",
        "liquidation-before",
        "liquidation",
        "liquidation-backstop",
        "triggers",
        "gates",
        "trigger-placement",
        "backstop-gap",
        "trigger-gap-open",
        "funding-boundary",
      ]),
    );
  });

  it.each(cases)("%s matches its expected output", (_name, path) => {
    const expected = inputs[path.replace(/\.jsonl$/, ".expected.jsonl")];
    expect(expected, `missing ${path.replace(/\.jsonl$/, ".expected.jsonl")}`).toBeDefined();
    const out = runReplay(inputs[path] as string);
    expect(out.ok).toBe(true);
    const want = (expected as string)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(out.lines.map((l) => JSON.parse(l))).toEqual(want);
  });

  it("names the first bad line", () => {
    const out = runReplay('{"t":0,"type":"open","startingBalanceUsd":100}\n{"t":1,"type":"price","symbol":"BTC"}\n');
    expect(out).toMatchObject({ ok: false, line: 2 });
    expect(runReplay('{"t":0,"type":"mark"}')).toMatchObject({ ok: false, line: 1 });
    expect(runReplay("not json")).toMatchObject({ ok: false, line: 1, message: "not JSON" });
  });
});

describe("the gates case covers every gate code", () => {
  it("denies with each of GATE_CODES at least once", async () => {
    const { GATE_CODES } = await import("../../src/domains/trading/decision-action.model");
    const out = runReplay(inputs["../fixtures/prop-replay/gates.jsonl"] as string);
    const codes = new Set(
      out.lines
        .map((l) => JSON.parse(l))
        .filter((l) => l.type === "rejected")
        .map((l) => l.code),
    );
    expect([...codes].sort()).toEqual([...GATE_CODES].sort());
  });
});
