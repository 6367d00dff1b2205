/**
 * The backtest domain's import surface (doc/domains/backtest.md): a clone's stored pipeline run over
 * recorded market memory slot by slot, through context's packet, decision's engines and trading's
 * paper engine. The routes, the queue consumer, the pure core and the runner (bench, tests).
 */
export {
  BACKTEST_ENGINES,
  type BacktestReport,
  BacktestReportSchema,
  type BacktestRequest,
  BacktestRequestSchema,
  buildReport,
  riskRatios,
  slotGrid,
} from "./backtest.model";
export { consumeBacktests } from "./backtest.queue";
export { backtestRoutes } from "./backtest.routes";
export { type BacktestPlan, engineFor, type RunnerDeps, runChunk, startProgress } from "./backtest.runner";
export { type BacktestDeps, backtestPlanOf, createBacktest, getBacktest, reportOf, runBacktest } from "./backtest.service";
export { type BacktestRow, backtests } from "./backtest.tables";
export { backtestDeps } from "./backtest.wiring";
export { type BacktestView, BacktestViewSchema } from "./backtest-api.model";
