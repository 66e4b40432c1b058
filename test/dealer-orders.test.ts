import test from 'ava';

import { account } from '../db/accounts.ts';
import { openOrder } from '../db/dealer-orders.ts';
import { inTransaction } from '../db/tx.ts';
import { assertLedgerClean, balanceOf, seedDealer, seedSupplier, stockOf } from './helpers/fixtures.ts';
import {
  orderKit, orderPath, orderWhen, pickAndShip, pickAsListed, pricedPart, readOrder, ship, submitOrder, withStatus,
} from './helpers/dealer-orders.ts';
import { saveHistory } from './helpers/histories.ts';
import { receiveDelivery } from './helpers/inbound.ts';
import { eventually, testStack, uid } from './helpers/stack.ts';
import { processId } from '../workflows/ids.ts';

async function kit(t: import('ava').ExecutionContext) {
  const stack = await testStack();
  t.teardown(() => stack.close());
  return orderKit(stack);
}

test('an order in stock is picked, shipped, invoiced and received in full', async (t) => {
  const k = await kit(t);
  const a = await pricedPart(k.stack, { price: '12.50', stock: 10 });
  const b = await pricedPart(k.stack, { price: '3.00', stock: 5 });

  const { id, location, answer } = await submitOrder(k, [{ partNo: a.partNo, quantity: 4 }, { partNo: b.partNo, quantity: 5 }]);
  // the submission answers once the order is allocated, with its picking list
  t.like(answer, { id, status: 'picking' });
  t.deepEqual(answer.pickingLists.map((p: { status: string; lines: unknown[] }) => [p.status, p.lines.length]), [['issued', 2]]);
  const shipmentNo = await pickAndShip(k, id);
  const inTransit = await readOrder(k, id);
  const received = await k.api.call('POST', `${orderPath(id)}/receipt`, {
    key: k.keys.dealer, body: { shipmentNo, lines: [{ partNo: a.partNo, received: 4, damaged: 0 }, { partNo: b.partNo, received: 5, damaged: 0 }] },
  });
  await k.stack.client.workflow.getHandle(id).result();

  t.is(location, orderPath(id));
  t.is(inTransit.status, 'awaiting-receipt');
  t.is(inTransit.shipments[0].amount.amount, '65.00');
  t.is(received.status, 200);
  const order = await readOrder(k, id);
  t.is(order.status, 'completed');
  t.like(order.lines[0], { ordered: 4, reserved: 0, backordered: 0, picked: 4, shipped: 4, received: 4, damaged: 0 });
  t.deepEqual(order.timeline.map((s: { step: string }) => s.step), ['submitted', 'allocated', 'picking-list-issued', 'picked', 'shipped', 'received']);
  t.regex(order.timeline.find((s: { step: string }) => s.step === 'picked').actor, /^warehouse:/);
  t.deepEqual(await stockOf(k.stack.orm, a.partNo, a.bin), { onHand: 6, reserved: 0 });
  t.deepEqual(await stockOf(k.stack.orm, a.partNo, '@dealer'), { onHand: 4, reserved: 0 });
  t.deepEqual(await stockOf(k.stack.orm, a.partNo, '@in-transit'), { onHand: 0, reserved: 0 });
  t.is(await balanceOf(k.stack.orm, account.dealerReceivable(k.dealerId)), 6500n);
  await assertLedgerClean(t, k.stack.orm);
  await saveHistory(k.stack.client, id, 'dealer-order-happy-path');
});

test('a dealer\'s next invoice is taken into its account without waking the account, which sleeps until an earlier rung', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { price: '10.00', stock: 10 });
  const accountId = processId('dealer-account', k.dealerId);
  const signals = async () => ((await k.stack.client.workflow.getHandle(accountId).fetchHistory()).events ?? [])
    .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'invoiceIssued').length;

  const first = await submitOrder(k, [{ partNo: part.partNo, quantity: 1 }]);
  await pickAndShip(k, first.id);
  const wake = await eventually(async () => (await k.stack.orm.em.fork().execute('select due_at from process where id = ?', [accountId]))[0]?.due_at ?? undefined,
    20_000, 'the account\'s next wake');
  const second = await submitOrder(k, [{ partNo: part.partNo, quantity: 2 }]);
  await pickAndShip(k, second.id);

  t.is(await signals(), 1, 'the second invoice sent no signal');
  const [row] = await k.stack.orm.em.fork().execute('select summary, amount_minor, due_at from process where id = ?', [accountId]);
  t.like(row, { amount_minor: '3000', summary: { openInvoices: 2, outstanding: '30.00' } });
  t.deepEqual(row!.due_at, wake, 'the account still wakes for the first invoice\'s rung');
  await assertLedgerClean(t, k.stack.orm);
});

