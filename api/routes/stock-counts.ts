import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { z } from 'zod';

import { WAREHOUSES } from '../../db/entities/master.ts';
import { notFound } from '../../db/errors.ts';
import { getProcess } from '../../db/processes.ts';
import { binCard, locationFromBinRef } from '../../db/warehouse.ts';
import { countApprovalUpdate, countLinesUpdate, countOpenedUpdate } from '../../workflows/stock-count.ts';
import { parseProcessId, processId } from '../../workflows/ids.ts';
import type { ApiContext } from '../context.ts';
import { defineRoute, isoDate, key, text } from '../route.ts';

// Stock counts (P6) and the daily bin card. A count freezes its bins until it completes; the
// keeper reports counted bins, finance approves the variances or asks for a recount.

const READERS = ['back-office', 'warehouse', 'finance', 'auditor'] as const;
const warehouse = z.enum(Object.keys(WAREHOUSES) as [string, ...string[]]);
const idParam = z.strictObject({ id: z.string().min(1).max(200) });

export function stockCountRoutes(ctx: ApiContext) {
  const readCount = async (id: string) => {
    const p = await getProcess(ctx.orm.em.fork(), id);
    if (!p || p.type !== 'stock-count') throw notFound('stock count', id);
    return p;
  };
  /** the warehouse of a count id, to turn bin codes into locations */
  const warehouseOf = (id: string) => {
    const parsed = parseProcessId(id);
    if (parsed?.type !== 'stock-count') throw notFound('stock count', id);
    return parsed.parts[0]!;
  };

  return [
    defineRoute({
      method: 'post', path: '/stock-counts', summary: 'Open a stock count', roles: ['warehouse', 'finance'],
      body: z.strictObject({
        warehouse, countNo: key(), zone: key().nullable().optional(), bins: z.array(key()).min(1).max(2000).nullable().optional(),
      }),
      example: { warehouse: 'NEW', countNo: 'C-2026-12-A', zone: 'A' },
      handler: async ({ body, actor }) => {
        const id = processId('stock-count', body.warehouse, body.countNo);
        const handle = ctx.temporal.workflow.getHandle(id);
        try {
          await ctx.temporal.workflow.start('stockCountWorkflow', {
            taskQueue: ctx.config.taskQueue, workflowId: id, args: [{ ...body, actor: actor.id }],
            // a count refused at opening may be tried again under its number; a count that ran may not
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          const existing = await getProcess(ctx.orm.em.fork(), id);
          if (existing) return { body: existing };
        }
        await handle.executeUpdate(countOpenedUpdate);
        return { status: 201, body: await readCount(id), headers: { location: `/stock-counts/${encodeURIComponent(id)}` } };
      },
    }),

    defineRoute({
      method: 'post', path: '/stock-counts/:id/lines', summary: 'Report counted bins', roles: ['warehouse'],
      params: idParam,
      body: z.strictObject({
        lines: z.array(z.strictObject({ bin: key(), partNo: key(), quantity: z.number().int().min(0).max(1_000_000) })).min(1).max(5000),
      }),
      example: { lines: [{ bin: 'A-01', partNo: 'BP-100', quantity: 12 }] },
      handler: async ({ params, body, actor }) => {
        const wh = warehouseOf(params.id);
        await ctx.temporal.workflow.getHandle(params.id).executeUpdate(countLinesUpdate, {
          args: [{ lines: body.lines.map((l) => ({ location: `${wh}/${l.bin}`, partNo: l.partNo, quantity: l.quantity })), actor: actor.id }],
        });
        return { body: await readCount(params.id) };
      },
    }),

    defineRoute({
      method: 'post', path: '/stock-counts/:id/approval', summary: 'Approve count variances or ask for a recount', roles: ['finance'],
      params: idParam,
      body: z.strictObject({ decision: z.enum(['approve', 'recount']), bins: z.array(key()).max(2000).optional(), note: text().optional() }),
      example: { decision: 'approve', note: 'checked against the picking lists' },
      handler: async ({ params, body, actor }) => {
        const wh = warehouseOf(params.id);
        await ctx.temporal.workflow.getHandle(params.id).executeUpdate(countApprovalUpdate, {
          args: [{ decision: body.decision, bins: body.bins?.map((b) => `${wh}/${b}`) ?? null, note: body.note ?? null, actor: actor.id }],
        });
        return { body: await readCount(params.id) };
      },
    }),

    defineRoute({
      method: 'get', path: '/stock-counts/:id', summary: 'Read a stock count', roles: READERS,
      params: idParam,
      handler: async ({ params }) => ({ body: await readCount(params.id) }),
    }),

    defineRoute({
      method: 'get', path: '/bins/:bin/card', exampleParams: { bin: 'NEW~A-01' }, summary: 'Read the daily record card of a bin', roles: READERS,
      // a bin is named WAREHOUSE~BIN in the path (NEW~A-01), since its location code has a slash
      params: z.strictObject({ bin: z.string().min(3).max(80) }),
      query: z.strictObject({ date: isoDate.optional() }),
      handler: async ({ params, query }) => {
        const location = locationFromBinRef(params.bin);
        const em = ctx.orm.em.fork();
        const [known] = await em.execute('select 1 from location where code = ? and physical', [location]);
        if (!known) throw notFound('bin', location);
        return { body: await binCard(em, location, query.date ?? ctx.ledger.businessDate(new Date())) };
      },
    }),
  ];
}
