import test from 'ava';

import { takeInvoiceIntoAccount } from '../db/account-wake.ts';
import { account } from '../db/accounts.ts';
import { inTransaction } from '../db/tx.ts';
import { ensureStatementSchedule } from '../worker/schedules.ts';
import { assertLedgerClean, balanceOf, keyFor, seedDealer } from './helpers/fixtures.ts';
import { saveHistory } from './helpers/histories.ts';
import { announce, invoiceRow, issueTestInvoice } from './helpers/receivables.ts';
import { eventually, testStack, uid } from './helpers/stack.ts';
import { processId } from '../workflows/ids.ts';

// Dealer receivables over the API on the dev server: payments, invoices, arrears, payment
// policy and monthly statements. The ladder's timers are in receivables.timers.test.ts.

const DAY = 86_400_000;

async function setup(t: import('ava').ExecutionContext) {
  const stack = await testStack();
  t.teardown(() => stack.close());
  await stack.startWorker();
  const api = await stack.api();
  const dealerId = await seedDealer(stack.orm, { termsDays: 30 });
  return { stack, api, dealerId };
}

const payment = (o: Record<string, unknown> = {}) => ({ paymentNo: uid('PAY-'), amount: '100.00', currency: 'CNY', receivedAt: new Date().toISOString(), ...o });

test('the same payment sent twice is recorded once, and a reused number with other content is a conflict', async (t) => {
  const { stack, api, dealerId } = await setup(t);
  const inv = await issueTestInvoice(stack, dealerId, 100_00n, new Date());
  const body = payment({ amount: '40.00' });

  const first = await api.call('POST', `/dealers/${dealerId}/payments`, { body });
  const again = await api.call('POST', `/dealers/${dealerId}/payments`, { body });
  const reused = await api.call('POST', `/dealers/${dealerId}/payments`, { body: { ...body, amount: '41.00' } });

  t.is(first.status, 201);
  t.is(again.status, 200);
  t.deepEqual({ ...again.body, replayed: false }, first.body);
  t.is(reused.status, 409);
  t.is(reused.body.error.code, 'payment-number-reused');
  t.is((await invoiceRow(stack, inv.invoiceNo)).paid_minor, '4000');
  t.is(await balanceOf(stack.orm, account.dealerReceivable(dealerId)), 60_00n);
  await assertLedgerClean(t, stack.orm);
});

test('an unallocated payment settles the oldest open invoices first and keeps an over-payment as credit', async (t) => {
  const { stack, api, dealerId } = await setup(t);
  const old = await issueTestInvoice(stack, dealerId, 100_00n, new Date(Date.now() - 20 * DAY));
  const newer = await issueTestInvoice(stack, dealerId, 50_00n, new Date(Date.now() - 10 * DAY));

  const res = await api.call('POST', `/dealers/${dealerId}/payments`, { body: payment({ amount: '170.00' }) });

  t.is(res.status, 201);
  t.deepEqual(res.body.allocations, [
    { invoiceNo: old.invoiceNo, amount: '100.00', outstandingAfter: '0.00' },
    { invoiceNo: newer.invoiceNo, amount: '50.00', outstandingAfter: '0.00' },
  ]);
  t.is(res.body.unapplied, '20.00');
  t.is(await balanceOf(stack.orm, account.dealerReceivable(dealerId)), -20_00n, 'the credit stays on the receivable');

  const next = await issueTestInvoice(stack, dealerId, 30_00n, new Date());
  await announce(stack, dealerId, next.invoiceNo);
  await eventually(async () => ((await invoiceRow(stack, next.invoiceNo)).paid_minor === '2000' ? true : undefined), 20_000, 'credit applied');
  const [credit] = await stack.orm.em.fork().execute('select unapplied_minor from payment where payment_no = ?', [res.body.paymentNo]);
  t.is(credit!.unapplied_minor, '0');
  await assertLedgerClean(t, stack.orm);
});

