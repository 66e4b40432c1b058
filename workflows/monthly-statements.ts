import { proxyActivities } from '@temporalio/workflow';

import type { Activities } from '../activities/index.ts';
import { DB_STEP } from './activity-options.ts';

// P4: the monthly statements. Started by the Temporal schedule on the first day of each month
// (worker/schedules.ts); produces every dealer's statement for the month before, or for the
// month given.

const acts = proxyActivities<Activities>({ ...DB_STEP, startToCloseTimeout: '10 minutes' });

export async function monthlyStatementsWorkflow(input: { month?: string } = {}): Promise<{ month: string; dealers: number }> {
  return acts.produceMonthlyStatements({ at: Date.now(), month: input.month });
}
