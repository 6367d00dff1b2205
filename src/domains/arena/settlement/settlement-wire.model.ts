/**
 * The settlement's JSON wire form, shared by `npm run arena:settle` and (later) `GET /races/{id}/settlement`:
 * the field names of the Settlement, with every micro-USD amount and weight printed as a JSON number when
 * it is a safe integer (<= 2^53-1) and as a decimal string otherwise, so no reader ever sees a rounded
 * amount. `settleRaceText` is the whole CLI minus file I/O: JSON text in, one output line or a refusal
 * naming the fields out; the CLI, its unit tests and the fixtures all go through it.
 */
import { err, ok, type Result } from "../../../core/result";
import { type Settlement, settleRace } from "./settlement.model";
import { bigintsToJson } from "./settlement-hash.model";
import { type InputIssue, jsonPath, parseRaceInput } from "./settlement-input.model";

/** Settlement -> plain JSON value (bigints as safe numbers or decimal strings). */
export function settlementToWire(s: Settlement): Record<string, unknown> {
  return bigintsToJson(s, "auto") as Record<string, unknown>;
}

/** One JSON line (no trailing newline). */
export function formatSettlementLine(s: Settlement): string {
  return JSON.stringify(settlementToWire(s));
}

/** Human-readable refusal: one `path: message` line per issue. */
export function formatIssues(issues: readonly InputIssue[]): string {
  return issues.map((i) => `invalid input at ${i.path}: ${i.message}`).join("\n");
}

/** JSON text of a race -> the settlement line, or the issues (exit code 2 in the CLI). */
export function settleRaceText(text: string): Result<{ settlement: Settlement; line: string }, InputIssue[]> {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text); // tolerate a UTF-8 byte-order mark
  } catch (error) {
    return err([{ path: jsonPath([]), message: `not JSON: ${error instanceof Error ? error.message : String(error)}` }]);
  }
  const input = parseRaceInput(json);
  if (!input.ok) return input;
  const settlement = settleRace(input.value);
  return ok({ settlement, line: formatSettlementLine(settlement) });
}