test('allocations settle the invoices they name, and one above what is outstanding is refused', async (t) => {
  const { stack, api, dealerId } = await setup(t);
  const old = await issueTestInvoice(stack, dealerId, 100_00n, new Date(Date.now() - 20 * DAY));
  const newer = await issueTestInvoice(stack, dealerId, 50_00n, new Date(Date.now() - 10 * DAY));

  const tooMuch = await api.call('POST', `/dealers/${dealerId}/payments`, { body: payment({ allocations: [{ invoiceNo: newer.invoiceNo, amount: '60.00' }] }) });
  const res = await api.call('POST', `/dealers/${dealerId}/payments`, { body: payment({ amount: '70.00', allocations: [{ invoiceNo: newer.invoiceNo, amount: '50.00' }] }) });

  t.is(tooMuch.status, 422);
  t.is(tooMuch.body.error.code, 'allocation-exceeds-outstanding');
  t.is(res.status, 201);
  t.is((await invoiceRow(stack, newer.invoiceNo)).paid_minor, '5000');
  t.is((await invoiceRow(stack, old.invoiceNo)).paid_minor, '2000');
  const paid = await api.call('GET', `/dealers/${dealerId}/invoices?status=paid`);
  t.deepEqual(paid.body.items.map((i: { invoiceNo: string }) => i.invoiceNo), [newer.invoiceNo]);
  await assertLedgerClean(t, stack.orm);
});

test('invoices and arrears list by status, with the next step of the ladder and when it is due', async (t) => {
  const { stack, api, dealerId } = await setup(t);
  const overdue = await issueTestInvoice(stack, dealerId, 100_00n, new Date(Date.now() - 40 * DAY));
  const open = await issueTestInvoice(stack, dealerId, 50_00n, new Date());

  const overdueList = await api.call('GET', `/dealers/${dealerId}/invoices?status=overdue`);
  const openList = await api.call('GET', `/dealers/${dealerId}/invoices?status=open`);
  const arrears = await api.call('GET', `/dealers/${dealerId}/arrears`);
  const backOffice = await api.call('GET', '/arrears?minDaysOverdue=5&level=0');

  t.deepEqual(overdueList.body.items.map((i: { invoiceNo: string }) => i.invoiceNo), [overdue.invoiceNo]);
  t.deepEqual(openList.body.items.map((i: { invoiceNo: string }) => i.invoiceNo), [open.invoiceNo]);
  const [first, second] = arrears.body.invoices;
  t.like(first, { invoiceNo: overdue.invoiceNo, overdue: true, daysOverdue: 9, outstanding: '100.00', escalationLevel: 0 });
  t.like(first.nextStep, { level: 1, action: 'reminder', afterDaysOverdue: 1 });
  t.like(second, { invoiceNo: open.invoiceNo, overdue: false, daysOverdue: 0, dueDate: open.dueDate });
  t.is(arrears.body.outstanding, '150.00');
  t.true(backOffice.body.items.some((i: { invoiceNo: string }) => i.invoiceNo === overdue.invoiceNo));
  t.false(backOffice.body.items.some((i: { invoiceNo: string }) => i.invoiceNo === open.invoiceNo));
});

test('a dealer key sees its own receivables only', async (t) => {
  const { stack, api, dealerId } = await setup(t);
  const other = await seedDealer(stack.orm);
  const key = await keyFor(api, 'dealer', dealerId);

  const own = await api.call('GET', `/dealers/${dealerId}/arrears`, { key });
  const theirs = await api.call('GET', `/dealers/${other}/arrears`, { key });
  const theirInvoices = await api.call('GET', `/dealers/${other}/invoices`, { key });
  const payForThem = await api.call('POST', `/dealers/${other}/payments`, { key, body: payment() });
  const policy = await api.call('PUT', `/dealers/${dealerId}/payment-policy`, { key, body: { termsDays: 90, ladder: [] } });

  t.is(own.status, 200);
  t.is(theirs.status, 404);
  t.is(theirInvoices.status, 404);
  t.is(payForThem.status, 404);
  t.is(policy.status, 403);
});

