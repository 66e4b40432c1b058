import { proxyActivities, sleep } from '@temporalio/workflow';

import type { MarkActivities } from '../support/mark-activities.ts';

const { markStep } = proxyActivities<MarkActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '100 milliseconds', maximumInterval: '1 second' },
});

/** two activities with a sleep between them: the smallest process that can be interrupted */
export async function twoMarksWorkflow(id: string, pauseMs: number): Promise<string> {
  await markStep(id, 'first');
  await sleep(pauseMs);
  await markStep(id, 'second');
  return 'done';
}
