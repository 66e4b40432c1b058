import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';

import type { Activities } from '../activities/index.ts';
import type { PaymentRequest } from '../activities/receivables.ts';
import { DB_STEP } from './activity-options.ts';

// P4: a dealer's payment. One short process per payment number (its workflow id), so a
// repeated request finds the same result; the activity records it once and wakes the dealer's
// account, whose ladder then re-reads what is owed.

const acts = proxyActivities<Activities>(DB_STEP);

export async function dealerPaymentWorkflow(p: PaymentRequest): Promise<Awaited<ReturnType<Activities['recordPayment']>>> {
  try {
    return await acts.recordPayment(p);
  } catch (err) {
    // the payment's own refusal (reused number, allocation too large) is the process's answer
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) throw err.cause;
    throw err;
  }
}
