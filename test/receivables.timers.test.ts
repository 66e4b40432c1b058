import test from 'ava';

import { takeInvoiceIntoAccount } from '../db/account-wake.ts';
import { addDays, localDate, startOfLocalDay } from '../db/time.ts';
import { inTransaction } from '../db/tx.ts';
import { processId } from '../workflows/ids.ts';
import { assertLedgerClean, seedDealer } from './helpers/fixtures.ts';
import { saveHistory } from './helpers/histories.ts';
import { announce, dealerRow, invoiceRow, issueTestInvoice, notificationsOf, startReceiver } from './helpers/receivables.ts';
import { eventually, testStack } from './helpers/stack.ts';

// The arrears ladder on the time-skipping server: months of dealer-local days pass in seconds,
// with real Temporal timers. Every instant here is the test server's clock, which earlier
// tests have already moved on.

const DAY = 86_400_000;

async function setup(t: import('ava').ExecutionContext, o: { answer?: Parameters<typeof startReceiver>[0]; timeZone?: string } = {}) {
  const receiver = await startReceiver(o.answer);
  const stack = await testStack({ timeSkipping: true, config: { notifyWebhookUrl: receiver.url } });
  t.teardown(async () => {
    await stack.close();
    await receiver.close();
  });
  await stack.startWorker();
  const api = await stack.api();
  const dealerId = await seedDealer(stack.orm, { termsDays: 30, timeZone: o.timeZone ?? 'Asia/Shanghai' });
  const now = new Date(await stack.testEnv!.currentTimeMs());
  return { stack, api, receiver, dealerId, now };
}

test('the whole ladder over 90 days finishes in seconds, one notification per rung', async (t) => {
  const { stack, receiver, dealerId, now } = await setup(t);
  const started = Date.now();
  const inv = await issueTestInvoice(stack, dealerId, 100_00n, now);

  const handle = await announce(stack, dealerId, inv.invoiceNo);
  await handle.result();

  t.true(Date.now() - started < 60_000, 'over 90 days passed in less than a minute');
  const sent = await notificationsOf(stack, inv.invoiceNo);
  t.deepEqual(sent.map((n) => [n.level, n.action, n.status, String(n.outstanding_minor)]), [
    [1, 'reminder', 'delivered', '10000'], [2, 'second-reminder', 'delivered', '10000'], [3, 'escalate-to-manager', 'delivered', '10000'],
    [4, 'credit-hold', 'delivered', '10000'], [5, 'collection', 'delivered', '10000'],
  ]);
  t.deepEqual(sent.map((n) => n.days_overdue), [1, 15, 30, 45, 60]);
  t.is(receiver.delivered().length, 5);
  t.is((await invoiceRow(stack, inv.invoiceNo)).escalation_level, 5);
  t.true((await dealerRow(stack, dealerId)).credit_hold);
  const [account] = await stack.orm.em.fork().execute('select * from process where id = ?', [processId('dealer-account', dealerId)]);
  t.like(account, { type: 'dealer-account', status: 'in-arrears', escalation_level: 5, amount_minor: '10000' });
  await saveHistory(stack.client, handle.workflowId, 'dealer-account-full-ladder');
  await assertLedgerClean(t, stack.orm);
});

test('a payment on day 10 of arrears stops the ladder after the first reminder', async (t) => {
  const { stack, api, receiver, dealerId, now } = await setup(t);
  const inv = await issueTestInvoice(stack, dealerId, 250_00n, now);
  const handle = await announce(stack, dealerId, inv.invoiceNo);
  const overdueAt = new Date(inv.overdueAt).getTime();

  await stack.testEnv!.sleep(overdueAt + 10 * DAY - now.getTime());
  const paid = await api.call('POST', `/dealers/${dealerId}/payments`, {
    body: { paymentNo: `PAY-${inv.invoiceNo}`, amount: '250.00', currency: 'CNY', receivedAt: new Date(await stack.testEnv!.currentTimeMs()).toISOString() },
  });
  t.is(paid.status, 201);
  await handle.result();
  await stack.testEnv!.sleep(90 * DAY);

  const sent = await notificationsOf(stack, inv.invoiceNo);
  t.deepEqual(sent.map((n) => [n.level, n.status]), [[1, 'delivered']]);
  t.is(receiver.delivered().length, 1);
  t.is((await invoiceRow(stack, inv.invoiceNo)).paid_minor, '25000');
  t.false((await dealerRow(stack, dealerId)).credit_hold);
  await saveHistory(stack.client, handle.workflowId, 'dealer-account-paid-in-arrears');
  await assertLedgerClean(t, stack.orm);
});

