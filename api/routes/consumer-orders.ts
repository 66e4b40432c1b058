import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';

import { REFUND_ROUTES } from '../../db/accounts.ts';
import { getConsumerOrder, orderHash, type OrderInput } from '../../db/consumer.ts';
import { parseDecimal } from '../../db/money.ts';
import { getProcess } from '../../db/processes.ts';
import { inTransaction } from '../../db/tx.ts';
import {
  cancelOrderUpdate, carrierEventSignal, consumerOrderWorkflow, placeOrderUpdate, priceProtectionUpdate, requestReturnUpdate,
} from '../../workflows/consumer-order.ts';
import { bookPickupUpdate, confirmRefundAccountUpdate, inspectReturnUpdate, reviewReturnUpdate } from '../../workflows/consumer-return.ts';
import { refundAnsweredSignal } from '../../workflows/consumer-support.ts';
import { parseProcessId, processId } from '../../workflows/ids.ts';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../errors.ts';
import { currency, decimalAmount, defineRoute, instant, isoDate, quantity, text } from '../route.ts';

// Consumer orders, returns and refunds (DESIGN.md P3, issue 6). Customer service files and
// drives orders and returns; the warehouse books pickups and inspects; finance confirms refund
// accounts and is the role of the payment provider's key for POST /payment-events. Carrier events
// come from the storefront's carrier integration with a customer-service or dispatcher key.

const SERVICE = ['customer-service'] as const;
const READERS = ['customer-service', 'back-office', 'finance', 'warehouse', 'auditor'] as const;
/** order and customer ids name ledger accounts, so they keep to the account owner alphabet */
const ownerKey = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits and . _ - only, at most 64');
const returnId = z.string().max(300).refine((s) => parseProcessId(s)?.type === 'consumer-return', 'must be the id of a consumer return');

const orderBody = z.strictObject({
  orderNo: ownerKey,
  customerId: ownerKey,
  placedAt: instant,
  payment: z.strictObject({ route: z.enum(REFUND_ROUTES), amount: decimalAmount, currency, account: z.string().min(1).max(100).optional() }),
  lines: z.array(z.strictObject({
    lineNo: z.number().int().positive().max(10_000), sku: ownerKey, category: z.string().min(1).max(60).regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and -'),
    quantity, unitPrice: decimalAmount,
  })).min(1).max(200),
  /** where the goods were delivered; pickup is booked only inside the self-operated area */
  address: z.strictObject({ city: text(100).min(1), postcode: text(20).optional() }).optional(),
}).refine((o) => new Set(o.lines.map((l) => l.lineNo)).size === o.lines.length, { message: 'line numbers must be unique', path: ['lines'] })
  .refine((o) => !['company-transfer', 'cheque'].includes(o.payment.route) || o.payment.account, { message: 'the paying company\'s account is required for this route', path: ['payment', 'account'] });

function toOrder(b: z.infer<typeof orderBody>): OrderInput {
  const order: OrderInput = {
    orderNo: b.orderNo, customerId: b.customerId, placedAt: new Date(b.placedAt).toISOString(),
    payment: { route: b.payment.route, amountMinor: Number(parseDecimal(b.payment.amount)), currency: b.payment.currency, account: b.payment.account ?? null },
    lines: b.lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, category: l.category, quantity: l.quantity, unitPriceMinor: Number(parseDecimal(l.unitPrice, 'unitPrice')) })),
    address: b.address ? { city: b.address.city, postcode: b.address.postcode ?? null } : null,
  };
  const gross = order.lines.reduce((s, l) => s + l.unitPriceMinor * l.quantity, 0);
  if (order.payment.amountMinor > gross) throw new HttpError(400, 'invalid-request', 'payment.amount: must not exceed the sum of the lines');
  return order;
}

