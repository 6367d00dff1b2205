export { opsJobs } from "./ops.jobs";
export { claimRun, finishRun, latestRuns, recentRuns } from "./ops.service";
export { type JobRunRow, jobRuns } from "./ops.tables";
