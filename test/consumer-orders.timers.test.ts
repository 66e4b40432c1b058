import test from 'ava';

import { placeOrder, PICKUP_CITY, type Keys } from './helpers/consumer.ts';
import { assertLedgerClean, keyFor } from './helpers/fixtures.ts';
import { saveHistory } from './helpers/histories.ts';
import { eventually, testStack, uid } from './helpers/stack.ts';

// The refund timeout of consumer orders on the time-skipping test server: a refund the payment
// provider does not answer within the policy period (3 days by default) goes to finance.

test('a refund with no answer from the provider within 3 days is escalated to finance, and settles later', async (t) => {
  const stack = await testStack({ timeSkipping: true });
  t.teardown(() => stack.close());
  await stack.startWorker();
  const api = await stack.api();
  const keys: Keys = {
    service: await keyFor(api, 'customer-service'), warehouse: await keyFor(api, 'warehouse'),
    finance: await keyFor(api, 'finance'), backOffice: await keyFor(api, 'back-office'),
  };
  await api.call('PUT', `/pickup-areas/${PICKUP_CITY}`, { key: keys.backOffice, body: {} });
  const order = await placeOrder(stack, api, keys, { route: 'card' });
  const level = async () => {
    const [row] = await stack.orm.em.fork().execute('select escalation_level from process where id = ?', [order.id]);
    return Number(row?.escalation_level ?? -1);
  };

  const cancel = await api.call('POST', `/consumer-orders/${order.orderNo}/cancel`, { key: keys.service, body: {} });
  await eventually(async () => ((await stack.orm.em.fork().execute('select 1 from refund_instruction where order_no = ?', [order.orderNo])).length ? true : undefined));
  await stack.testEnv!.sleep('2 days');
  const before = await level();
  await stack.testEnv!.sleep('2 days');
  await eventually(async () => ((await level()) === 1 ? true : undefined), 20_000, 'escalation');
  const settle = await api.call('POST', '/payment-events', { key: keys.finance, body: { eventId: uid('PE-'), refundId: cancel.body.cancellation.refund.refundId, status: 'settled' } });
  await stack.client.workflow.getHandle(order.id).result();

  t.is(before, 0);
  t.is(settle.status, 202);
  const steps = (await stack.orm.em.fork().execute('select step from process_step where process_id = ? order by id', [order.id])).map((r) => String(r.step));
  t.deepEqual(steps, ['placed', 'cancelled', 'refund-instructed', 'refund-escalated-to-finance', 'refund-settled']);
  await assertLedgerClean(t, stack.orm);
  await saveHistory(stack.client, order.id, 'consumer-order-refund-escalated');
});
