import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { z } from 'zod';

import type { DailyCloseResult } from '../../activities/daily-close.ts';
import { refused } from '../../db/errors.ts';
import { getProcess } from '../../db/processes.ts';
import { processId } from '../../workflows/ids.ts';
import type { ApiContext } from '../context.ts';
import { defineRoute, isoDate } from '../route.ts';

// The daily close by hand (finance). The nightly Schedule (worker/schedules.ts) runs the same
// workflow; both use the id `daily-close:<date>`, so they never close one day twice at once.

export function dayRoutes(ctx: ApiContext) {
  return [
    defineRoute({
      method: 'post', path: '/days/:date/close', exampleParams: { date: '2026-11-30' }, summary: 'Close a business day', roles: ['finance'],
      params: z.strictObject({ date: isoDate }),
      handler: async ({ params, actor }) => {
        if (params.date >= ctx.ledger.businessDate(new Date())) {
          throw refused('day-not-over', `business day ${params.date} has not ended yet in ${ctx.config.ledgerTimeZone}`, { businessDate: params.date });
        }
        const id = processId('daily-close', params.date);
        let handle = ctx.temporal.workflow.getHandle<() => Promise<DailyCloseResult>>(id);
        try {
          handle = await ctx.temporal.workflow.start<(i: { businessDate: string; actor: string }) => Promise<DailyCloseResult>>('dailyCloseWorkflow', {
            taskQueue: ctx.config.taskQueue, workflowId: id, args: [{ businessDate: params.date, actor: actor.id }],
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          });
        } catch (err) {
          // a close of the same day is running (the schedule's, or a double click): wait for it
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
        const result = await handle.result();
        const process = await getProcess(ctx.orm.em.fork(), id);
        if (!result.closed) {
          throw refused('ledger-check-failed', `business day ${params.date} stays open: the ledger check found ${result.problems} problems; finance has been alerted`,
            { businessDate: params.date, problems: result.problems });
        }
        return { body: { ...result, process } };
      },
    }),
    defineRoute({
      method: 'get', path: '/days/:date', exampleParams: { date: '2026-11-30' }, summary: 'Read the close of a business day', roles: ['finance', 'back-office', 'auditor'],
      params: z.strictObject({ date: isoDate }),
      handler: async ({ params }) => {
        const em = ctx.orm.em.fork();
        const [closed] = await em.execute('select closed_at, actor, summary from closed_day where business_date = ?', [params.date]);
        return {
          body: {
            businessDate: params.date, closed: Boolean(closed), closedAt: closed ? new Date(String(closed.closed_at instanceof Date ? closed.closed_at.toISOString() : closed.closed_at)).toISOString() : null,
            closedBy: closed?.actor ?? null, process: await getProcess(em, processId('daily-close', params.date)),
          },
        };
      },
    }),
  ];
}
