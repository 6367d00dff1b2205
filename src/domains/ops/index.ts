/** The ops domain's import surface: the public liveness route. (Heartbeats live in src/cron/.) */
export { opsRoutes } from "./ops.routes";