test('a payment policy must climb in ascending days with known actions', async (t) => {
  const { api, dealerId } = await setup(t);

  const descending = await api.call('PUT', `/dealers/${dealerId}/payment-policy`, {
    body: { termsDays: 45, ladder: [{ afterDaysOverdue: 10, action: 'reminder' }, { afterDaysOverdue: 5, action: 'collection' }] },
  });
  const unknown = await api.call('PUT', `/dealers/${dealerId}/payment-policy`, { body: { termsDays: 45, ladder: [{ afterDaysOverdue: 10, action: 'sue' }] } });
  const ok = await api.call('PUT', `/dealers/${dealerId}/payment-policy`, {
    body: { termsDays: 45, ladder: [{ afterDaysOverdue: 3, action: 'reminder' }, { afterDaysOverdue: 20, action: 'credit-hold' }] },
  });
  const dealer = await api.call('GET', `/dealers/${dealerId}`);

  t.is(descending.status, 400);
  t.regex(descending.body.error.message, /ladder\[1\]\.afterDaysOverdue/);
  t.is(unknown.status, 400);
  t.regex(unknown.body.error.message, /ladder\[0\]\.action/);
  t.is(ok.status, 200);
  t.like(dealer.body, { termsDays: 45, ladder: [{ afterDaysOverdue: 3, action: 'reminder' }, { afterDaysOverdue: 20, action: 'credit-hold' }] });
});

test('a monthly statement closes at the ledger\'s receivable balance at month end, with ageing', async (t) => {
  const { stack, api, dealerId } = await setup(t);
  await issueTestInvoice(stack, dealerId, 500_00n, new Date('2026-08-10T04:00:00Z'));
  const sept = await issueTestInvoice(stack, dealerId, 300_00n, new Date('2026-09-05T04:00:00Z'));
  await issueTestInvoice(stack, dealerId, 200_00n, new Date('2026-10-20T04:00:00Z'));
  await api.call('POST', `/dealers/${dealerId}/payments`, { body: payment({ amount: '600.00', receivedAt: '2026-10-25T10:00:00+08:00' }) });
  // a warranty credit: a credit to the receivable that is not a payment
  await inTransaction(stack.orm, (em) => stack.ledger.postMoney(em, {
    key: uid('warranty-'), step: 'credit', actor: 'test', at: new Date('2026-10-28T04:00:00Z'), description: 'warranty credit for core batch',
    lines: [{ account: account.warrantyExpense, currency: 'CNY', amount: 50_00n }, { account: account.dealerReceivable(dealerId), currency: 'CNY', amount: -50_00n }],
  }));
  const atMonthEnd = await balanceOf(stack.orm, account.dealerReceivable(dealerId));

  const run = await stack.client.workflow.start('monthlyStatementsWorkflow', { taskQueue: stack.config.taskQueue, workflowId: uid('monthly-statements-'), args: [{ month: '2026-10' }] });
  t.like(await run.result(), { month: '2026-10' });
  const json = await api.call('GET', `/dealers/${dealerId}/statements/2026-10`);
  const html = await api.call('GET', `/dealers/${dealerId}/statements/2026-10`, { headers: { accept: 'text/html' } });

  t.is(json.status, 200);
  t.like(json.body, { openingBalance: '800.00', invoices: '200.00', payments: '600.00', credits: '50.00', closingBalance: '350.00' });
  t.is(BigInt(json.body.closingBalance.replace('.', '')), atMonthEnd);
  // 600 settled August's 500 and 100 of September's; September's rest is 26 days past due
  t.deepEqual(json.body.ageing, { notDue: '200.00', '0-30': '200.00', '31-60': '0.00', '61-90': '0.00', over90: '0.00' });
  t.like(json.body.openInvoices[0], { invoiceNo: sept.invoiceNo, outstanding: '200.00' });
  t.is(html.status, 200);
  t.regex(html.headers.get('content-type') ?? '', /text\/html/);
  t.regex(html.body, /Closing balance<\/td><td>350\.00/);
  await saveHistory(stack.client, run.workflowId, 'monthly-statements');
  await assertLedgerClean(t, stack.orm);
});

