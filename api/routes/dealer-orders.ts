import { createHash, randomUUID } from 'node:crypto';

import {
  ApplicationFailure, WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type WorkflowHandle,
} from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';

import { CREDIT_HOLD_LIFTED_SIGNAL, ordersWaitingForCredit, setCreditHold } from '../../db/credit-hold.ts';
import { FINAL_STATUSES, priceOrderLines, setPartPrice } from '../../db/dealer-orders.ts';
import { formatMinor, parseDecimal } from '../../db/money.ts';
import { processFromRow } from '../../db/processes.ts';
import { getDaySeconds, REAL_DAY_SECONDS } from '../../db/settings.ts';
import { inTransaction } from '../../db/tx.ts';
import { processId } from '../../workflows/ids.ts';
import type { dealerOrderWorkflow } from '../../workflows/dealer-order.ts';
import { cancelUpdate, openedUpdate, pickUpdate, receiptUpdate, resolveDiscrepancyUpdate, shipUpdate } from '../../workflows/dealer-order.ts';
import { assertDealerScope, type Actor } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../errors.ts';
import { currency, decimalAmount, defineRoute, key, quantity, text } from '../route.ts';

// Dealer order fulfilment (DESIGN.md P1) over HTTP. Reads come from the process table and the
// order's own tables; human steps are updates of the order's workflow.

const READERS = ['dealer', 'back-office', 'warehouse', 'dispatcher', 'finance', 'customer-service', 'auditor'] as const;
type Row = Record<string, unknown>;
const n = (v: unknown) => Number(v ?? 0);
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date).toISOString());

const orderId = z.strictObject({ id: z.string().min(1).max(200) });
const count = z.number().int('must be a whole number').min(0, 'must not be negative').max(1_000_000);
const orderBody = z.strictObject({
  dealerId: key(),
  orderNo: key(),
  lines: z.array(z.strictObject({ partNo: key(), quantity })).min(1, 'an order needs at least one line').max(200),
}).superRefine((o, ctx) => {
  const seen = new Set<string>();
  o.lines.forEach((l, i) => {
    if (seen.has(l.partNo)) ctx.addIssue({ code: 'custom', path: ['lines', i, 'partNo'], message: `${l.partNo} is on more than one line; put it on one line` });
    seen.add(l.partNo);
  });
});

// the whole order in one round trip: the process row, its timeline and its documents as JSON
const VIEW_SQL = `
  select p.*,
    (select coalesce(json_agg(json_build_object('step', t.step, 'actor', t.actor, 'at', t.at, 'detail', t.detail) order by t.id), '[]')
       from process_step t where t.process_id = p.id) as timeline,
    (select coalesce(json_agg(json_build_object('line', to_jsonb(l) - 'unit_price_minor', 'unitPrice', l.unit_price_minor::text) order by l.line_no), '[]')
       from dealer_order_line l where l.order_id = p.id) as lines,
    (select coalesce(json_agg(json_build_object('list', to_jsonb(pl), 'lines',
        (select coalesce(json_agg(json_build_object('bin', x.bin, 'partNo', x.part_no, 'quantity', x.quantity) order by x.line_no), '[]')
           from picking_list_line x where x.picking_list_no = pl.picking_list_no))
      order by pl.issued_at, pl.picking_list_no), '[]') from picking_list pl where pl.order_id = p.id) as picking_lists,
    (select coalesce(json_agg(json_build_object('shipment', to_jsonb(sh) - 'amount_minor', 'amount', sh.amount_minor::text, 'lines',
        (select coalesce(json_agg(to_jsonb(x) order by x.order_line_no), '[]') from shipment_line x where x.shipment_no = sh.shipment_no))
      order by sh.shipped_at, sh.shipment_no), '[]') from shipment sh where sh.order_id = p.id) as shipments,
    (select coalesce(json_agg(to_jsonb(f) order by f.id), '[]') from purchase_follow_up f where f.order_id = p.id) as follow_ups
  from process p where p.id = ? and p.type = 'dealer-order'`;

