/**
 * `npm run bench`: runs every benchmark registered below and prints its figures. Benchmarks report,
 * they never assert timings (targets live in doc/, not in tests). `npm run bench -- <name>` runs one.
 */
import { BENCHMARKS } from "./registry";

const only = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const selected = BENCHMARKS.filter((b) => only.length === 0 || only.includes(b.name));
if (selected.length === 0) {
  console.error(`no benchmark named ${only.join(", ")}; known: ${BENCHMARKS.map((b) => b.name).join(", ")}`);
  process.exit(2);
}
console.log(`node ${process.version}, ${new Date().toISOString()}`);
for (const bench of selected) {
  console.log(`\n## ${bench.name}: ${bench.description}`);
  const started = performance.now();
  const rows = await bench.run();
  for (const row of rows) console.log(`  ${row.metric.padEnd(58)} ${row.value.padStart(16)} ${row.unit}`);
  console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