test('a line short of stock is backordered and ships as a second shipment after an inbound receipt', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { price: '5.00', stock: 3 });
  const supplierId = await seedSupplier(k.stack.orm);
  const { id } = await submitOrder(k, [{ partNo: part.partNo, quantity: 8 }]);

  const backordered = await orderWhen(k, id, (o) => o.pickingLists.length === 1, 'the first picking list');
  const first = await pickAndShip(k, id);
  const inbound = await receiveDelivery(k.api, k.keys.warehouse, { supplierId, lines: [{ partNo: part.partNo, quantity: 10, bin: part.bin }] });
  const released = await eventually(async () => {
    const r = await k.api.call('GET', `/inbound-receipts/${encodeURIComponent(inbound.id)}`, { key: k.keys.warehouse });
    return r.body.summary.backordersReleased;
  }, 20_000, 'the backorders released by the receipt');
  await orderWhen(k, id, (o) => o.pickingLists.length === 2, 'the picking list of the backorder');
  const second = await pickAndShip(k, id, 1);
  for (const shipmentNo of [first, second]) {
    const res = await k.api.call('POST', `${orderPath(id)}/receipt`, { key: k.keys.dealer, body: { shipmentNo, lines: [{ partNo: part.partNo, received: shipmentNo === first ? 3 : 5 }] } });
    t.is(res.status, 200, JSON.stringify(res.body));
  }
  await k.stack.client.workflow.getHandle(id).result();

  t.like(backordered.lines[0], { ordered: 8, reserved: 3, backordered: 5 });
  t.like(backordered.purchaseFollowUps[0], { partNo: part.partNo, quantity: 5, status: 'open', lineNo: 1 });
  t.is(inbound.status, 'completed');
  t.deepEqual(released, [id]);
  const order = await readOrder(k, id);
  t.is(order.status, 'completed');
  t.is(order.shipments.length, 2);
  t.like(order.lines[0], { shipped: 8, received: 8, backordered: 0 });
  t.like(order.purchaseFollowUps[0], { status: 'fulfilled', supplierId });
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, part.bin), { onHand: 5, reserved: 0 });
  t.is(await balanceOf(k.stack.orm, account.dealerReceivable(k.dealerId)), 4000n);
  await assertLedgerClean(t, k.stack.orm);
  await saveHistory(k.stack.client, id, 'dealer-order-backorder');
  await saveHistory(k.stack.client, inbound.id, 'inbound-receipt-releases-backorder');
});

test('a pick that does not match the picking list is refused naming the line, and nothing moves', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { stock: 10 });
  const { id } = await submitOrder(k, [{ partNo: part.partNo, quantity: 4 }]);
  const order = await orderWhen(k, id, (o) => o.pickingLists.length === 1, 'a picking list');
  const list = order.pickingLists[0];

  const tooMany = await pickAsListed(k, id, { ...list, lines: [{ ...list.lines[0], quantity: 5 }] });
  const wrongBin = await pickAsListed(k, id, { ...list, lines: [{ ...list.lines[0], bin: 'NEW/elsewhere' }] });
  const shipUnpicked = await ship(k, id, list.pickingListNo);

  t.is(tooMany.status, 422);
  t.is(tooMany.body.error.code, 'pick-mismatch');
  t.regex(tooMany.body.error.message, /lines\[0\]/);
  t.is(tooMany.body.error.details.line, 0);
  t.is(wrongBin.status, 422);
  t.is(shipUnpicked.status, 409);
  const after = await readOrder(k, id);
  t.is(after.pickingLists[0].status, 'issued');
  t.is(after.lines[0].picked, 0);
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, part.bin), { onHand: 10, reserved: 4 });
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, '@in-transit'), { onHand: 0, reserved: 0 });
});

