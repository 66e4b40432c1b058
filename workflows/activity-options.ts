import type { ActivityOptions } from '@temporalio/workflow';

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
