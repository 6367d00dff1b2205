/**
 * `npm run prop:replay -- --input events.jsonl`: runs the paper engine (no Worker) over an event file
 * and prints one JSON line per effect and a final line (formats: src/domains/trading/replay.model.ts).
 * Bad input exits 2 naming the line.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { runReplay } from "../domains/trading";

const { values } = parseArgs({ options: { input: { type: "string" } } });
if (!values.input) {
  console.error("usage: npm run prop:replay -- --input events.jsonl");
  process.exit(2);
}
let text: string;
try {
  text = readFileSync(values.input, "utf8");
} catch (error) {
  console.error(`cannot read ${values.input}: ${String(error)}`);
  process.exit(2);
}
const out = runReplay(text);
for (const line of out.lines) console.log(line);
if (!out.ok) {
  console.error(`${values.input}:${out.line}: ${out.message}`);
  process.exit(2);
}
