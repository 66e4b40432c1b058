import { fork, type ChildProcess } from 'node:child_process';

import test from 'ava';

import { account } from '../db/accounts.ts';
import { assertLedgerClean, balanceOf, stockOf } from './helpers/fixtures.ts';
import { orderKit, orderPath, orderWhen, pickAsListed, pricedPart, readOrder, submitOrder } from './helpers/dealer-orders.ts';
import { testStack, uid } from './helpers/stack.ts';

// The ship step is one transaction (stock to in transit, invoice); a worker that dies between its
// commit and its report gets the activity retried elsewhere, and the retry must find, not repeat, it.

function spawnWorker(taskQueue: string, dieOn?: string) {
  return new Promise<ChildProcess>((resolve, reject) => {
    const child = fork('test/support/order-worker-process.ts', [taskQueue, ...(dieOn ? [dieOn] : [])], { execArgv: ['--import', 'tsx'], stdio: 'ignore' });
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

test('a worker killed after the ship posting commits and before the activity reports posts once', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const k = await orderKit(stack, { worker: false });
  const part = await pricedPart(stack, { price: '7.00', stock: 6 });
  const doomed = await spawnWorker(stack.config.taskQueue, 'shipment posted');
  const died = new Promise((resolve) => doomed.once('exit', resolve));
  t.teardown(() => { doomed.kill('SIGKILL'); });
  const { id } = await submitOrder(k, [{ partNo: part.partNo, quantity: 6 }]);
  const list = (await orderWhen(k, id, (o) => o.pickingLists.length === 1, 'a picking list')).pickingLists[0];
  t.is((await pickAsListed(k, id, list)).status, 200);

  const shipping = k.api.call('POST', `${orderPath(id)}/shipments`, { key: k.keys.dispatcher, body: { pickingListNo: list.pickingListNo, carrier: 'ZTO', consignmentNo: uid('Z') } });
  await died;
  const replacement = await spawnWorker(stack.config.taskQueue);
  t.teardown(() => { replacement.kill('SIGKILL'); });
  const shipped = await shipping;

  t.is(shipped.status, 201, JSON.stringify(shipped.body));
  const journals = await stack.orm.em.fork().execute(`select count(*)::int as n from stock_journal where document_ref = ? and reason = 'dealer-shipment'`, [shipped.body.shipmentNo]);
  t.is(journals[0]!.n, 1);
  t.is(await balanceOf(stack.orm, account.dealerReceivable(k.dealerId)), 4200n);
  t.deepEqual(await stockOf(stack.orm, part.partNo, '@in-transit'), { onHand: 6, reserved: 0 });
  t.deepEqual(await stockOf(stack.orm, part.partNo, part.bin), { onHand: 0, reserved: 0 });
  const order = await readOrder(k, id);
  t.is(order.shipments.length, 1);
  t.is(order.timeline.filter((s: { step: string }) => s.step === 'shipped').length, 1);
  await assertLedgerClean(t, stack.orm);
});
