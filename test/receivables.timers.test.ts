import test from 'ava';

import { addDays, localDate, startOfLocalDay } from '../db/time.ts';
import { processId } from '../workflows/ids.ts';
import { assertLedgerClean, seedDealer } from './helpers/fixtures.ts';
import { saveHistory } from './helpers/histories.ts';
import { announce, dealerRow, invoiceRow, issueTestInvoice, notificationsOf, startReceiver } from './helpers/receivables.ts';
import { testStack } from './helpers/stack.ts';

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