test('a partly paid invoice is chased for the remainder only', async (t) => {
  const { stack, api, receiver, dealerId, now } = await setup(t);
  const inv = await issueTestInvoice(stack, dealerId, 300_00n, now);
  const handle = await announce(stack, dealerId, inv.invoiceNo);
  const overdueAt = new Date(inv.overdueAt).getTime();

  await stack.testEnv!.sleep(overdueAt + 5 * DAY - now.getTime());
  const part = await api.call('POST', `/dealers/${dealerId}/payments`, {
    body: { paymentNo: `PAY-${inv.invoiceNo}-1`, amount: '120.00', currency: 'CNY', receivedAt: new Date(await stack.testEnv!.currentTimeMs()).toISOString() },
  });
  t.is(part.status, 201);
  await stack.testEnv!.sleep(12 * DAY);

  const sent = await notificationsOf(stack, inv.invoiceNo);
  t.deepEqual(sent.map((n) => [n.level, n.action, String(n.outstanding_minor)]), [[1, 'reminder', '30000'], [2, 'second-reminder', '18000']]);
  t.deepEqual(receiver.delivered().map((r) => r.body.outstanding), ['300.00', '180.00']);

  await api.call('POST', `/dealers/${dealerId}/payments`, {
    body: { paymentNo: `PAY-${inv.invoiceNo}-2`, amount: '180.00', currency: 'CNY', receivedAt: new Date(await stack.testEnv!.currentTimeMs()).toISOString() },
  });
  await handle.result();
  t.is((await notificationsOf(stack, inv.invoiceNo)).length, 2);
  await assertLedgerClean(t, stack.orm);
});

test('a payment that lands while a reminder is being sent stops it', async (t) => {
  let paymentRecorded = false;
  let pay: () => Promise<void> = async () => undefined;
  let paymentWaited = false;
  // the payment arrives while the first delivery is on the wire: it waits for the invoice's
  // lock, the delivery fails, and the notifier's next attempt finds the invoice paid
  const { stack, api, receiver, dealerId, now } = await setup(t, {
    answer: async (_body, n) => {
      if (n > 0) return 204;
      const paying = pay().then(() => { paymentRecorded = true; });
      paying.catch(() => undefined);
      paymentWaited = await eventually(async () => {
        const [waiting] = await stack.orm.em.fork().execute(`select count(*) from pg_locks l join pg_stat_activity a on a.pid = l.pid
           where not l.granted and l.locktype = 'transactionid' and a.datname = current_database()`);
        return Number(waiting!.count) > 0 ? true : undefined;
      }, 8_000, 'the payment waiting for the invoice lock').catch(() => false);
      return 503;
    },
  });
  const inv = await issueTestInvoice(stack, dealerId, 80_00n, now);
  pay = async () => {
    const res = await api.call('POST', `/dealers/${dealerId}/payments`, {
      body: { paymentNo: `PAY-${inv.invoiceNo}`, amount: '80.00', currency: 'CNY', receivedAt: new Date(await stack.testEnv!.currentTimeMs()).toISOString() },
    });
    if (res.status !== 201) throw new Error(`payment answered ${res.status}`);
  };
  const handle = await announce(stack, dealerId, inv.invoiceNo);

  await stack.testEnv!.sleep(new Date(inv.overdueAt).getTime() + 2 * DAY - now.getTime());
  await handle.result();

  const [reminder] = await notificationsOf(stack, inv.invoiceNo);
  t.like(reminder, { level: 1, status: 'cancelled' });
  t.true(paymentRecorded);
  t.true(paymentWaited, 'the payment waited for the send to finish');
  t.is(receiver.delivered().length, 0, 'no reminder reached the dealer after it paid');
  t.is((await notificationsOf(stack, inv.invoiceNo)).length, 1);
  await saveHistory(stack.client, handle.workflowId, 'dealer-account-paid-during-send');
  await assertLedgerClean(t, stack.orm);
});

