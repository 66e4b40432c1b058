import { proxyActivities, workflowInfo } from '@temporalio/workflow';

import type { PostOnceActivities } from '../support/post-once-activities.ts';

const { postThenFail } = proxyActivities<PostOnceActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '100 milliseconds', maximumInterval: '1 second' },
});

/** one posting whose activity fails after its commit on the first attempt */
export async function postOnceWorkflow(amountMinor: number): Promise<string> {
  return postThenFail(workflowInfo().workflowId, amountMinor);
}