test('cancelling before shipment releases every reservation', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { stock: 10 });
  const { id } = await submitOrder(k, [{ partNo: part.partNo, quantity: 4 }]);
  await orderWhen(k, id, (o) => o.pickingLists.length === 1, 'a picking list');

  const res = await k.api.call('POST', `${orderPath(id)}/cancel`, { key: k.keys.dealer, body: { reason: 'ordered twice' } });
  await k.stack.client.workflow.getHandle(id).result();

  t.is(res.status, 200);
  const order = await readOrder(k, id);
  t.is(order.status, 'cancelled');
  t.like(order.lines[0], { cancelled: 4, reserved: 0 });
  t.is(order.pickingLists[0].status, 'cancelled');
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, part.bin), { onHand: 10, reserved: 0 });
  await assertLedgerClean(t, k.stack.orm);
  await saveHistory(k.stack.client, id, 'dealer-order-cancelled');
});

test('cancelling after the goods have shipped is refused and points to a return', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { stock: 10 });
  const { id } = await submitOrder(k, [{ partNo: part.partNo, quantity: 4 }]);
  await pickAndShip(k, id);

  const res = await k.api.call('POST', `${orderPath(id)}/cancel`, { key: k.keys.dealer, body: {} });

  t.is(res.status, 409);
  t.is(res.body.error.code, 'already-shipped');
  t.regex(res.body.error.message, /return/);
  t.is((await readOrder(k, id)).lines[0].cancelled, 0);
});

test('cancelling a partly shipped order cancels only the unshipped quantity', async (t) => {
  const k = await kit(t);
  const inStock = await pricedPart(k.stack, { stock: 5 });
  const missing = await pricedPart(k.stack, { stock: 1 });
  const { id } = await submitOrder(k, [{ partNo: inStock.partNo, quantity: 5 }, { partNo: missing.partNo, quantity: 3 }]);
  const shipmentNo = await pickAndShip(k, id);

  const res = await k.api.call('POST', `${orderPath(id)}/cancel`, { key: k.keys.backOffice, body: { reason: 'the dealer will not wait' } });
  const cancelled = await readOrder(k, id);
  await k.api.call('POST', `${orderPath(id)}/receipt`, {
    key: k.keys.dealer, body: { shipmentNo, lines: [{ partNo: inStock.partNo, received: 5 }, { partNo: missing.partNo, received: 1 }] },
  });
  await k.stack.client.workflow.getHandle(id).result();

  t.is(res.status, 200, JSON.stringify(res.body));
  t.like(cancelled.lines[0], { shipped: 5, cancelled: 0 });
  t.like(cancelled.lines[1], { shipped: 1, cancelled: 2, backordered: 0 });
  t.is(cancelled.purchaseFollowUps[0].status, 'cancelled');
  t.is(cancelled.status, 'awaiting-receipt');
  t.is((await readOrder(k, id)).status, 'completed');
  await assertLedgerClean(t, k.stack.orm);
  await saveHistory(k.stack.client, id, 'dealer-order-partial-cancel');
});

test('the same order posted twice is one order, and its number with other lines is a conflict', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { stock: 10 });
  const orderNo = uid('PO-');
  const body = { dealerId: k.dealerId, orderNo, lines: [{ partNo: part.partNo, quantity: 2 }] };

  const first = await k.api.call('POST', '/dealer-orders', { key: k.keys.dealer, body });
  const again = await k.api.call('POST', '/dealer-orders', { key: k.keys.dealer, body });
  const other = await k.api.call('POST', '/dealer-orders', { key: k.keys.dealer, body: { ...body, lines: [{ partNo: part.partNo, quantity: 3 }] } });
  await withStatus(k, first.body.id, 'picking');

  t.is(first.status, 201);
  t.is(again.status, 200);
  t.is(again.body.id, first.body.id);
  t.is(again.headers.get('location'), first.headers.get('location'));
  t.is(other.status, 409);
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, part.bin), { onHand: 10, reserved: 2 });
});

