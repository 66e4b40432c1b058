import test from 'ava';

import { stockOf } from './helpers/fixtures.ts';
import { orderKit, orderWhen, pickAndShip, pricedPart, readOrder, submitOrder } from './helpers/dealer-orders.ts';
import { saveHistory } from './helpers/histories.ts';
import { testStack } from './helpers/stack.ts';

// Each invoice starts the dealer's account process (issue 7, dealerAccountWorkflow). Without that
// workflow type in the bundle its tasks keep failing and the time-skipping server cannot skip,
// so this file needs the receivables work merged beside it.
const steps = (o: { timeline: { step: string }[] }) => o.timeline.map((s) => s.step);

test('a shipment the dealer does not confirm is reminded after 7 days and taken as received after 30', async (t) => {
  const stack = await testStack({ timeSkipping: true });
  t.teardown(() => stack.close());
  const k = await orderKit(stack);
  const part = await pricedPart(stack, { stock: 5 });
  const { id } = await submitOrder(k, [{ partNo: part.partNo, quantity: 2 }]);
  await pickAndShip(k, id);

  await stack.testEnv!.sleep('6 days');
  const early = await readOrder(k, id);
  await stack.testEnv!.sleep('2 days');
  const reminded = await orderWhen(k, id, (o) => steps(o).includes('receipt-reminder'), 'the reminder');
  await stack.testEnv!.sleep('23 days');
  const assumed = await orderWhen(k, id, (o) => o.status === 'completed', 'the assumed receipt');

  t.false(steps(early).includes('receipt-reminder'));
  t.is(reminded.status, 'awaiting-receipt');
  t.true(steps(assumed).includes('receipt-assumed'));
  t.true(assumed.shipments[0].receiptAssumed);
  t.like(assumed.lines[0], { shipped: 2, received: 2, damaged: 0 });
  t.deepEqual(await stockOf(stack.orm, part.partNo, '@dealer'), { onHand: 2, reserved: 0 });
  await saveHistory(stack.client, id, 'dealer-order-receipt-assumed');
});