test('an invoice the sleeping account will see anyway wakes nothing, and climbs the ladder all the same', async (t) => {
  const { stack, receiver, dealerId, now } = await setup(t);
  const accountId = processId('dealer-account', dealerId);
  const take = (invoiceNo: string) => inTransaction(stack.orm, (em) => takeInvoiceIntoAccount(em, {
    invoiceNo, processId: accountId, at: now, daySeconds: 86_400,
  }));
  const first = await issueTestInvoice(stack, dealerId, 100_00n, now);
  t.true((await take(first.invoiceNo)).wake, 'an account that has never run is woken');
  const handle = await announce(stack, dealerId, first.invoiceNo);
  const wakeAt = await eventually(async () => (await stack.orm.em.fork().execute('select due_at from process where id = ?', [accountId]))[0]?.due_at ?? undefined,
    10_000, 'the account\'s next wake');

  // a day later, due a day later: the account wakes for the first invoice before this one's rung
  const later = await issueTestInvoice(stack, dealerId, 40_00n, new Date(now.getTime() + DAY));
  t.false((await take(later.invoiceNo)).wake);
  // issued two days earlier (a late booking): its first rung comes before the account's wake
  const earlier = await issueTestInvoice(stack, dealerId, 70_00n, new Date(now.getTime() - 2 * DAY));
  t.true((await take(earlier.invoiceNo)).wake);
  await announce(stack, dealerId, earlier.invoiceNo);
  await handle.result();

  for (const inv of [first, later, earlier]) {
    t.deepEqual((await notificationsOf(stack, inv.invoiceNo)).map((n) => [n.level, n.status]), [1, 2, 3, 4, 5].map((l) => [l, 'delivered']), inv.invoiceNo);
  }
  t.is(receiver.delivered().length, 15);
  const earliest = (await notificationsOf(stack, earlier.invoiceNo))[0]!;
  t.true(new Date(earliest.created_at as string) < new Date(wakeAt as string), 'the earlier invoice was reminded before the first one\'s rung');
  const [account] = await stack.orm.em.fork().execute('select summary, due_at from process where id = ?', [accountId]);
  t.like(account!.summary, { openInvoices: 3, outstanding: '210.00' });
  t.is(account!.due_at, null, 'nothing left to climb');
  await assertLedgerClean(t, stack.orm);
});

test('the credit-hold rung puts the dealer on hold, and settling every invoice past it lifts the hold', async (t) => {
  const { stack, api, dealerId, now } = await setup(t);
  const first = await issueTestInvoice(stack, dealerId, 100_00n, now);
  const second = await issueTestInvoice(stack, dealerId, 200_00n, now);
  await announce(stack, dealerId, first.invoiceNo);
  const handle = await announce(stack, dealerId, second.invoiceNo);
  const overdueAt = new Date(first.overdueAt).getTime();

  await stack.testEnv!.sleep(overdueAt + 44 * DAY - now.getTime());
  t.false((await dealerRow(stack, dealerId)).credit_hold, 'not yet at the rung');
  await stack.testEnv!.sleep(2 * DAY);
  const held = await dealerRow(stack, dealerId);
  t.true(held.credit_hold);
  t.regex(String(held.credit_hold_reason), /^arrears ladder/);

  const at = () => stack.testEnv!.currentTimeMs().then((ms) => new Date(ms).toISOString());
  await api.call('POST', `/dealers/${dealerId}/payments`, { body: { paymentNo: `PAY-${first.invoiceNo}`, amount: '100.00', currency: 'CNY', receivedAt: await at() } });
  await stack.testEnv!.sleep(DAY);
  t.true((await dealerRow(stack, dealerId)).credit_hold, 'one invoice past the rung is still unpaid');

  await api.call('POST', `/dealers/${dealerId}/payments`, { body: { paymentNo: `PAY-${second.invoiceNo}`, amount: '200.00', currency: 'CNY', receivedAt: await at() } });
  await handle.result();
  const lifted = await dealerRow(stack, dealerId);
  t.false(lifted.credit_hold);
  const steps = await stack.orm.em.fork().execute(
    `select step from process_step where process_id = ? and step like 'credit-hold-%' order by id`, [handle.workflowId]);
  t.deepEqual(steps.map((s) => s.step), ['credit-hold-set', 'credit-hold-lifted']);
  await saveHistory(stack.client, handle.workflowId, 'dealer-account-credit-hold-lifted');
  await assertLedgerClean(t, stack.orm);
});

