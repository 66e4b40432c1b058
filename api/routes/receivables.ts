import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';

import type { PaymentRequest } from '../../activities/receivables.ts';
import { checkLadder, LADDER_ACTIONS } from '../../db/arrears.ts';
import { notFound } from '../../db/errors.ts';
import { getDealer } from '../../db/master.ts';
import { parseDecimal, toSafeNumber } from '../../db/money.ts';
import { allArrears, dealerArrears, listInvoices } from '../../db/receivable-reads.ts';
import { getStatement, statementHtml } from '../../db/statements.ts';
import { inTransaction } from '../../db/tx.ts';
import { processId } from '../../workflows/ids.ts';
import { assertDealerScope } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { currency, decimalAmount, defineRoute, instant, key } from '../route.ts';

// P4: dealer receivables. Payments run as a short process per payment number; the reads come
// from the invoice, outbox and statement tables.

const READERS = ['back-office', 'finance', 'auditor', 'dealer'] as const;
const dealerParams = z.strictObject({ id: key() });

const paymentBody = z.strictObject({
  paymentNo: key(100), amount: decimalAmount, currency, receivedAt: instant,
  allocations: z.array(z.strictObject({ invoiceNo: key(100), amount: decimalAmount })).max(500).optional(),
});

const policyBody = z.strictObject({
  termsDays: z.number().int().min(0).max(365),
  ladder: z.array(z.strictObject({
    afterDaysOverdue: z.number().int().min(0).max(3650),
    action: z.enum(LADDER_ACTIONS),
  })).max(20),
});

export function receivablesRoutes(ctx: ApiContext) {
  /** runs the payment process for a payment number and answers its result */
  async function pay(req: PaymentRequest) {
    const workflowId = processId('dealer-payment', req.paymentNo);
    for (let attempt = 0; ; attempt++) {
      try {
        const handle = await ctx.temporal.workflow.start('dealerPaymentWorkflow', { taskQueue: ctx.config.taskQueue, workflowId, args: [req] });
        return await handle.result();
      } catch (err) {
        // a twin request is running: let it finish, then ask again, so this request's own
        // content is compared with what was recorded (same: its result; different: 409)
        if (!(err instanceof WorkflowExecutionAlreadyStartedError) || attempt >= 5) throw err;
        await ctx.temporal.workflow.getHandle(workflowId).result().catch(() => undefined);
      }
    }
  }

  return [
    defineRoute({
      method: 'post', path: '/dealers/:id/payments', summary: 'Record a payment from a dealer', roles: ['back-office', 'finance', 'dealer'],
      params: dealerParams, body: paymentBody,
      example: { paymentNo: 'PAY-2026-0042', amount: '1250.00', currency: 'CNY', receivedAt: '2026-11-20T09:30:00+08:00', allocations: [{ invoiceNo: 'INV-1001', amount: '1000.00' }] },
      handler: async ({ params, body, actor }) => {
        assertDealerScope(actor, params.id, 'dealer');
        if (!(await getDealer(ctx.orm.em.fork(), params.id))) throw notFound('dealer', params.id);
        const result = await pay({
          paymentNo: body.paymentNo, dealerId: params.id, currency: body.currency, receivedAt: new Date(body.receivedAt).toISOString(),
          amountMinor: toSafeNumber(parseDecimal(body.amount)), actor: actor.id,
          allocations: (body.allocations ?? []).map((a, i) => ({ invoiceNo: a.invoiceNo, amountMinor: toSafeNumber(parseDecimal(a.amount, `allocations[${i}].amount`)) })),
        });
        return { status: result.replayed ? 200 : 201, body: result };
      },
    }),

    defineRoute({
      method: 'get', path: '/dealers/:id/invoices', summary: 'List a dealer\'s invoices', roles: READERS,
      params: dealerParams, query: z.strictObject({ status: z.enum(['open', 'overdue', 'paid']).optional() }),
      handler: async ({ params, query, actor }) => {
        assertDealerScope(actor, params.id, 'dealer');
        if (!(await getDealer(ctx.orm.em.fork(), params.id))) throw notFound('dealer', params.id);
        return { body: { items: await listInvoices(ctx.orm.em.fork(), params.id, query.status, new Date()) } };
      },
    }),

    defineRoute({
      method: 'get', path: '/dealers/:id/statements/:month', exampleParams: { id: 'D-100', month: '2026-11' }, summary: 'Read a dealer\'s monthly statement (JSON, or HTML to print)', roles: READERS,
      params: z.strictObject({ id: key(), month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM') }),
      query: z.strictObject({ format: z.enum(['json', 'html']).optional() }),
      handler: async ({ params, query, actor, req, res }) => {
        assertDealerScope(actor, params.id, 'dealer');
        const statement = await getStatement(ctx.orm.em.fork(), params.id, params.month);
        if (!statement) throw notFound('statement', `${params.id} ${params.month}`);
        const html = query.format === 'html' || (query.format === undefined && req.accepts(['json', 'html']) === 'html');
        if (!html) return { body: statement };
        res.status(200).type('html').send(statementHtml(statement));
      },
    }),

    defineRoute({
      method: 'get', path: '/dealers/:id/arrears', summary: 'Read a dealer\'s open invoices on the arrears ladder', roles: READERS,
      params: dealerParams,
      handler: async ({ params, actor }) => {
        assertDealerScope(actor, params.id, 'dealer');
        return { body: await dealerArrears(ctx.orm.em.fork(), params.id, new Date()) };
      },
    }),

    defineRoute({
      method: 'get', path: '/arrears', summary: 'List overdue invoices of every dealer', roles: ['back-office', 'finance', 'auditor'],
      query: z.strictObject({
        // digits only: an empty `level=` is refused rather than read as level 0
        level: z.string().regex(/^\d{1,2}$/, 'must be a ladder level 0 to 99').transform(Number).optional(),
        minDaysOverdue: z.string().regex(/^\d{1,6}$/, 'must be a whole number of days').transform(Number).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(200),
      }),
      handler: async ({ query }) => ({ body: { items: await allArrears(ctx.orm.em.fork(), query, new Date()) } }),
    }),

    defineRoute({
      method: 'put', path: '/dealers/:id/payment-policy', summary: 'Set a dealer\'s payment terms and arrears ladder', roles: ['back-office', 'finance'],
      params: dealerParams, body: policyBody,
      example: { termsDays: 30, ladder: [{ afterDaysOverdue: 1, action: 'reminder' }, { afterDaysOverdue: 14, action: 'second-reminder' }, { afterDaysOverdue: 45, action: 'credit-hold' }] },
      handler: async ({ params, body, actor }) => {
        checkLadder(body.ladder);
        const dealer = await inTransaction(ctx.orm, async (em) => {
          const updated = await em.execute('update dealer set terms_days = ?, ladder = ?, updated_at = ?, updated_by = ? where id = ? returning id',
            [body.termsDays, JSON.stringify(body.ladder), new Date(), actor.id, params.id]);
          if (updated.length === 0) throw notFound('dealer', params.id);
          return getDealer(em, params.id);
        });
        // new terms apply to invoices issued from now on; the new ladder to every open invoice
        await ctx.temporal.workflow.getHandle(processId('dealer-account', params.id)).signal('policyChanged').catch((err: Error) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        });
        return { body: { dealerId: params.id, termsDays: dealer!.termsDays, ladder: dealer!.ladder } };
      },
    }),
  ];
}
