/**
 * Every job the Worker knows, by name. Domains export their job lists from their index; this file is
 * the one place they are gathered.
 */
import { lifecycleJobs } from "../domains/lifecycle";
import { exchangeJobs, indicatorJobs, marketDataIngestionJobs } from "../domains/market-data";
import { opsJobs } from "../domains/ops";
import type { JobDefinition } from "./job";

// biome-ignore lint/suspicious/noExplicitAny: params differ per job; each job parses its own.
export type AnyJob = JobDefinition<any>;

const ALL_JOBS: AnyJob[] = [...opsJobs, ...exchangeJobs, ...indicatorJobs, ...marketDataIngestionJobs, ...lifecycleJobs];

export const JOBS: ReadonlyMap<string, AnyJob> = new Map(ALL_JOBS.map((job) => [job.name, job]));

if (JOBS.size !== ALL_JOBS.length) throw new Error("duplicate job names in the registry");
