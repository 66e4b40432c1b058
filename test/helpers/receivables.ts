import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { issueInvoice } from '../../db/invoices.ts';
import { inTransaction } from '../../db/tx.ts';
import { processId } from '../../workflows/ids.ts';
import type { Stack } from './stack.ts';
import { uid } from './stack.ts';

// Builders for the receivables tests: an invoice as a shipment would issue it, its announcement
// to the dealer's account, and a webhook receiver on 127.0.0.1 that the test controls.

export async function issueTestInvoice(stack: Stack, dealerId: string, amountMinor: bigint, at: Date, invoiceNo = uid('INV-')) {
  return inTransaction(stack.orm, (em) => issueInvoice(em, stack.ledger, {
    key: `test-ship:${invoiceNo}`, step: 'ship', actor: 'test', at, invoiceNo, dealerId, shipmentNo: uid('SH-'), amountMinor, currency: 'CNY',
  }));
}

/** what the shipment step does after invoicing: signal-with-start of the dealer's account */
export async function announce(stack: Stack, dealerId: string, invoiceNo: string, input: Record<string, unknown> = {}) {
  return stack.client.workflow.signalWithStart('dealerAccountWorkflow', {
    workflowId: processId('dealer-account', dealerId), taskQueue: stack.config.taskQueue,
    args: [{ dealerId, ...input }], signal: 'invoiceIssued', signalArgs: [{ invoiceNo }],
  });
}

export interface Received { body: Record<string, unknown>; status: number; idempotencyKey: string | undefined }

/** an HTTP receiver on a free loopback port; `answer` decides the status of each request */
export async function startReceiver(answer: (body: Record<string, unknown>, n: number) => number | Promise<number> = () => 204) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      void Promise.resolve(answer(body, received.length)).then((status) => {
        received.push({ body, status, idempotencyKey: req.headers['idempotency-key'] as string | undefined });
        res.writeHead(status).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notifications`;
  return {
    url, received,
    delivered: () => received.filter((r) => r.status < 300),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export async function notificationsOf(stack: Stack, invoiceNo: string) {
  return stack.orm.em.fork().execute(
    'select level, action, status, outstanding_minor, days_overdue, local_date, created_at, attempts from notification where invoice_no = ? order by level', [invoiceNo]);
}

export async function invoiceRow(stack: Stack, invoiceNo: string) {
  const [row] = await stack.orm.em.fork().execute('select * from invoice where invoice_no = ?', [invoiceNo]);
  return row!;
}

export async function dealerRow(stack: Stack, dealerId: string) {
  const [row] = await stack.orm.em.fork().execute('select * from dealer where id = ?', [dealerId]);
  return row!;
}
