import { createHash } from 'node:crypto';

import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { z } from 'zod';

import { conflict, notFound, refused } from '../../db/errors.ts';
import { getProcess } from '../../db/processes.ts';
import { alertsOf } from '../../db/warehouse.ts';
import { processId } from '../../workflows/ids.ts';
import {
  receiptCountUpdate, receiptInspectionUpdate, receiptPutawayUpdate, receiptRegisteredUpdate,
} from '../../workflows/inbound-receipt.ts';
import type { ApiContext } from '../context.ts';
import { defineRoute, key, quantity, text } from '../route.ts';

// Inbound receiving (P5): a supplier delivery registered from its delivery note, then counted,
// inspected and put away by the warehouse, each step a workflow update.

const KEEPERS = ['warehouse'] as const;
const READERS = ['warehouse', 'back-office', 'finance', 'auditor'] as const;
const idParam = z.strictObject({ id: z.string().min(1).max(200) });
const location = z.string().regex(/^[A-Z]{1,8}\/[A-Za-z0-9][A-Za-z0-9._\- ]{0,63}$/, 'must be a bin location such as NEW/A-01');
const lineNo = z.number().int().min(1).max(10_000);
const count = z.number().int().min(0).max(1_000_000);

export function inboundReceiptRoutes(ctx: ApiContext) {
  const readReceipt = async (id: string) => {
    const em = ctx.orm.em.fork();
    const p = await getProcess(em, id);
    if (!p || p.type !== 'inbound-receipt') throw notFound('inbound receipt', id);
    return { ...p, notices: await alertsOf(em, id) };
  };
  type Receipt = Awaited<ReturnType<typeof readReceipt>>;
  const step = <T>(path: string, summary: string, body: z.ZodType<T>, example: unknown, run: (id: string, b: T, actor: string) => Promise<unknown>,
    /** the step taken already with this content, where the workflow can no longer say so (it has ended) */
    takenAlready: (r: Receipt, b: T) => boolean = () => false) =>
    defineRoute({
      method: 'post', path, summary, roles: KEEPERS, params: idParam, body, example,
      handler: async ({ params, body: b, actor }) => {
        await readReceipt(params.id);
        try {
          await run(params.id, b as T, actor.id);
        } catch (err) {
          const now = await readReceipt(params.id);
          if (takenAlready(now, b as T)) return { body: now };
          throw err;
        }
        return { body: await readReceipt(params.id) };
      },
    });
  /** the last step again once the receipt has completed: the same bins and quantities per line */
  const samePutaway = (r: Receipt, b: { lines: { lineNo: number; bin: string; quantity: number }[] }) => {
    if (r.status !== 'completed') return false;
    const lines = (r.summary.lines ?? []) as { lineNo: number; putaway?: { location: string; quantity: number }[] }[];
    const key = (xs: { location: string; quantity: number }[]) => JSON.stringify(xs.map((x) => `${x.location}|${x.quantity}`));
    return b.lines.every((p) => lines.some((l) => l.lineNo === p.lineNo))
      && lines.every((l) => key(l.putaway ?? []) === key(b.lines.filter((p) => p.lineNo === l.lineNo).map((p) => ({ location: p.bin, quantity: p.quantity }))));
  };
  const handle = (id: string) => ctx.temporal.workflow.getHandle(id);

  return [
    defineRoute({
      method: 'post', path: '/inbound-receipts', summary: 'Register a supplier delivery', roles: [...KEEPERS, 'back-office'],
      body: z.strictObject({
        supplierId: key(), deliveryNoteNo: key(100),
        lines: z.array(z.strictObject({ partNo: key(), quantity })).min(1).max(500),
      }),
      example: { supplierId: 'ACME', deliveryNoteNo: 'DN-2026-0042', lines: [{ partNo: 'BP-100', quantity: 20 }] },
      handler: async ({ body, actor }) => {
        const em = ctx.orm.em.fork();
        const [supplier] = await em.execute('select id from supplier where id = ?', [body.supplierId]);
        if (!supplier) throw refused('unknown-supplier', `supplier ${body.supplierId} is not in the master data`, { field: 'supplierId' });
        const parts = [...new Set(body.lines.map((l) => l.partNo))];
        const known = await em.execute(`select part_no from part where part_no in (${parts.map(() => '?').join(', ')})`, parts);
        const i = body.lines.findIndex((l) => !known.some((k) => k.part_no === l.partNo));
        if (i >= 0) throw refused('unknown-part', `lines[${i}]: part ${body.lines[i]!.partNo} is not in the master data`, { field: `lines[${i}].partNo` });

        const lines = body.lines.map((l, n) => ({ lineNo: n + 1, partNo: l.partNo, quantity: l.quantity }));
        const contentHash = createHash('sha256').update(JSON.stringify(lines)).digest('hex');
        const id = processId('inbound-receipt', body.supplierId, body.deliveryNoteNo);
        try {
          await ctx.temporal.workflow.start('inboundReceiptWorkflow', {
            taskQueue: ctx.config.taskQueue, workflowId: id, workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            args: [{ supplierId: body.supplierId, deliveryNoteNo: body.deliveryNoteNo, lines, contentHash, actor: actor.id }],
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          await handle(id).executeUpdate(receiptRegisteredUpdate).catch(() => undefined);
          const existing = await readReceipt(id);
          if (existing.summary.contentHash !== contentHash) {
            throw conflict('delivery-note-reused', `delivery note ${body.deliveryNoteNo} of ${body.supplierId} was registered with other lines`, { id });
          }
          return { body: existing };
        }
        await handle(id).executeUpdate(receiptRegisteredUpdate);
        return { status: 201, body: await readReceipt(id), headers: { location: `/inbound-receipts/${encodeURIComponent(id)}` } };
      },
    }),

    step('/inbound-receipts/:id/count', 'Count a delivery against its note',
      z.strictObject({ lines: z.array(z.strictObject({ lineNo, counted: count })).min(1).max(500) }),
      { lines: [{ lineNo: 1, counted: 18 }] },
      (id, b, actor) => handle(id).executeUpdate(receiptCountUpdate, { args: [{ lines: b.lines, actor }] })),

    step('/inbound-receipts/:id/inspection', 'Record the inspection of a delivery',
      z.strictObject({
        lines: z.array(z.strictObject({ lineNo, accepted: count, rejected: count, reason: text(300).min(1).optional() })).min(1).max(500),
      }),
      { lines: [{ lineNo: 1, accepted: 16, rejected: 2, reason: 'cracked housing' }] },
      (id, b, actor) => handle(id).executeUpdate(receiptInspectionUpdate, {
        args: [{ lines: b.lines.map((l) => ({ ...l, reason: l.reason ?? null })), actor }],
      })),

    step('/inbound-receipts/:id/putaway', 'Put away the accepted units of a delivery',
      z.strictObject({ lines: z.array(z.strictObject({ lineNo, bin: location, quantity })).min(1).max(1000) }),
      { lines: [{ lineNo: 1, bin: 'NEW/A-01', quantity: 16 }] },
      (id, b, actor) => handle(id).executeUpdate(receiptPutawayUpdate, {
        args: [{ lines: b.lines.map((l) => ({ lineNo: l.lineNo, location: l.bin, quantity: l.quantity })), actor }],
      }), samePutaway),

    defineRoute({
      method: 'get', path: '/inbound-receipts/:id', summary: 'Read an inbound receipt', roles: READERS, params: idParam,
      handler: async ({ params }) => ({ body: await readReceipt(params.id) }),
    }),
  ];
}
