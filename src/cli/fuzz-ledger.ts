/**
 * `npm run fuzz:ledger -- --runs 10000 [--seed n]`: folds random event sequences through the paper
 * engine and checks the ledger and gate invariants at every step (src/domains/trading/invariants.model.ts).
 * Prints one JSON line with the counts; exits 1 when any violation was found.
 */
import { parseArgs } from "node:util";
import fc from "fast-check";
import { foldSequence, sequenceArb } from "./lib/prop-fuzz";

const { values } = parseArgs({ options: { runs: { type: "string", default: "1000" }, seed: { type: "string" } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error("usage: npm run fuzz:ledger -- --runs <n> [--seed <n>]");
  process.exit(2);
}
const seed = values.seed === undefined ? Date.now() : Number(values.seed);
const started = performance.now();
let events = 0;
let fills = 0;
let violations = 0;
let badSequences = 0;
const examples: string[] = [];
const outcomes: Record<string, number> = {};
for (const seq of fc.sample(sequenceArb, { numRuns: runs, seed })) {
  const out = foldSequence(seq);
  events += out.events;
  fills += out.fills;
  violations += out.violations.length;
  for (const [k, n] of Object.entries(out.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
  if (out.violations.length > 0) {
    badSequences += 1;
    if (examples.length < 5) examples.push(out.violations[0] as string);
  }
}
console.log(
  JSON.stringify({
    runs,
    seed,
    events,
    fills,
    violations,
    badSequences,
    examples,
    outcomes,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  }),
);
process.exit(violations > 0 ? 1 : 0);
