import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, WorkflowIdReusePolicy, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';

import type { Activities } from '../activities/index.ts';
import type { DailyCloseResult } from '../activities/daily-close.ts';
import { DB_STEP } from './activity-options.ts';
import { processId } from './ids.ts';

// P6 daily close of one business day, id `daily-close:<date>`: started by finance
// (POST /days/:date/close) or by the daily Schedule through scheduledDailyCloseWorkflow. A day
// whose ledger check fails stays open and finance is alerted; running the close again (a new
// run of the same id) tries again. Closing a closed day changes nothing.

const act = proxyActivities<Activities>(DB_STEP);

export interface DailyCloseInput {
  businessDate: string;
  actor: string;
}

export async function dailyCloseWorkflow(input: DailyCloseInput): Promise<DailyCloseResult> {
  // each run is an attempt of its own: its alert and timeline steps are keyed by the run
  return act.closeBusinessDay({
    processId: processId('daily-close', input.businessDate), businessDate: input.businessDate, actor: input.actor,
    attempt: workflowInfo().runId,
  });
}

export interface ScheduledDailyCloseInput {
  /** the ledger's time zone, which decides where one business day ends */
  timeZone: string;
  /** how many days back from the schedule's firing day the closed day lies; 1 = yesterday */
  lagDays?: number;
}

/**
 * What the Schedule starts each night. A Schedule cannot give its runs a business id, so this
 * works out which day to close from its (deterministic) workflow clock and starts the day's
 * `dailyCloseWorkflow` under its own id.
 */
export async function scheduledDailyCloseWorkflow(input: ScheduledDailyCloseInput): Promise<DailyCloseResult | { businessDate: string; skipped: string }> {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: input.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date());
  const day = new Date(`${today}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - (input.lagDays ?? 1));
  const businessDate = day.toISOString().slice(0, 10);
  try {
    return await executeChild(dailyCloseWorkflow, {
      workflowId: processId('daily-close', businessDate),
      args: [{ businessDate, actor: 'schedule:daily-close' }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    // finance is closing the same day by hand right now; that run does the work
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { businessDate, skipped: 'already-running' };
    throw err;
  }
}