test('bad order lines are refused before anything starts', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { stock: 10 });
  const post = (lines: unknown[]) => k.api.call('POST', '/dealer-orders', { key: k.keys.dealer, body: { dealerId: k.dealerId, orderNo: uid('PO-'), lines } });

  const unknown = await post([{ partNo: part.partNo, quantity: 1 }, { partNo: 'NO-SUCH-PART', quantity: 1 }]);
  const zero = await post([{ partNo: part.partNo, quantity: 0 }]);
  const twice = await post([{ partNo: part.partNo, quantity: 1 }, { partNo: part.partNo, quantity: 2 }]);
  const otherDealer = await k.api.call('POST', '/dealer-orders', { key: k.keys.dealer, body: { dealerId: 'SOMEONE-ELSE', orderNo: 'X', lines: [{ partNo: part.partNo, quantity: 1 }] } });

  t.is(unknown.status, 422);
  t.regex(unknown.body.error.message, /lines\[1\]/);
  t.is(zero.status, 400);
  t.regex(zero.body.error.message, /lines\[0\]\.quantity/);
  t.is(twice.status, 400);
  const tooLong = await k.api.call('POST', '/dealer-orders', { key: k.keys.dealer, body: { dealerId: k.dealerId, orderNo: 'P'.repeat(40) + '/'.repeat(24), lines: [{ partNo: part.partNo, quantity: 1 }] } });

  t.is(otherDealer.status, 404);
  t.is(tooLong.status, 400);
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, part.bin), { onHand: 10, reserved: 0 });
});

test('a short and a damaged receipt open a discrepancy that a credit resolves', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { price: '20.00', stock: 10 });
  const { id } = await submitOrder(k, [{ partNo: part.partNo, quantity: 10 }]);
  const shipmentNo = await pickAndShip(k, id);

  const receipt = await k.api.call('POST', `${orderPath(id)}/receipt`, { key: k.keys.dealer, body: { shipmentNo, lines: [{ partNo: part.partNo, received: 8, damaged: 1 }] } });
  const open = await readOrder(k, id);
  const resolved = await k.api.call('POST', `${orderPath(id)}/discrepancies`, { key: k.keys.backOffice, body: { shipmentNo, resolution: 'credit' } });
  await k.stack.client.workflow.getHandle(id).result();

  t.is(receipt.status, 200);
  t.is(open.status, 'discrepancy');
  t.like(open.lines[0], { shipped: 10, received: 8, damaged: 1 });
  t.is(resolved.status, 200, JSON.stringify(resolved.body));
  t.is((await readOrder(k, id)).status, 'completed');
  // invoiced 200.00, credited 2 short + 1 damaged
  t.is(await balanceOf(k.stack.orm, account.dealerReceivable(k.dealerId)), 14000n);
  const [invoice] = await k.stack.orm.em.fork().execute('select amount_minor, paid_minor from invoice where shipment_no = ?', [shipmentNo]);
  t.is(BigInt(String(invoice!.amount_minor)) - BigInt(String(invoice!.paid_minor)), 14000n, 'the invoice is open for what was not credited');
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, '@dealer'), { onHand: 8, reserved: 0 });
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, '@in-transit'), { onHand: 0, reserved: 0 });
  await assertLedgerClean(t, k.stack.orm);
  await saveHistory(k.stack.client, id, 'dealer-order-discrepancy-credit');
});

