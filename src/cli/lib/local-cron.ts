/**
 * `wrangler dev` does not fire Cron Triggers. With `--test-scheduled` it exposes /__scheduled?cron=…;
 * this clock calls it at every minute boundary for each expression of the dispatch table that
 * matches that minute, as Cloudflare's scheduler would.
 */
import { cronMatches, parseCron } from "../../cron/cron-expression";
import { SCHEDULE } from "../../schedule";

export function startLocalCron(baseUrl: string, log: (line: string) => void): () => void {
  const crons = Object.keys(SCHEDULE).map(parseCron);
  let lastMinute = Math.floor(Date.now() / 60_000);
  const timer = setInterval(() => {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute === lastMinute) return;
    lastMinute = minute;
    for (const cron of crons) {
      if (!cronMatches(cron, minute * 60_000)) continue;
      fetch(`${baseUrl}/__scheduled?cron=${encodeURIComponent(cron.source)}`)
        .then((res) => log(`cron "${cron.source}" -> ${res.status}`))
        .catch((error: unknown) => log(`cron "${cron.source}" failed: ${String(error)}`));
    }
  }, 1000);
  return () => clearInterval(timer);
}
