/**
 * `npm run arena:settle -- --input race.json`: the pure Arena settlement (rules v1,
 * doc/domains/arena.md) of one race JSON, printed as one JSON line on stdout. `--input -` reads stdin.
 * Exit codes: 0 settled; 2 bad input or usage (stderr names each refused field by its JSON path);
 * 1 an internal error such as a conservation violation (a bug: it must never happen).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { formatIssues, settleRaceText } from "../domains/arena";

let input: string | undefined;
try {
  input = parseArgs({ options: { input: { type: "string" } } }).values.input;
} catch (error) {
  console.error(String(error instanceof Error ? error.message : error));
}
if (!input) {
  console.error("usage: npm run arena:settle -- --input race.json");
  process.exit(2);
}
let text: string;
try {
  text = readFileSync(input === "-" ? 0 : input, "utf8");
} catch (error) {
  console.error(`cannot read ${input}: ${String(error)}`);
  process.exit(2);
}
try {
  const out = settleRaceText(text);
  if (!out.ok) {
    console.error(formatIssues(out.error));
    process.exit(2);
  }
  process.stdout.write(`${out.value.line}\n`);
} catch (error) {
  console.error(`settlement failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