test('a discrepancy resolved by re-shipment sends the missing units again free of charge', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { price: '20.00', stock: 10 });
  const { id } = await submitOrder(k, [{ partNo: part.partNo, quantity: 4 }]);
  const first = await pickAndShip(k, id);
  await k.api.call('POST', `${orderPath(id)}/receipt`, { key: k.keys.dealer, body: { shipmentNo: first, lines: [{ partNo: part.partNo, received: 3 }] } });

  const resolved = await k.api.call('POST', `${orderPath(id)}/discrepancies`, { key: k.keys.backOffice, body: { shipmentNo: first, resolution: 're-ship' } });
  const second = await pickAndShip(k, id, 1);
  await k.api.call('POST', `${orderPath(id)}/receipt`, { key: k.keys.dealer, body: { shipmentNo: second, lines: [{ partNo: part.partNo, received: 1 }] } });
  await k.stack.client.workflow.getHandle(id).result();

  t.is(resolved.status, 200, JSON.stringify(resolved.body));
  const order = await readOrder(k, id);
  t.is(order.status, 'completed');
  t.is(order.shipments[1].invoiceNo, null);
  t.like(order.lines[0], { shipped: 4, received: 4, reshipDue: 0 });
  t.is(await balanceOf(k.stack.orm, account.dealerReceivable(k.dealerId)), 8000n);
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, part.bin), { onHand: 5, reserved: 0 });
  await assertLedgerClean(t, k.stack.orm);
  await saveHistory(k.stack.client, id, 'dealer-order-discrepancy-reship');
});

test('an order of a dealer on credit hold waits, visibly, and is released when the hold lifts', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { stock: 10 });
  const hold = await k.api.call('PUT', `/dealers/${k.dealerId}/credit-hold`, { key: k.keys.backOffice, body: { onHold: true, reason: 'arrears' } });

  const { id } = await submitOrder(k, [{ partNo: part.partNo, quantity: 2 }]);
  const waiting = await withStatus(k, id, 'credit-hold');
  const reservedWhileWaiting = await stockOf(k.stack.orm, part.partNo, part.bin);
  const lift = await k.api.call('PUT', `/dealers/${k.dealerId}/credit-hold`, { key: k.keys.backOffice, body: { onHold: false } });
  const released = await withStatus(k, id, 'picking');

  t.is(hold.status, 200);
  t.is(lift.status, 200);
  t.true(lift.body.changed);
  t.true(waiting.timeline.some((s: { step: string }) => s.step === 'waiting-for-credit'));
  t.is(reservedWhileWaiting.reserved, 0);
  t.is(released.pickingLists.length, 1);
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, part.bin), { onHand: 10, reserved: 2 });
  await k.api.call('POST', `${orderPath(id)}/cancel`, { key: k.keys.dealer, body: {} });
  await k.stack.client.workflow.getHandle(id).result();
  await saveHistory(k.stack.client, id, 'dealer-order-credit-hold');
});

test('another dealer cannot see or drive an order', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { stock: 10 });
  const { id } = await submitOrder(k, [{ partNo: part.partNo, quantity: 1 }]);
  await withStatus(k, id, 'picking');
  const { seedDealer, keyFor } = await import('./helpers/fixtures.ts');
  const stranger = await keyFor(k.api, 'dealer', await seedDealer(k.stack.orm));

  const read = await k.api.call('GET', orderPath(id), { key: stranger });
  const cancel = await k.api.call('POST', `${orderPath(id)}/cancel`, { key: stranger, body: {} });

  t.is(read.status, 404);
  t.is(cancel.status, 404);
  t.is((await readOrder(k, id)).status, 'picking');
});

test('a putaway into an unknown bin is refused, and the corrected putaway is booked', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack);
  const supplierId = await seedSupplier(k.stack.orm);
  const registered = await k.api.call('POST', '/inbound-receipts', {
    key: k.keys.warehouse, body: { supplierId, deliveryNoteNo: uid('DN-'), lines: [{ partNo: part.partNo, quantity: 4 }] },
  });
  const path = `/inbound-receipts/${encodeURIComponent(registered.body.id)}`;
  await k.api.call('POST', `${path}/count`, { key: k.keys.warehouse, body: { lines: [{ lineNo: 1, counted: 4 }] } });
  await k.api.call('POST', `${path}/inspection`, { key: k.keys.warehouse, body: { lines: [{ lineNo: 1, accepted: 4, rejected: 0 }] } });

  const refused = await k.api.call('POST', `${path}/putaway`, { key: k.keys.warehouse, body: { lines: [{ lineNo: 1, bin: 'NEW/NO-SUCH-BIN', quantity: 4 }] } });
  const corrected = await k.api.call('POST', `${path}/putaway`, { key: k.keys.warehouse, body: { lines: [{ lineNo: 1, bin: part.bin, quantity: 4 }] } });

  t.is(refused.status, 422, JSON.stringify(refused.body));
  t.is(refused.body.error.code, 'unknown-bin');
  t.is(corrected.status, 200, JSON.stringify(corrected.body));
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, part.bin), { onHand: 4, reserved: 0 });
});