export function consumerOrderRoutes(ctx: ApiContext) {
  const orderId = (orderNo: string) => processId('consumer-order', orderNo);
  const read = (orderNo: string) => getConsumerOrder(ctx.orm.em.fork(), orderNo);
  const orderView = async (orderNo: string) => {
    const order = await read(orderNo);
    if (!order) throw new HttpError(404, 'not-found', `consumer order ${orderNo} was not found`);
    const process = await getProcess(ctx.orm.em.fork(), orderId(orderNo));
    return { ...order, id: orderId(orderNo), timeline: process?.timeline ?? [] };
  };
  /** an update to a live order process; a closed or unknown one answers 409 or 404 */
  const orderUpdate = async <R>(orderNo: string, run: (h: ReturnType<typeof ctx.temporal.workflow.getHandle>) => Promise<R>) => {
    const order = await read(orderNo);
    if (!order) throw new HttpError(404, 'not-found', `consumer order ${orderNo} was not found`);
    const handle = ctx.temporal.workflow.getHandle(orderId(orderNo));
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') throw new HttpError(409, 'order-closed', `consumer order ${orderNo} is ${String(order.status)} and its process is closed`);
    return run(handle);
  };
  const returnUpdate = async <R>(id: string, run: (h: ReturnType<typeof ctx.temporal.workflow.getHandle>) => Promise<R>) => {
    const process = await getProcess(ctx.orm.em.fork(), id);
    if (!process) throw new HttpError(404, 'not-found', `return ${id} was not found`);
    const handle = ctx.temporal.workflow.getHandle(id);
    if ((await handle.describe()).status.name !== 'RUNNING') throw new HttpError(409, 'return-closed', `return ${id} is ${process.status}`);
    return run(handle);
  };

  return [
    defineRoute({
      method: 'post', path: '/consumer-orders', summary: 'Record a consumer order placed by the storefront', roles: SERVICE, body: orderBody,
      example: {
        orderNo: 'C-1001', customerId: 'CU-7', placedAt: '2026-12-01T10:00:00+08:00', payment: { route: 'card', amount: '100.00', currency: 'CNY' },
        lines: [{ lineNo: 1, sku: 'P-100', category: 'ordinary', quantity: 3, unitPrice: '33.34' }], address: { city: 'Shanghai' },
      },
      handler: async ({ body, actor }) => {
        const order = toOrder(body);
        const [existing] = await ctx.orm.em.fork().execute('select content_hash from consumer_order where order_no = ?', [order.orderNo]);
        if (existing) {
          if (existing.content_hash !== orderHash(order)) throw new HttpError(409, 'order-exists', `consumer order ${order.orderNo} exists with different content`);
          return { status: 200, body: await orderView(order.orderNo) };
        }
        try {
          const handle = await ctx.temporal.workflow.start(consumerOrderWorkflow, {
            taskQueue: ctx.config.taskQueue, workflowId: orderId(order.orderNo), args: [{ orderNo: order.orderNo }],
            workflowIdConflictPolicy: 'USE_EXISTING', workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
          await handle.executeUpdate(placeOrderUpdate, { args: [{ order, actor: actor.id }] });
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) throw new HttpError(409, 'order-closed', `consumer order ${order.orderNo} has a closed process`);
          throw err;
        }
        return { status: 201, body: await orderView(order.orderNo) };
      },
    }),

    defineRoute({
      method: 'post', path: '/consumer-orders/:id/events', summary: 'Record a carrier event of a consumer order', roles: [...SERVICE, 'dispatcher'],
      params: z.strictObject({ id: ownerKey }),
      body: z.strictObject({ eventId: z.string().min(1).max(100), type: z.enum(['shipped', 'delivered', 'refused']), at: instant }),
      example: { eventId: 'EV-1', type: 'shipped', at: '2026-12-02T09:00:00+08:00' },
      handler: async ({ params, body }) => {
        // recorded first, then routed; an event for an order not placed yet starts its process
        const rows = await inTransaction(ctx.orm, (em) => em.execute(
          'insert into consumer_event (event_id, order_no, type, at, received_at) values (?, ?, ?, ?, ?) on conflict (event_id) do nothing returning event_id',
          [body.eventId, params.id, body.type, new Date(body.at), new Date()]));
        const duplicate = rows.length === 0;
        try {
          await ctx.temporal.workflow.signalWithStart(consumerOrderWorkflow, {
            taskQueue: ctx.config.taskQueue, workflowId: orderId(params.id), args: [{ orderNo: params.id }],
            signal: carrierEventSignal, signalArgs: [{ eventId: body.eventId, type: body.type, at: new Date(body.at).toISOString() }],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          return { status: 200, body: { eventId: body.eventId, duplicate, routed: false, reason: 'the order process is closed; the event is recorded only' } };
        }
        return { status: 202, body: { eventId: body.eventId, duplicate, routed: true } };
      },
    }),

    defineRoute({
      method: 'post', path: '/consumer-orders/:id/cancel', summary: 'Cancel a consumer order', roles: SERVICE,
      params: z.strictObject({ id: ownerKey }), body: z.strictObject({}), example: {},
      handler: async ({ params, actor }) => {
        const order = await read(params.id);
        if (order?.status === 'cancelled') return { body: await orderView(params.id) };
        const r = await orderUpdate(params.id, (h) => h.executeUpdate(cancelOrderUpdate, { args: [{ actor: actor.id }] }));
        return { body: { ...(await orderView(params.id)), cancellation: r } };
      },
    }),

    defineRoute({
      method: 'post', path: '/consumer-orders/:id/returns', summary: 'File a consumer return request', roles: SERVICE,
      params: z.strictObject({ id: ownerKey }),
      body: z.strictObject({
        requestNo: ownerKey, lines: z.array(z.strictObject({ lineNo: z.number().int().positive(), quantity })).min(1).max(200),
        reason: text(500).min(1), quality: z.boolean(), refundTo: z.enum(['original', 'store-balance']).default('original'),
      }).refine((b) => new Set(b.lines.map((l) => l.lineNo)).size === b.lines.length, { message: 'line numbers must be unique', path: ['lines'] }),
      example: { requestNo: 'R-1', lines: [{ lineNo: 1, quantity: 1 }], reason: 'does not fit', quality: false },
      handler: async ({ params, body, actor }) => {
        const r = await orderUpdate(params.id, (h) => h.executeUpdate(requestReturnUpdate, { args: [{ ...body, actor: actor.id }] }));
        return { status: 201, body: await getProcess(ctx.orm.em.fork(), r.returnId) };
      },
    }),

    defineRoute({
      method: 'post', path: '/returns/:id/review', exampleParams: { id: 'consumer-return:SO-1001:R-1' }, summary: 'Review a quality complaint before pickup', roles: SERVICE,
      params: z.strictObject({ id: returnId }), body: z.strictObject({ decision: z.enum(['accepted', 'rejected']), note: text(500) }),
      example: { decision: 'accepted', note: 'photos show a cracked housing on arrival' },
      handler: async ({ params, body, actor }) => ({ body: await returnUpdate(params.id, (h) => h.executeUpdate(reviewReturnUpdate, { args: [{ ...body, actor: actor.id }] })) }),
    }),
    defineRoute({
      method: 'post', path: '/returns/:id/pickup', exampleParams: { id: 'consumer-return:SO-1001:R-1' }, summary: 'Book the pickup of a return', roles: ['warehouse', ...SERVICE],
      params: z.strictObject({ id: returnId }), body: z.strictObject({ date: isoDate, slot: z.enum(['morning', 'afternoon', 'evening']) }),
      example: { date: '2026-12-08', slot: 'morning' },
      handler: async ({ params, body, actor }) => ({ body: await returnUpdate(params.id, (h) => h.executeUpdate(bookPickupUpdate, { args: [{ ...body, actor: actor.id }] })) }),
    }),
    defineRoute({
      method: 'post', path: '/returns/:id/inspection', exampleParams: { id: 'consumer-return:SO-1001:R-1' }, summary: 'Record the inspection of returned goods', roles: ['warehouse'],
      params: z.strictObject({ id: returnId }),
      body: z.strictObject({
        lines: z.array(z.strictObject({
          lineNo: z.number().int().positive(), restock: z.number().int().min(0), damaged: z.number().int().min(0), rejected: z.number().int().min(0),
        })).min(1).max(200),
      }),
      example: { lines: [{ lineNo: 1, restock: 1, damaged: 0, rejected: 0 }] },
      handler: async ({ params, body, actor }) => ({ body: await returnUpdate(params.id, (h) => h.executeUpdate(inspectReturnUpdate, { args: [{ ...body, actor: actor.id }] })) }),
    }),
    defineRoute({
      method: 'post', path: '/returns/:id/refund-account', exampleParams: { id: 'consumer-return:SO-1001:R-1' }, summary: 'Confirm the company account a transfer or cheque refund goes to', roles: ['finance'],
      params: z.strictObject({ id: returnId }), body: z.strictObject({ account: z.string().min(1).max(100) }),
      example: { account: 'CN-ICBC-6222020200000000' },
      handler: async ({ params, body, actor }) => ({ body: await returnUpdate(params.id, (h) => h.executeUpdate(confirmRefundAccountUpdate, { args: [{ ...body, actor: actor.id }] })) }),
    }),
    defineRoute({
      method: 'get', path: '/returns/:id', exampleParams: { id: 'consumer-return:SO-1001:R-1' }, summary: 'Read a consumer return', roles: READERS, params: z.strictObject({ id: returnId }),
      handler: async ({ params }) => {
        const process = await getProcess(ctx.orm.em.fork(), params.id);
        if (!process) throw new HttpError(404, 'not-found', `return ${params.id} was not found`);
        return { body: process };
      },
    }),

    defineRoute({
      method: 'post', path: '/payment-events', summary: 'Record the payment provider\'s answer to a refund instruction', roles: ['finance'],
      body: z.strictObject({ eventId: z.string().min(1).max(100), refundId: z.string().min(1).max(300), status: z.enum(['settled', 'failed']) }),
      example: { eventId: 'PSP-EVT-0001', refundId: 'consumer-return:SO-1001:R-1:refund', status: 'settled' },
      handler: async ({ body }) => {
        const em = ctx.orm.em.fork();
        const [refund] = await em.execute('select process_id from consumer_refund where refund_id = ?', [body.refundId]);
        if (!refund) throw new HttpError(404, 'not-found', `refund ${body.refundId} was not found`);
        const rows = await inTransaction(ctx.orm, (tx) => tx.execute(
          'insert into payment_event (event_id, refund_id, status, received_at) values (?, ?, ?, ?) on conflict (event_id) do nothing returning event_id',
          [body.eventId, body.refundId, body.status, new Date()]));
        // routed again when it is a duplicate, in case the first delivery failed after recording;
        // the process counts each event id once
        try {
          await ctx.temporal.workflow.getHandle(String(refund.process_id)).signal(refundAnsweredSignal, body);
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
        return { status: 202, body: { eventId: body.eventId, duplicate: rows.length === 0 } };
      },
    }),

    defineRoute({
      method: 'post', path: '/price-changes', summary: 'Record a price change of a storefront item', roles: [...SERVICE, 'back-office'],
      body: z.strictObject({ sku: ownerKey, price: decimalAmount, currency, effectiveAt: instant }),
      example: { sku: 'SKU-BRAKE-PAD', price: '89.00', currency: 'CNY', effectiveAt: '2026-12-01T00:00:00+08:00' },
      handler: async ({ body, actor }) => {
        const [row] = await inTransaction(ctx.orm, (em) => em.execute(
          'insert into price_change (sku, price_minor, currency, effective_at, created_at, created_by) values (?, ?, ?, ?, ?, ?) returning id',
          [body.sku, String(parseDecimal(body.price)), body.currency, new Date(body.effectiveAt), new Date(), actor.id]));
        return { status: 201, body: { id: String(row!.id), ...body } };
      },
    }),
    defineRoute({
      method: 'post', path: '/consumer-orders/:id/price-protection', summary: 'Claim price protection for an order line', roles: SERVICE,
      params: z.strictObject({ id: ownerKey }), body: z.strictObject({ lineNo: z.number().int().positive() }),
      example: { lineNo: 1 },
      handler: async ({ params, body, actor }) => {
        const claim = await orderUpdate(params.id, (h) => h.executeUpdate(priceProtectionUpdate, { args: [{ lineNo: body.lineNo, actor: actor.id }] }));
        return { status: 201, body: { ...(await orderView(params.id)), claim } };
      },
    }),
    defineRoute({
      method: 'get', path: '/consumer-orders/:id', summary: 'Read a consumer order', roles: READERS, params: z.strictObject({ id: ownerKey }),
      handler: async ({ params }) => ({ body: await orderView(params.id) }),
    }),

    defineRoute({
      method: 'put', path: '/holidays/:date', summary: 'Add a holiday, when no pickup is booked', roles: ['back-office'],
      params: z.strictObject({ date: isoDate }), body: z.strictObject({ name: text(200).min(1) }),
      example: { name: 'National Day' }, exampleParams: { date: '2026-10-01' },
      handler: async ({ params, body, actor }) => {
        await inTransaction(ctx.orm, (em) => em.execute('insert into holiday (date, name, created_by) values (?, ?, ?) on conflict (date) do update set name = excluded.name',
          [params.date, body.name, actor.id]));
        return { body: { date: params.date, name: body.name } };
      },
    }),
    defineRoute({
      method: 'put', path: '/pickup-areas/:city', summary: 'Add a city to the self-operated delivery area', roles: ['back-office'],
      params: z.strictObject({ city: text(100).min(1) }), body: z.strictObject({}),
      example: {}, exampleParams: { city: 'Shanghai' },
      handler: async ({ params, actor }) => {
        await inTransaction(ctx.orm, (em) => em.execute('insert into pickup_area (city, created_by) values (?, ?) on conflict (city) do nothing', [params.city, actor.id]));
        return { body: { city: params.city } };
      },
    }),
  ];
}