test('the monthly statement schedule is created once, on the first day of each month', async (t) => {
  const { stack } = await setup(t);
  const scheduleId = uid('statements-');
  t.teardown(() => stack.client.schedule.getHandle(scheduleId).delete().catch(() => undefined));

  const created = await ensureStatementSchedule(stack.client, { taskQueue: stack.config.taskQueue, timeZone: 'Asia/Shanghai', scheduleId });
  const again = await ensureStatementSchedule(stack.client, { taskQueue: stack.config.taskQueue, timeZone: 'Asia/Shanghai', scheduleId });
  const described = await stack.client.schedule.getHandle(scheduleId).describe();

  t.true(created);
  t.false(again);
  t.like(described.spec.calendars?.[0], { dayOfMonth: [{ start: 1, end: 1, step: 1 }] });
  t.is(described.spec.timezone, 'Asia/Shanghai');
  t.like(described.action, { type: 'startWorkflow', workflowType: 'monthlyStatementsWorkflow' });
});

test('a payment runs as its own process and wakes the dealer account', async (t) => {
  const { stack, api, dealerId } = await setup(t);
  await issueTestInvoice(stack, dealerId, 100_00n, new Date());
  const body = payment();

  const res = await api.call('POST', `/dealers/${dealerId}/payments`, { body });
  const account = await eventually(async () => {
    const [row] = await stack.orm.em.fork().execute('select * from process where id = ?', [`dealer-account:${dealerId}`]);
    return row?.status === 'settled' ? row : undefined;
  });

  t.is(res.status, 201);
  t.is(account.amount_minor, '0');
  await saveHistory(stack.client, `dealer-payment:${body.paymentNo}`, 'dealer-payment');
  await assertLedgerClean(t, stack.orm);
});

test('an account whose wake passed without it (its process was terminated) is woken by the next invoice', async (t) => {
  const { stack, dealerId } = await setup(t);
  const accountId = processId('dealer-account', dealerId);
  const now = new Date();
  const take = (invoiceNo: string) => inTransaction(stack.orm, (em) => takeInvoiceIntoAccount(em, {
    invoiceNo, processId: accountId, at: now, daySeconds: 86_400,
  }));
  const dueAt = async () => {
    const [r] = await stack.orm.em.fork().execute('select due_at from process where id = ?', [accountId]);
    return r?.due_at ? new Date(r.due_at as string).getTime() : undefined;
  };
  const first = await issueTestInvoice(stack, dealerId, 100_00n, now);
  t.true((await take(first.invoiceNo)).wake, 'an account that has never run is woken');
  const handle = await announce(stack, dealerId, first.invoiceNo);
  const wakeAt = await eventually(dueAt, 10_000, 'the account\'s next wake');
  await handle.terminate('an operator ended the account process');

  // before that wake, the row still says the account will look: a later invoice does not wake it
  const later = await issueTestInvoice(stack, dealerId, 40_00n, new Date(now.getTime() + DAY));
  t.false((await take(later.invoiceNo)).wake);
  // the clock passes the wake and nobody wakes for it: the next invoice wakes the account
  await stack.orm.em.fork().execute('update process set due_at = ? where id = ?', [new Date(now.getTime() - 60_000), accountId]);
  const last = await issueTestInvoice(stack, dealerId, 60_00n, new Date(now.getTime() + 2 * DAY));
  t.true((await take(last.invoiceNo)).wake, 'a wake in the past means the process did not wake');

  // a new run reads every open invoice and sleeps until the earliest rung again, the first's
  const again = await announce(stack, dealerId, last.invoiceNo);
  t.not(again.signaledRunId, handle.signaledRunId);
  t.is(await eventually(async () => ((await dueAt()) === wakeAt ? wakeAt : undefined), 10_000, 'the new run\'s wake'), wakeAt);
  t.is((await again.describe()).status.name, 'RUNNING');
  await again.terminate();
  await assertLedgerClean(t, stack.orm);
});