test('a ship request sent twice ships and invoices once', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { price: '9.00', stock: 3 });
  const { id } = await submitOrder(k, [{ partNo: part.partNo, quantity: 3 }]);
  const list = (await orderWhen(k, id, (o) => o.pickingLists.length === 1, 'a picking list')).pickingLists[0];
  await pickAsListed(k, id, list);

  const answers = await Promise.all([ship(k, id, list.pickingListNo), ship(k, id, list.pickingListNo)]);

  t.true(answers.some((a) => a.status === 201), JSON.stringify(answers.map((a) => a.body)));
  t.true(answers.every((a) => a.status === 201 || a.status === 409));
  t.is((await readOrder(k, id)).shipments.length, 1);
  t.is(await balanceOf(k.stack.orm, account.dealerReceivable(k.dealerId)), 2700n);
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, '@in-transit'), { onHand: 3, reserved: 0 });
});

test('two orders racing for the last units never reserve more than is there', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { stock: 5 });

  const [a, b] = await Promise.all([submitOrder(k, [{ partNo: part.partNo, quantity: 4 }]), submitOrder(k, [{ partNo: part.partNo, quantity: 4 }])]);
  const [oa, ob] = await Promise.all([a, b].map((o) => orderWhen(k, o.id, (v) => v.status === 'picking', 'allocation')));

  t.is(oa.lines[0].reserved + ob.lines[0].reserved, 5);
  t.is(oa.lines[0].backordered + ob.lines[0].backordered, 3);
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, part.bin), { onHand: 5, reserved: 5 });
  await assertLedgerClean(t, k.stack.orm);
});

test('every step sent again after it was taken answers as the first did and takes nothing twice', async (t) => {
  // a client that lost an answer (the database or Temporal restarting) sends the same step again
  const k = await kit(t);
  const part = await pricedPart(k.stack, { price: '9.00', stock: 0 });
  const supplierId = await seedSupplier(k.stack.orm);
  const registered = await k.api.call('POST', '/inbound-receipts', {
    key: k.keys.warehouse, body: { supplierId, deliveryNoteNo: uid('DN-'), lines: [{ partNo: part.partNo, quantity: 3 }] },
  });
  const receipt = `/inbound-receipts/${encodeURIComponent(registered.body.id)}`;
  const twice = async (path: string, body: unknown, key = k.keys.warehouse) => [
    await k.api.call('POST', path, { key, body }), await k.api.call('POST', path, { key, body }),
  ];
  const counted = await twice(`${receipt}/count`, { lines: [{ lineNo: 1, counted: 3 }] });
  const otherCount = await k.api.call('POST', `${receipt}/count`, { key: k.keys.warehouse, body: { lines: [{ lineNo: 1, counted: 2 }] } });
  const inspected = await twice(`${receipt}/inspection`, { lines: [{ lineNo: 1, accepted: 3, rejected: 0 }] });
  const putAway = await twice(`${receipt}/putaway`, { lines: [{ lineNo: 1, bin: part.bin, quantity: 3 }] });

  t.deepEqual([...counted, ...inspected, ...putAway].map((r) => r.status), [200, 200, 200, 200, 200, 200], JSON.stringify(putAway.map((r) => r.body)));
  t.is(otherCount.status, 409);
  t.is(putAway[1]!.body.status, 'completed');
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, part.bin), { onHand: 3, reserved: 0 });

  const { id } = await submitOrder(k, [{ partNo: part.partNo, quantity: 3 }]);
  const list = (await orderWhen(k, id, (o) => o.pickingLists.length === 1, 'a picking list')).pickingLists[0];
  const picked = await twice(`${orderPath(id)}/picks`, { pickingListNo: list.pickingListNo, lines: list.lines });
  const shipBody = { pickingListNo: list.pickingListNo, carrier: 'SF Express', consignmentNo: uid('SF') };
  const shipped = await twice(`${orderPath(id)}/shipments`, shipBody, k.keys.dispatcher);
  const otherShip = await k.api.call('POST', `${orderPath(id)}/shipments`, { key: k.keys.dispatcher, body: { ...shipBody, consignmentNo: uid('SF') } });
  const receiptBody = { shipmentNo: shipped[0]!.body.shipmentNo, lines: [{ partNo: part.partNo, received: 3, damaged: 0 }] };
  const received = await twice(`${orderPath(id)}/receipt`, receiptBody, k.keys.dealer);
  const otherReceipt = await k.api.call('POST', `${orderPath(id)}/receipt`, { key: k.keys.dealer, body: { ...receiptBody, lines: [{ partNo: part.partNo, received: 2, damaged: 0 }] } });
  await k.stack.client.workflow.getHandle(id).result();

  t.deepEqual(picked.map((r) => r.status), [200, 200]);
  t.deepEqual(shipped.map((r) => r.status), [201, 201]);
  t.is(shipped[1]!.body.shipmentNo, shipped[0]!.body.shipmentNo);
  t.is(shipped[1]!.body.invoiceNo, shipped[0]!.body.invoiceNo);
  t.is(otherShip.status, 409);
  t.deepEqual(received.map((r) => r.status), [200, 200], JSON.stringify(received[1]!.body));
  t.is(otherReceipt.status, 409);
  const order = await readOrder(k, id);
  t.is(order.status, 'completed');
  t.is(order.shipments.length, 1);
  t.like(order.lines[0], { picked: 3, shipped: 3, received: 3 });
  t.is(await balanceOf(k.stack.orm, account.dealerReceivable(k.dealerId)), 2700n);
  await assertLedgerClean(t, k.stack.orm);
});