/** the order as the back office and the dealer see it */
export async function dealerOrderView(em: EntityManager, id: string) {
  const [row] = await em.execute(VIEW_SQL, [id]);
  if (!row) return null;
  const process = processFromRow(row);
  return {
    id, orderNo: process.summary.orderNo, dealerId: process.dealerId, status: process.status,
    amount: process.amountMinor === null ? null : { amount: formatMinor(process.amountMinor), currency: process.currency },
    lines: (row.lines as { line: Row; unitPrice: string }[]).map(({ line: l, unitPrice }) => ({
      lineNo: n(l.line_no), partNo: l.part_no, unitPrice: { amount: formatMinor(unitPrice), currency: l.currency },
      ordered: n(l.ordered), reserved: n(l.reserved), backordered: n(l.backordered), picked: n(l.picked), shipped: n(l.shipped),
      received: n(l.received), damaged: n(l.damaged), cancelled: n(l.cancelled), reshipDue: n(l.reship),
    })),
    pickingLists: (row.picking_lists as { list: Row; lines: unknown[] }[]).map(({ list: p, lines }) => ({
      pickingListNo: p.picking_list_no, status: p.status, issuedAt: iso(p.issued_at), pickedAt: iso(p.picked_at), pickedBy: p.picked_by, lines,
    })),
    shipments: (row.shipments as { shipment: Row; amount: string; lines: Row[] }[]).map(({ shipment: s, amount, lines }) => ({
      shipmentNo: s.shipment_no, pickingListNo: s.picking_list_no, status: s.status, carrier: s.carrier, consignmentNo: s.consignment_no,
      shippedAt: iso(s.shipped_at), shippedBy: s.shipped_by, invoiceNo: s.invoice_no,
      amount: { amount: formatMinor(amount), currency: s.currency },
      receivedAt: iso(s.received_at), receiptAssumed: Boolean(s.receipt_assumed), remindedAt: iso(s.reminded_at),
      lines: lines.map((l) => ({ partNo: l.part_no, shipped: n(l.shipped), reshipped: n(l.reshipped), received: n(l.received), damaged: n(l.damaged) })),
    })),
    purchaseFollowUps: (row.follow_ups as Row[]).map((f) => ({
      id: String(f.id), lineNo: n(f.order_line_no), partNo: f.part_no, quantity: n(f.quantity), supplierId: f.supplier_id,
      raisedAt: iso(f.raised_at), status: f.status, closedAt: iso(f.closed_at),
    })),
    createdAt: iso(process.createdAt), updatedAt: iso(process.updatedAt),
    timeline: (row.timeline as { step: string; actor: string; at: string; detail: Record<string, unknown> }[])
      .map((t) => ({ step: t.step, actor: t.actor, at: iso(t.at), detail: t.detail ?? {} })),
  };
}

/** who owns the order and where it stands: what a step route checks before it acts */
async function orderHead(em: EntityManager, id: string): Promise<{ dealerId: string | null; status: string } | null> {
  const [row] = await em.execute(`select dealer_id, status from process where id = ? and type = 'dealer-order'`, [id]);
  return row ? { dealerId: row.dealer_id === null ? null : String(row.dealer_id), status: String(row.status) } : null;
}

/** a policy day shorter than a real one, when the simulation time scale says so */
async function scaledPolicy(em: EntityManager): Promise<{ policy?: { dayMs: number } }> {
  const daySeconds = await getDaySeconds(em);
  return daySeconds === REAL_DAY_SECONDS ? {} : { policy: { dayMs: daySeconds * 1000 } };
}

/**
 * Runs an update that names a document (picking list, shipment). The tables show a document as
 * soon as the activity that made it commits; the workflow learns of it a moment later, when the
 * activity reports. A client that saw the document and acted at once is not refused for that
 * moment: while the workflow says "not one of this order's" and the tables say it is, wait.
 */
