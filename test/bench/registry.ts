/** Benchmarks known to `npm run bench`. Each returns figures; none asserts a timing. */

import { backtestBench } from "./backtest.bench";
import { coldStartBench } from "./cold-start.bench";
import { contextBench } from "./context.bench";
import { cronBench } from "./cron.bench";
import { decisionBench } from "./decision.bench";
import { decisionIntakeBench } from "./decision-intake";
import { discoveryBench } from "./discovery.bench";
import { feedBench } from "./feed.bench";
import { httpBench } from "./http.bench";
import { indicatorsBench } from "./indicators.bench";
import { ingestionBench } from "./ingestion.bench";
import { propBench } from "./prop.bench";
import { settlementBench } from "./settlement.bench";
import { strategyBench } from "./strategy.bench";

export interface BenchRow {
  metric: string;
  value: string;
  unit: string;
}

export interface Benchmark {
  name: string;
  description: string;
  run(): Promise<BenchRow[]>;
}

export const BENCHMARKS: Benchmark[] = [
  cronBench,
  feedBench,
  coldStartBench,
  indicatorsBench,
  ingestionBench,
  discoveryBench,
  strategyBench,
  httpBench,
  contextBench,
  propBench,
  decisionBench,
  decisionIntakeBench,
  settlementBench,
  backtestBench,
];
