import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';

// The Temporal Schedules the application needs, created when a worker starts. Creating is
// idempotent: a schedule that exists is left as it is (change it with the Temporal CLI or UI,
// or delete it and restart a worker), so any number of workers may start at once.

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

/** creates the nightly daily-close schedule unless it exists; returns whether it created it */
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