for (const timeZone of ['Pacific/Kiritimati', 'America/Adak']) {
  test(`a dealer in ${timeZone} gets the reminder at the start of its own local day`, async (t) => {
    const { stack, dealerId, now } = await setup(t, { timeZone });
    const inv = await issueTestInvoice(stack, dealerId, 50_00n, now);
    const handle = await announce(stack, dealerId, inv.invoiceNo);
    const reminderDay = addDays(inv.dueDate, 2);
    const expected = startOfLocalDay(reminderDay, timeZone).getTime();

    t.is(inv.dueDate, addDays(localDate(now, timeZone), 30), 'due 30 dealer-local days after the issue');
    await stack.testEnv!.sleep(expected - now.getTime() - 60_000);
    t.is((await notificationsOf(stack, inv.invoiceNo)).length, 0, 'not a minute before the dealer\'s day begins');
    await stack.testEnv!.sleep(2 * 60_000);

    const [reminder] = await notificationsOf(stack, inv.invoiceNo);
    t.like(reminder, { level: 1, action: 'reminder', days_overdue: 1 });
    t.is(String(reminder!.local_date).slice(0, 10), reminderDay);
    const sentAt = new Date(reminder!.created_at as string).getTime();
    t.true(sentAt >= expected && sentAt < expected + 60_000, `sent at ${new Date(sentAt).toISOString()}`);
    t.is(localDate(new Date(sentAt), timeZone), reminderDay);
    await handle.terminate();
    await assertLedgerClean(t, stack.orm);
  });
}

test('a ladder of 200 invoices for one dealer continues as new and stays within the history limits', async (t) => {
  const { stack, dealerId, now } = await setup(t);
  const invoices: string[] = [];
  for (let i = 0; i < 200; i++) invoices.push((await issueTestInvoice(stack, dealerId, BigInt(10_00 + i), now)).invoiceNo);
  // minutes stand for days here, so that the ladder's months pass in an hour of server time;
  // and a run continues as new past 100 events (10,000 by default) so that this test sees it
  const input = { daySeconds: 60, maxHistoryEvents: 100 };

  const first = await announce(stack, dealerId, invoices[0]!, input);
  for (const invoiceNo of invoices.slice(1)) await announce(stack, dealerId, invoiceNo, input);
  await stack.client.workflow.getHandle(first.workflowId).result();

  const levels = await stack.orm.em.fork().execute('select escalation_level, count(*) from invoice where dealer_id = ? group by 1', [dealerId]);
  t.deepEqual(levels.map((r) => [r.escalation_level, Number(r.count)]), [[5, 200]]);
  const [delivered] = await stack.orm.em.fork().execute(`select count(*) from notification where dealer_id = ? and status = 'delivered'`, [dealerId]);
  t.is(Number(delivered!.count), 1000);

  let runId: string | undefined = first.signaledRunId;
  let runs = 0;
  while (runId) {
    const history: Awaited<ReturnType<typeof first.fetchHistory>> = await stack.client.workflow.getHandle(first.workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    t.true(events.length < 1_000, `run ${runs + 1} has ${events.length} events`);
    t.log(`run ${runs + 1}: ${events.length} events, ends with ${String(events.at(-1)?.eventType)}`);
    runs += 1;
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  t.true(runs > 1, `continued as new (${runs} runs)`);
  await assertLedgerClean(t, stack.orm);
});
