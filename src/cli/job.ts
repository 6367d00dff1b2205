/**
 * `npm run job -- <job name> [key=value ...] [--url http://127.0.0.1:8787]`: runs a job on the local
 * backend through the admin route (POST /api/v1/admin/jobs/:name/run) and prints the heartbeat.
 */
import { parseArgs } from "node:util";
import { localJwtSecret, mintToken } from "./lib/local-auth";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { url: { type: "string", default: process.env.BACKEND_URL ?? "http://127.0.0.1:8787" } },
});
const [name, ...pairs] = positionals;
const secret = localJwtSecret();
if (!name || !secret) {
  console.error("usage: npm run job -- <job name> [key=value ...]   (needs .dev.vars or $JWT_SECRET)");
  process.exit(2);
}
const params = Object.fromEntries(
  pairs.map((pair) => {
    const i = pair.indexOf("=");
    if (i < 1) {
      console.error(`parameter must be key=value: ${pair}`);
      process.exit(2);
    }
    return [pair.slice(0, i), pair.slice(i + 1)];
  }),
);
const res = await fetch(`${values.url}/api/v1/admin/jobs/${encodeURIComponent(name)}/run`, {
  method: "POST",
  headers: { authorization: `Bearer ${await mintToken("local-admin", "admin", 300, secret)}`, "content-type": "application/json" },
  body: JSON.stringify({ params }),
});
console.log(JSON.stringify(await res.json(), null, 2));
process.exit(res.ok ? 0 : 1);
