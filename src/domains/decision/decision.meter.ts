/**
 * What one scheduling invocation (the tick job or one `decision-schedule` chunk) asks of its bindings:
 * D1 round trips and statements, and queue sends. Both are subrequests an invocation spends against
 * its platform limits (D1 queries per invocation, subrequests), so the tick reports them in its job
 * summary and each chunk in its log line; `npm run bench -- decision` prints them for 1,000 accounts.
 * Invariant: the metered env behaves exactly like `env` (same bindings, same results); only counts.
 * Callers: decision.jobs.ts (schedule-runs), src/queues.ts (decision-schedule).
 */
import { countingD1 } from "../../db/counting-d1";

export interface InvocationWork {
  d1RoundTrips: number;
  d1Statements: number;
  queueSends: number;
}

/** `env` with D1 and the decision queues counted; `work()` reads the counts so far. */
export function meteredEnv(env: Env): { env: Env; work(): InvocationWork } {
  const d1 = countingD1(env.DB);
  let queueSends = 0;
  const counted = <Q extends object>(queue: Q): Q =>
    // Absent in a test env without queues: left as it is.
    !queue
      ? queue
      : new Proxy(queue, {
          get(target, prop) {
            const value = Reflect.get(target, prop, target);
            if (typeof value !== "function") return value;
            if (prop === "send" || prop === "sendBatch")
              return (...args: unknown[]) => {
                queueSends += 1;
                return value.apply(target, args);
              };
            return value.bind(target);
          },
        });
  const metered: Env = {
    ...env,
    DB: d1.db,
    DECISION_QUEUE: counted(env.DECISION_QUEUE),
    DECISION_SCHEDULE_QUEUE: counted(env.DECISION_SCHEDULE_QUEUE),
  };
  return {
    env: metered,
    work: () => ({ d1RoundTrips: d1.counts.calls, d1Statements: d1.counts.statements, queueSends }),
  };
}
