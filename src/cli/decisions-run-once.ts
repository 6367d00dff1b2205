/**
 * `npm run decisions:run-once -- --clone-id=X [--force] [--url http://127.0.0.1:8787]`: schedules the
 * clone's prop-account decision runs now and executes them inline on the local backend, through the
 * admin job route (job `decision.run-once`), then prints the job's heartbeat with each run's outcome.
 * `--force` decides in a fresh one-minute slot even when the current cadence slot already ran.
 */
import { parseArgs } from "node:util";
import { localJwtSecret, mintToken } from "./lib/local-auth";

const { values } = parseArgs({
  options: {
    "clone-id": { type: "string" },
    force: { type: "boolean", default: false },
    url: { type: "string", default: process.env.BACKEND_URL ?? "http://127.0.0.1:8787" },
  },
});
const secret = localJwtSecret();
if (!values["clone-id"] || !secret) {
  console.error("usage: npm run decisions:run-once -- --clone-id=<clone id> [--force]   (needs .dev.vars or $JWT_SECRET)");
  process.exit(2);
}
const res = await fetch(`${values.url}/api/v1/admin/jobs/decision.run-once/run`, {
  method: "POST",
  headers: { authorization: `Bearer ${await mintToken("local-admin", "admin", 300, secret)}`, "content-type": "application/json" },
  body: JSON.stringify({ params: { cloneId: values["clone-id"], force: values.force } }),
});
console.log(JSON.stringify(await res.json(), null, 2));
process.exit(res.ok ? 0 : 1);
