/**
 * Worker entry: `fetch` serves the Hono app, `scheduled` dispatches cron expressions to jobs, `queue`
 * dispatches message batches by queue name (src/queues.ts).
 * Durable Object classes are re-exported here so wrangler can bind them.
 */
import { createApp, defaultDeps } from "./app";
import { readConfig } from "./config";
import { dispatchCron } from "./jobs";
import { dispatchQueue } from "./queues";

export { HyperliquidBudget } from "../durable-objects/hyperliquid-budget/hyperliquid-budget";
export { HyperliquidFeed } from "../durable-objects/hyperliquid-feed/hyperliquid-feed";
export { LiveNonceSerializer } from "../durable-objects/live-nonce/live-nonce-serializer";
export { LiveUserStream } from "../durable-objects/live-user-stream/live-user-stream";
export { PropAccount } from "../durable-objects/prop-account/prop-account";
export { ProviderRateLimit } from "../durable-objects/provider-rate-limit/provider-rate-limit";
export { RateLimiter } from "../durable-objects/rate-limiter/rate-limiter";

const app = createApp(defaultDeps);

export default {
  // The configuration is parsed (once per isolate) before anything is served: a bad or missing setting
  // (e.g. no JWT_ISSUER in production) fails every request and tick loudly instead of serving half-configured.
  fetch(request, env, ctx) {
    readConfig(env);
    return app.fetch(request, env, ctx);
  },
  async scheduled(controller, env, ctx) {
    readConfig(env);
    ctx.waitUntil(dispatchCron(env, defaultDeps, controller.cron, controller.scheduledTime));
  },
  async queue(batch, env) {
    await dispatchQueue(batch, env, defaultDeps);
  },
} satisfies ExportedHandler<Env>;
