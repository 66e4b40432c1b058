import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';

// The Temporal schedules of the application, created when the worker starts. Creating one that
// exists already is a no-op, so every worker instance may try; the schedule itself lives in
// Temporal and survives the workers.

export const STATEMENT_SCHEDULE_ID = 'monthly-statements';

/**
 * Each dealer's monthly statement: on the first day of every month, shortly after midnight in
 * the ledger's time zone, for the month before. Returns true when this call created it.
 */
export async function ensureStatementSchedule(client: Client, o: { taskQueue: string; timeZone: string; scheduleId?: string }): Promise<boolean> {
  const scheduleId = o.scheduleId ?? STATEMENT_SCHEDULE_ID;
  try {
    await client.schedule.create({
      scheduleId,
      spec: { calendars: [{ dayOfMonth: 1, hour: 0, minute: 30 }], timezone: o.timeZone },
      action: { type: 'startWorkflow', workflowType: 'monthlyStatementsWorkflow', args: [{}], taskQueue: o.taskQueue, workflowId: scheduleId },
      // a statement run missed while the cluster was down is still wanted the same day
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
    return true;
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return false;
    throw err;
  }
}

export interface DailyCloseSchedule {
  scheduleId?: string;
  taskQueue: string;
  /** the ledger's time zone: the close runs shortly after midnight there */
  timeZone: string;
  hour?: number;
  minute?: number;
  /** see ScheduledDailyCloseInput.lagDays */
  lagDays?: number;
}

/**
 * The nightly daily close: shortly after midnight in the ledger's time zone, the day before
 * (scheduledDailyCloseWorkflow works out which day). Returns true when this call created it.
 */
export async function ensureDailyCloseSchedule(client: Client, s: DailyCloseSchedule): Promise<boolean> {
  try {
    await client.schedule.create({
      scheduleId: s.scheduleId ?? 'daily-close',
      // 00:30 so that postings stamped just before midnight have committed
      spec: { calendars: [{ hour: s.hour ?? 0, minute: s.minute ?? 30 }], timezone: s.timeZone },
      action: {
        type: 'startWorkflow', workflowType: 'scheduledDailyCloseWorkflow', taskQueue: s.taskQueue,
        workflowId: `${s.scheduleId ?? 'daily-close'}-run`, args: [{ timeZone: s.timeZone, lagDays: s.lagDays ?? 1 }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
    return true;
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return false;
    throw err;
  }
}
