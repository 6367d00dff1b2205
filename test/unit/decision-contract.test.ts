/**
 * The model-facing contract (issue 23, items 1, 7 and 8) as pure functions: the strict proposal
 * schema (every property required, nullable where optional, no additional properties, `reason` first),
 * `null` mapped back before validation, no negative sizes or prices, the prompt's output contract
 * showing the schema the provider enforces with one line per action, the account read in USD, the run
 * deadline, and the intake's `stale_slot` gate.
 */
import { zodSchema } from "ai";
import { beforeAll, describe, expect, it } from "vitest";
import { accountSection, microToUsdString } from "../../src/domains/context/prompt.sections";
import { loadTokenizer } from "../../src/domains/context/tokenizer";
import { MAX_RUN_DELAY_MS, ModelProposalSchema, runDeadlineMs, toDecisionAction } from "../../src/domains/decision/decision.model";
import { ACTION_LINES, proposalContractText, proposalJsonSchema } from "../../src/domains/decision/proposal.contract";
import { emptyAccountSummary } from "../../src/domains/trading";
import { createPaperEngine } from "../../src/domains/trading/engine.model";
import type { AssetSpec, Market } from "../../src/domains/trading/market.model";

beforeAll(loadTokenizer);

const stamp = { runId: "run_1", symbol: "BTC", slotMs: 60_000, decidedAtMs: 61_000 };
const full = {
  reason: "trend up",
  symbol: "BTC",
  action: "open_long",
  sizeUsd: "250.5",
  leverage: 2,
  stopLossPx: null,
  takeProfitPx: null,
  invalidationCondition: null,
  confidence: 0.6,
};

describe("strict proposal schema", () => {
  it("strict schema: every property is required, optional ones nullable, additionalProperties false, reason first", () => {
    const schema = proposalJsonSchema() as {
      properties: Record<string, { anyOf?: unknown[] }>;
      required: string[];
      additionalProperties: unknown;
    };
    expect(schema.additionalProperties).toBe(false);
    expect([...schema.required].sort()).toEqual(Object.keys(schema.properties).sort());
    expect(Object.keys(schema.properties)[0]).toBe("reason");
    for (const key of ["sizeUsd", "leverage", "stopLossPx", "takeProfitPx"]) {
      expect(schema.properties[key]?.anyOf).toContainEqual({ type: "null" });
    }
    // A plain nullable string is written as a type list, which strict mode accepts too.
    expect(schema.properties.invalidationCondition).toMatchObject({ type: ["string", "null"] });
    expect(ModelProposalSchema.safeParse(full).success).toBe(true);
    expect(ModelProposalSchema.safeParse({ ...full, extra: 1 }).success).toBe(false);
  });

  it("nulls mapped back: a strict answer's nulls become absent fields before DecisionAction validation", () => {
    const checked = toDecisionAction({ ...full, sizeUsd: null, leverage: null, action: "hold" }, stamp);
    expect(checked.ok).toBe(true);
    if (checked.ok) {
      expect(checked.action).toMatchObject({ action: "hold" });
      // Issue 24 item 7: an omitted leverage stays omitted (the engine keeps the position's leverage).
      expect(checked.action.leverage).toBeUndefined();
      expect(checked.action.sizeUsd).toBeUndefined();
      expect(checked.action.stopLossPx).toBeUndefined();
    }
  });

  it("no negative sizes: a negative sizeUsd or price never passes validation", () => {
    expect(toDecisionAction({ ...full, sizeUsd: "-5" }, stamp).ok).toBe(false);
    expect(toDecisionAction({ ...full, sizeUsd: -5 }, stamp).ok).toBe(false);
    expect(toDecisionAction({ ...full, stopLossPx: "-1" }, stamp).ok).toBe(false);
    expect(toDecisionAction(full, stamp).ok).toBe(true);
  });

  it("invalidationCondition (issue 23 item 9): nullable on the wire, bounded after the answer", () => {
    expect(ModelProposalSchema.safeParse({ ...full, invalidationCondition: "1h close below 99" }).success).toBe(true);
    const { invalidationCondition: _omitted, ...withoutIt } = full;
    expect(ModelProposalSchema.safeParse(withoutIt).success).toBe(false);
    expect(toDecisionAction({ ...full, invalidationCondition: "x".repeat(500) }, stamp).ok).toBe(true);
    expect(toDecisionAction({ ...full, invalidationCondition: "x".repeat(501) }, stamp).ok).toBe(false);
  });
});

