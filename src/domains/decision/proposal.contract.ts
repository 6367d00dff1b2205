/**
 * The output contract a model sees and the provider enforces, from one source: the JSON Schema the AI
 * SDK derives from `ModelProposalSchema` (the exact `response_format.json_schema.schema` / tool input
 * schema on the wire), its validation (a missing nullable field counts as `null`), and the prompt text
 * that shows the schema with one line per action. Callers: engines/ai-sdk.engine.ts (the wire and the
 * validation), decision.wiring.ts (the prompt's output contract section).
 */
import { jsonSchema, zodSchema } from "ai";
import { type ModelProposal, ModelProposalSchema, withNullDefaults } from "./decision.model";

/** The JSON Schema of a proposal exactly as the AI SDK sends it (strict: all required, no extra keys). */
export function proposalJsonSchema(): unknown {
  return zodSchema(ModelProposalSchema).jsonSchema;
}

/** The structured-output schema handed to the AI SDK: the strict wire schema, validated leniently for omitted nulls. */
export const proposalOutputSchema = jsonSchema<ModelProposal>(() => zodSchema(ModelProposalSchema).jsonSchema as never, {
  validate: (value) => {
    const parsed = ModelProposalSchema.safeParse(withNullDefaults(value));
    return parsed.success ? { success: true, value: parsed.data } : { success: false, error: parsed.error };
  },
});

/** What each action does at the intake, one line each (the model reads this before the schema). */
export const ACTION_LINES: Readonly<Record<ModelProposal["action"], string>> = {
  hold: "hold: do nothing; an open position keeps its stop and take-profit. sizeUsd null.",
  open_long:
    "open_long: from flat, buy sizeUsd USD of notional at the reference price; on an existing long it adds (like increase); on a short it is refused (close first: flips are refused).",
  open_short:
    "open_short: from flat, sell short sizeUsd USD of notional; on an existing short it adds; on a long it is refused (close first: flips are refused).",
  increase: "increase: add sizeUsd USD of notional to the open position, same side; refused when flat.",
  reduce: "reduce: close sizeUsd USD of notional of the open position (more than the position closes it); refused when flat.",
  close: "close: close the whole open position at the reference price. sizeUsd null.",
};

/**
 * The output contract section's body for `symbol`: the action lines, the stop/take-profit rule, units,
 * then the schema the provider enforces, then the venue limits.
 */
export function proposalContractText(
  symbol: string,
  venue: { szDecimals: number; maxLeverage: number | null; onlyIsolated: boolean; minNotionalUsd: number },
): string {
  return [
    `Decide ${symbol}. Actions:`,
    ...Object.values(ACTION_LINES).map((line) => `- ${line}`),
    "- stopLossPx / takeProfitPx: reduce-only trigger prices in USD; a new value replaces the earlier one for this asset, null leaves the earlier one in place.",
    "- invalidationCondition: with open/increase, the condition that would prove the trade wrong (e.g. a 1h close below a level); it is stored with the position and shown back in the account section next time, with the stop, the take-profit and your previous reason. Close the position when it is met.",
    "Units: sizeUsd is notional in USD as a decimal string (never negative); prices are USD per unit of the asset; leverage is a whole number. null means not given.",
    "Write `reason` first: reason about the data, then decide.",
    "Answer with exactly one JSON object matching this JSON Schema (the schema the provider enforces):",
    // Insertion order, not canonical order: `reason` stays first, as on the wire.
    JSON.stringify(proposalJsonSchema()),
    `Venue limits for ${symbol}: szDecimals=${venue.szDecimals} maxLeverage=${venue.maxLeverage ?? "none"} onlyIsolated=${venue.onlyIsolated} minNotionalUsd=${venue.minNotionalUsd} (USD)`,
  ].join("\n");
}
