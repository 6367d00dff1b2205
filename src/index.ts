/**
 * Worker entry: `fetch` serves the Hono app, `scheduled` dispatches cron expressions to jobs, `queue`
 * dispatches message batches by queue name (src/queues.ts).
 * Durable Object classes are re-exported here so wrangler can bind them.
 */
import { createApp, defaultDeps } from "./app";
import { dispatchCron } from "./jobs";
import { dispatchQueue } from "./queues";

export { HyperliquidFeed } from "../durable-objects/hyperliquid-feed/hyperliquid-feed";
export { PropAccount } from "../durable-objects/prop-account/prop-account";

const app = createApp(defaultDeps);

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(dispatchCron(env, defaultDeps, controller.cron, controller.scheduledTime));
  },
  async queue(batch, env) {
    await dispatchQueue(batch, env, defaultDeps);
  },
} satisfies ExportedHandler<Env>;