describe("the prompt shows the schema the provider enforces", () => {
  const text = proposalContractText('"BTC"', { szDecimals: 5, maxLeverage: 40, onlyIsolated: false, minNotionalUsd: 10 });

  it("prompt schema: the contract embeds exactly the JSON Schema the AI SDK sends, not DecisionAction", () => {
    expect(text).toContain(JSON.stringify(zodSchema(ModelProposalSchema).jsonSchema));
    expect(text).not.toContain("actionId");
    expect(text).not.toContain("decidedAtMs");
  });

  it("action lines: one line per action, flips refused, stop/take-profit replacing earlier ones, USD units", () => {
    for (const line of Object.values(ACTION_LINES)) expect(text).toContain(`- ${line}`);
    expect(Object.keys(ACTION_LINES).sort()).toEqual([...ModelProposalSchema.shape.action.options].sort());
    expect(text).toMatch(/flips are refused/);
    expect(text).toMatch(/replaces the earlier one/);
    expect(text).toMatch(/in USD/);
    expect(text).not.toMatch(/micro/i);
  });

  it("USD units: the account section shows USD decimal strings, never micro-USD", () => {
    const summary = emptyAccountSummary({ accountId: "a", cloneId: "c", asOfMs: 0, startingBalanceMicroUsd: 10_000_250_000 });
    const section = accountSection(summary, false).text;
    expect(section).toContain('"cashUsd":"10000.25"');
    expect(section).not.toMatch(/MicroUsd|micro-USD/);
    expect(microToUsdString(-5)).toBe("-0.000005");
    expect(microToUsdString(1_250_000n)).toBe("1.25");
  });
});

describe("timing", () => {
  it("deadline: slot + min(cadence, 5 min)", () => {
    expect(runDeadlineMs({ slotMs: 60_000, cadenceSec: 60 })).toBe(120_000);
    expect(runDeadlineMs({ slotMs: 0, cadenceSec: 3600 })).toBe(MAX_RUN_DELAY_MS);
  });

  it("stale_slot: the intake refuses an action whose slot is older than the newest slot applied for the symbol", () => {
    const T0 = 1_764_417_600_000;
    const BTC: AssetSpec = {
      symbol: "BTC",
      kind: "perp",
      szDecimals: 5,
      maxLeverage: 40,
      marginTiers: [{ lowerBound: "0", maxLeverage: 40 }],
      isDelisted: false,
    };
    const market: Market = {
      assets: { BTC },
      quotes: { BTC: { symbol: "BTC", markPx: "60000", midPx: "60000", oraclePx: "60000", pxAtMs: T0 } },
    };
    const e = createPaperEngine(
      {
        accountId: "acc",
        cloneId: "c",
        ownerId: "o",
        kind: "sandbox",
        startingBalanceMicroUsd: 10_000_000_000,
        startMs: T0,
        endMs: T0 + 86_400_000,
        rules: { slippageBps: 0 },
        allowedSymbols: ["BTC"],
      },
      T0,
    );
    // Holds without triggers change nothing and are always accepted; a trade claims its slot.
    const open = (actionId: string, slotMs: number) =>
      ({
        actionId,
        symbol: "BTC",
        action: "open_long",
        size: "0.01",
        leverage: 2,
        confidence: 1,
        reason: "",
        decidedAtMs: T0,
        slotMs,
      }) as never;
    expect(e.apply({ type: "action", t: T0 + 1, action: open("a2", T0 + 120_000), market }).outcome).toMatchObject({ status: "filled" });
    expect(e.apply({ type: "action", t: T0 + 2, action: open("a1", T0 + 60_000), market }).outcome).toMatchObject({
      status: "denied",
      code: "stale_slot",
    });
    expect(e.apply({ type: "action", t: T0 + 3, action: open("a3", T0 + 180_000), market }).outcome).toMatchObject({ status: "filled" });
  });
});