test('a cancel sent again answers the cancelled order', async (t) => {
  const k = await kit(t);
  const part = await pricedPart(k.stack, { stock: 10 });
  const { id } = await submitOrder(k, [{ partNo: part.partNo, quantity: 4 }]);
  await orderWhen(k, id, (o) => o.pickingLists.length === 1, 'a picking list');

  const first = await k.api.call('POST', `${orderPath(id)}/cancel`, { key: k.keys.dealer, body: { reason: 'ordered twice' } });
  const again = await k.api.call('POST', `${orderPath(id)}/cancel`, { key: k.keys.dealer, body: { reason: 'ordered twice' } });
  await k.stack.client.workflow.getHandle(id).result();

  t.deepEqual([first.status, again.status], [200, 200]);
  t.is(again.body.status, 'cancelled');
  t.deepEqual(await stockOf(k.stack.orm, part.partNo, part.bin), { onHand: 10, reserved: 0 });
});

test('the opening step run again after it committed (a retry after a crash) answers as the first did and sets nothing back', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const dealerId = await seedDealer(stack.orm);
  const { partNo } = await pricedPart(stack, { stock: 5 });
  const orderId = processId('dealer-order', dealerId, uid('PO-'));
  const open = () => inTransaction(stack.orm, (em) => openOrder(em, stack.ledger, {
    orderId, actor: 'test', key: `${orderId}:open`, dealerId, orderNo: orderId.split(':')[2]!, lines: [{ partNo, quantity: 2 }],
  }));

  const first = await open();
  const again = await open();

  t.is(first.state.status, 'picking');
  t.deepEqual(again, first);
  const [row] = await stack.orm.em.fork().execute('select status from process where id = ?', [orderId]);
  t.is(row!.status, 'picking');
  t.is(again.state.lines[0]!.reserved, 2, 'reserved once');
  const steps = await stack.orm.em.fork().execute('select step from process_step where process_id = ? order by id', [orderId]);
  t.deepEqual(steps.map((r) => r.step), ['submitted', 'allocated', 'picking-list-issued'], 'each step once');
  await assertLedgerClean(t, stack.orm);
});
