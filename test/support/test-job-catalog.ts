/**
 * A one-job catalog for tests of the alerting and admin pages: `test.tick` runs every minute and does
 * nothing, so a test decides by hand (claimRun/finishRun) whether the job looks healthy, failing or stale.
 */
import { z } from "zod";
import { defineJob, type JobCatalog } from "../../src/cron/job";

export const testTickJob = defineJob({
  name: "test.tick",
  description: "a job of the test catalog",
  params: z.object({}),
  run: async () => ({ itemsProcessed: 0 }),
});

export const TEST_JOB_CATALOG: JobCatalog = {
  jobs: new Map([[testTickJob.name, testTickJob]]),
  schedule: { "* * * * *": [testTickJob.name] },
};
