import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

// The timeout presets every activity proxy picks from. Database steps retry without a limit:
// a database that is down for a while must delay a process, never fail it. A broken business
// rule is thrown as non-retryable by the activity and is not retried.

/** one short transaction: a posting, a reservation, a process-row update */
export const DB_STEP: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
};

/** a call to a system outside (webhook, carrier); slower, and retried more patiently */
export const OUTBOUND_CALL: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
};

/**
 * A short database step run as a local activity: the worker runs it inside the workflow task
 * and records its result, with no activity task through the server. The step's key makes a
 * re-run after a crash harmless. Retries longer than a minute apart wait on a timer.
 */
export const DB_LOCAL_STEP: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: DB_STEP.retry,
};