async function catchingUp<T>(run: () => Promise<T>, documentExists: () => Promise<boolean>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const code = err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure ? err.cause.type : null;
      if (code !== 'not-found' || attempt >= 50 || !(await documentExists())) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** a receipt as recorded against one reported again: parts left out count as none received */
function sameReceipt(recorded: { partNo: unknown; received: number; damaged: number }[], reported: { partNo: string; received: number; damaged: number }[]) {
  if (reported.some((r) => !recorded.some((x) => x.partNo === r.partNo)) || new Set(reported.map((r) => r.partNo)).size !== reported.length) return false;
  return recorded.every((x) => {
    const r = reported.find((l) => l.partNo === x.partNo);
    return (r?.received ?? 0) === x.received && (r?.damaged ?? 0) === x.damaged;
  });
}

const fingerprint = (lines: { partNo: string; quantity: number }[]) =>
  createHash('sha256').update(JSON.stringify(lines.map((l) => [l.partNo, l.quantity]))).digest('hex');

export function dealerOrderRoutes(ctx: ApiContext) {
  const read = () => ctx.orm.em.fork();

  async function viewOrThrow(id: string, actor: Actor) {
    const view = await dealerOrderView(read(), id);
    if (!view) throw new HttpError(404, 'not-found', `no dealer order ${id}`);
    assertDealerScope(actor, view.dealerId, 'dealer order');
    return view;
  }

  /** the handle of a running order, or 409 when it has finished */
  async function openOrder(id: string, actor: Actor): Promise<WorkflowHandle<typeof dealerOrderWorkflow>> {
    const head = await orderHead(read(), id);
    if (!head) throw new HttpError(404, 'not-found', `no dealer order ${id}`);
    assertDealerScope(actor, head.dealerId, 'dealer order');
    if (FINAL_STATUSES.includes(head.status)) {
      throw new HttpError(409, 'order-closed', `dealer order ${id} is ${head.status}; ${head.status === 'completed' ? 'file a return instead' : 'it takes no more steps'}`);
    }
    return ctx.temporal.workflow.getHandle<typeof dealerOrderWorkflow>(id);
  }

  return [
    defineRoute({
      method: 'post', path: '/dealer-orders', summary: 'Submit a dealer order', roles: ['dealer', 'back-office'],
      body: orderBody,
      example: { dealerId: 'D-100', orderNo: 'PO-2026-0042', lines: [{ partNo: 'BP-200', quantity: 4 }] },
      handler: async ({ body, actor }) => {
        assertDealerScope(actor, body.dealerId, 'dealer');
        // the document numbers (picking list, shipment, invoice) are built from both
        if (encodeURIComponent(body.dealerId).length + encodeURIComponent(body.orderNo).length > 80) {
          throw new HttpError(400, 'invalid-request', 'orderNo: together with dealerId it must be at most 80 characters', { field: 'orderNo' });
        }
        const id = processId('dealer-order', body.dealerId, body.orderNo);
        const location = `/dealer-orders/${encodeURIComponent(id)}`;
        const print = fingerprint(body.lines);
        // bad lines are refused before anything starts; the workflow checks them again
        await priceOrderLines(read(), body.dealerId, body.lines);
        // the start and the submission's answer in one call: the answer comes once the order has
        // been credit-checked and allocated (or put on hold), so the client need not ask again
        const start = new WithStartWorkflowOperation<typeof dealerOrderWorkflow>('dealerOrderWorkflow', {
          taskQueue: ctx.config.taskQueue, workflowId: id, workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY', workflowIdConflictPolicy: 'USE_EXISTING',
          memo: { lines: print }, args: [{ dealerId: body.dealerId, orderNo: body.orderNo, lines: body.lines, actor: actor.id, ...(await scaledPolicy(read())) }],
        });
        let first: boolean;
        try {
          ({ first } = await ctx.temporal.workflow.executeUpdateWithStart(openedUpdate, { args: [{ lines: body.lines }], startWorkflowOperation: start }));
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          // the order has ended: the same order again is answered as it stands
          const earlier = await ctx.temporal.workflow.getHandle(id).describe();
          if (earlier.memo?.lines !== print) {
            throw new HttpError(409, 'order-number-taken', `order ${body.orderNo} of dealer ${body.dealerId} was submitted with other lines`, { orderNo: body.orderNo });
          }
          first = false;
        }
        const view = await dealerOrderView(read(), id);
        return { status: first ? 201 : 200, headers: { location }, body: view ?? { id, status: 'submitted' } };
      },
    }),

    defineRoute({
      method: 'get', path: '/dealer-orders/:id', summary: 'Read a dealer order', roles: READERS, params: orderId,
      handler: async ({ params, actor }) => ({ body: await viewOrThrow(params.id, actor) }),
    }),

    defineRoute({
      method: 'post', path: '/dealer-orders/:id/picks', summary: 'Confirm a pick against its picking list', roles: ['warehouse'], params: orderId,
      body: z.strictObject({
        pickingListNo: key(200),
        lines: z.array(z.strictObject({ bin: key(80), partNo: key(), quantity })).min(1).max(500),
      }),
      example: { pickingListNo: 'PL-D-100/PO-2026-0042-1', lines: [{ bin: 'NEW/A-01', partNo: 'BP-200', quantity: 4 }] },
      handler: async ({ params, body, actor }) => {
        const handle = await openOrder(params.id, actor);
        await catchingUp(() => handle.executeUpdate(pickUpdate, { args: [{ actor: actor.id, ...body }] }),
          async () => (await viewOrThrow(params.id, actor)).pickingLists.some((l) => l.pickingListNo === body.pickingListNo));
        return { body: await viewOrThrow(params.id, actor) };
      },
    }),

    defineRoute({
      method: 'post', path: '/dealer-orders/:id/shipments', summary: 'Ship a picked picking list', roles: ['dispatcher'], params: orderId,
      body: z.strictObject({ pickingListNo: key(200), carrier: text(100).min(1), consignmentNo: key(100) }),
      example: { pickingListNo: 'PL-D-100/PO-2026-0042-1', carrier: 'SF Express', consignmentNo: 'SF1234567890' },
      handler: async ({ params, body, actor }) => {
        const handle = await openOrder(params.id, actor);
        const shipped = await catchingUp(() => handle.executeUpdate(shipUpdate, { args: [{ actor: actor.id, ...body }] }),
          async () => (await viewOrThrow(params.id, actor)).pickingLists.some((l) => l.pickingListNo === body.pickingListNo));
        return { status: 201, body: { shipmentNo: shipped.shipmentNo, invoiceNo: shipped.invoiceNo, order: await viewOrThrow(params.id, actor) } };
      },
    }),

    defineRoute({
      method: 'post', path: '/dealer-orders/:id/receipt', summary: 'Confirm the receipt of a shipment', roles: ['dealer', 'back-office'], params: orderId,
      body: z.strictObject({
        shipmentNo: key(200),
        lines: z.array(z.strictObject({ partNo: key(), received: count, damaged: count.default(0) })).min(1).max(500),
      }),
      example: { shipmentNo: 'SH-D-100/PO-2026-0042-1', lines: [{ partNo: 'BP-200', received: 4, damaged: 1 }] },
      handler: async ({ params, body, actor }) => {
        try {
          const handle = await openOrder(params.id, actor);
          await catchingUp(() => handle.executeUpdate(receiptUpdate, { args: [{ actor: actor.id, ...body }] }),
            async () => (await viewOrThrow(params.id, actor)).shipments.some((x) => x.shipmentNo === body.shipmentNo));
        } catch (err) {
          // the same receipt again (a client retrying after an answer it did not get, maybe after
          // it completed the order) answers the order as it is: the effect of one (DESIGN.md §6)
          const view = await viewOrThrow(params.id, actor).catch(() => null);
          const done = view?.shipments.find((x) => x.shipmentNo === body.shipmentNo);
          if (view && done && done.status !== 'in-transit' && !done.receiptAssumed && sameReceipt(done.lines, body.lines)) return { body: view };
          throw err;
        }
        return { body: await viewOrThrow(params.id, actor) };
      },
    }),

    defineRoute({
      method: 'post', path: '/dealer-orders/:id/discrepancies', summary: 'Resolve the discrepancy of a shipment', roles: ['back-office'], params: orderId,
      body: z.strictObject({ shipmentNo: key(200), resolution: z.enum(['credit', 're-ship']) }),
      example: { shipmentNo: 'SH-D-100/PO-2026-0042-1', resolution: 'credit' },
      handler: async ({ params, body, actor }) => {
        const handle = await openOrder(params.id, actor);
        await handle.executeUpdate(resolveDiscrepancyUpdate, { args: [{ actor: actor.id, ...body }] });
        return { body: await viewOrThrow(params.id, actor) };
      },
    }),

    defineRoute({
      method: 'post', path: '/dealer-orders/:id/cancel', summary: 'Cancel what has not shipped of a dealer order', roles: ['dealer', 'back-office'], params: orderId,
      body: z.strictObject({ reason: text(500).optional() }),
      example: { reason: 'ordered twice' },
      handler: async ({ params, body, actor }) => {
        const view = await viewOrThrow(params.id, actor);
        if (view.status === 'completed') {
          throw new HttpError(409, 'already-shipped', 'the goods of this order have shipped; it cannot be cancelled, file a return instead');
        }
        // cancelled already: a cancel sent twice has the effect of one (DESIGN.md §6)
        if (view.status === 'cancelled') return { body: view };
        const handle = ctx.temporal.workflow.getHandle<typeof dealerOrderWorkflow>(params.id);
        await handle.executeUpdate(cancelUpdate, { args: [{ actor: actor.id, reason: body.reason ?? null }] });
        return { body: await viewOrThrow(params.id, actor) };
      },
    }),

    defineRoute({
      method: 'put', path: '/dealers/:id/credit-hold', summary: 'Set or lift the credit hold of a dealer', roles: ['back-office'],
      params: z.strictObject({ id: key() }),
      body: z.strictObject({ onHold: z.boolean(), reason: text(500).min(1).optional() }).refine((b) => !b.onHold || b.reason, { message: 'a hold needs a reason', path: ['reason'] }),
      example: { onHold: true, reason: 'invoice INV-1 is 45 days overdue' },
      handler: async ({ params, body, actor }) => {
        const result = await inTransaction(ctx.orm, (em) => setCreditHold(em, {
          dealerId: params.id, onHold: body.onHold, reason: body.reason ?? null, actor: actor.id, key: `dealer:${params.id}:credit-hold:${randomUUID()}`,
        }));
        if (!body.onHold) {
          for (const waiting of await ordersWaitingForCredit(read(), params.id)) {
            await ctx.temporal.workflow.getHandle(waiting).signal(CREDIT_HOLD_LIFTED_SIGNAL).catch((err: Error) => {
              if (err.name !== 'WorkflowNotFoundError') throw err;
            });
          }
        }
        return { body: { dealerId: params.id, onHold: result.onHold, changed: result.changed } };
      },
    }),

    defineRoute({
      method: 'put', path: '/parts/:partNo/prices/:currency', exampleParams: { partNo: 'BP-200', currency: 'CNY' }, summary: 'Set the dealer price of a part', roles: ['back-office'],
      params: z.strictObject({ partNo: key(), currency }),
      body: z.strictObject({ unitPrice: decimalAmount }),
      example: { unitPrice: '129.50' },
      handler: async ({ params, body, actor }) => {
        const minor = parseDecimal(body.unitPrice, 'unitPrice');
        if (minor <= 0n) throw new HttpError(400, 'invalid-request', 'unitPrice: must be greater than zero');
        return { body: await inTransaction(ctx.orm, (em) => setPartPrice(em, { partNo: params.partNo, currency: params.currency, unitPriceMinor: minor, actor: actor.id })) };
      },
    }),
  ];
}
