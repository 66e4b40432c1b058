import anyTest, { type TestFn } from 'ava';

import { reserveRefund } from '../db/consumer.ts';
import { DomainError } from '../db/errors.ts';
import { inTransaction } from '../db/tx.ts';
import {
  carrierEvent, deliver, fileReturn, orderStatus, pickUpAndRestock, PICKUP_CITY, placeOrder, returnStatus, WORKING_DAY, type Keys,
} from './helpers/consumer.ts';
import { assertLedgerClean, balanceOf, keyFor, stockOf } from './helpers/fixtures.ts';
import { saveHistory } from './helpers/histories.ts';
import { eventually, testStack, uid, type Api, type Stack } from './helpers/stack.ts';

// Consumer orders, returns and refunds (issue 6): each rule at its boundary, through the API on
// a real worker, Temporal and PostgreSQL. One stack serves the file; every test has its own ids.

const test = anyTest as TestFn<{ stack: Stack; api: Api; keys: Keys }>;

test.before(async (t) => {
  const stack = await testStack();
  await stack.startWorker();
  const api = await stack.api();
  const keys = {
    service: await keyFor(api, 'customer-service'), warehouse: await keyFor(api, 'warehouse'),
    finance: await keyFor(api, 'finance'), backOffice: await keyFor(api, 'back-office'),
  };
  await api.call('PUT', `/pickup-areas/${PICKUP_CITY}`, { key: keys.backOffice, body: {} });
  t.context = { stack, api, keys };
});
test.after.always(async (t) => { await t.context.stack?.close(); });
test.afterEach(async (t) => { await assertLedgerClean(t, t.context.stack.orm); });

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

test('a return of 3 units of a line with 2 delivered is refused, naming the numbers', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys);
  await deliver(api, keys, order.orderNo);

  const res = await fileReturn(api, keys, order.orderNo, { lines: [{ lineNo: 1, quantity: 3 }] });

  t.is(res.status, 422);
  t.is(res.body.error.code, 'return-exceeds-delivered');
  t.like(res.body.error.details, { lineNo: 1, requested: 3, delivered: 2, returned: 0, pending: 0, left: 2 });
});

test('a return after a partial return may take only what is left, and the refunds add up to the line', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys, { route: 'card', amount: '100.00', lines: [{ lineNo: 1, quantity: 3, unitPrice: '33.34' }] });
  await deliver(api, keys, order.orderNo);
  const first = await fileReturn(api, keys, order.orderNo, { lines: [{ lineNo: 1, quantity: 1 }], refundTo: 'store-balance' });
  t.is(first.status, 201, JSON.stringify(first.body));
  await pickUpAndRestock(api, keys, first.body.id, [{ lineNo: 1, quantity: 1 }]);
  await returnStatus(api, keys, first.body.id, 'refunded');

  const second = await fileReturn(api, keys, order.orderNo, { lines: [{ lineNo: 1, quantity: 2 }], refundTo: 'store-balance' });
  const third = await fileReturn(api, keys, order.orderNo, { lines: [{ lineNo: 1, quantity: 1 }] });

  t.is(second.status, 201, JSON.stringify(second.body));
  t.is(third.status, 422);
  t.like(third.body.error.details, { delivered: 3, returned: 1, pending: 2, left: 0 });
  await pickUpAndRestock(api, keys, second.body.id, [{ lineNo: 1, quantity: 2 }]);
  await returnStatus(api, keys, second.body.id, 'refunded');
  t.is(await balanceOf(stack.orm, `store-balance:${order.customerId}`), -10000n, '33.33 + 66.67 = the 100.00 paid for the line');
  t.is((await stockOf(stack.orm, order.lines[0]!.sku, 'NEW/RETURNS')).onHand, 3);
  await saveHistory(stack.client, first.body.id, 'consumer-return-store-balance');
});

test('a perishable item is refused by rule, with its category named', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys, { lines: [{ lineNo: 1, quantity: 2, unitPrice: '50.00', category: 'perishable' }] });
  await deliver(api, keys, order.orderNo);

  const res = await fileReturn(api, keys, order.orderNo, { lines: [{ lineNo: 1, quantity: 1 }] });

  t.is(res.status, 422);
  t.is(res.body.error.code, 'not-returnable');
  t.regex(res.body.error.message, /fresh and perishable goods \(category perishable\)/);
});

test('a quality complaint is reviewed before pickup, then picked up', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys);
  await deliver(api, keys, order.orderNo);
  const filed = await fileReturn(api, keys, order.orderNo, { lines: [{ lineNo: 1, quantity: 1 }], quality: true });
  const pickup = { key: keys.warehouse, body: { date: WORKING_DAY, slot: 'morning' } };

  const early = await api.call('POST', `/returns/${filed.body.id}/pickup`, pickup);
  const review = await api.call('POST', `/returns/${filed.body.id}/review`, { key: keys.service, body: { decision: 'accepted', note: 'cracked housing on the photos' } });
  const booked = await api.call('POST', `/returns/${filed.body.id}/pickup`, pickup);

  t.is(early.status, 409);
  t.is(early.body.error.code, 'review-pending');
  t.is(review.body.status, 'awaiting-pickup');
  t.is(booked.status, 200);
  t.is(booked.body.status, 'pickup-booked');
});

test('an inspection restocks, books damaged and sends back rejected units, refunding only those accepted', async (t) => {
  const { stack, api, keys } = t.context;
  const customerId = uid('CU-');
  const order = await placeOrder(stack, api, keys, { route: 'store-balance', customerId, amount: '30.00', lines: [{ lineNo: 1, quantity: 3, unitPrice: '10.00' }] });
  await deliver(api, keys, order.orderNo);
  const filed = await fileReturn(api, keys, order.orderNo, { lines: [{ lineNo: 1, quantity: 3 }] });
  await api.call('POST', `/returns/${filed.body.id}/pickup`, { key: keys.warehouse, body: { date: WORKING_DAY, slot: 'morning' } });

  const bad = await api.call('POST', `/returns/${filed.body.id}/inspection`, { key: keys.warehouse, body: { lines: [{ lineNo: 1, restock: 1, damaged: 1, rejected: 0 }] } });
  const inspected = await api.call('POST', `/returns/${filed.body.id}/inspection`, { key: keys.warehouse, body: { lines: [{ lineNo: 1, restock: 1, damaged: 1, rejected: 1 }] } });
  await returnStatus(api, keys, filed.body.id, 'refunded');

  t.is(bad.status, 422, 'the units inspected must add up to the units returned');
  t.is(inspected.body.refundMinor, 2000);
  const sku = order.lines[0]!.sku;
  t.is((await stockOf(stack.orm, sku, 'NEW/RETURNS')).onHand, 1);
  t.is((await stockOf(stack.orm, sku, 'NEW/DAMAGED')).onHand, 1);
  t.is(await balanceOf(stack.orm, `store-balance:${customerId}`), 1000n, '30.00 paid from it (debit), 20.00 credited back');
  const view = await orderStatus(api, keys, order.orderNo, 'delivered');
  t.like(view.lines[0], { delivered: 3, returned: 2, pending: 0 });
});

test('a quality complaint rejected on review gives the units back to the order', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys);
  await deliver(api, keys, order.orderNo);
  const filed = await fileReturn(api, keys, order.orderNo, { lines: [{ lineNo: 1, quantity: 2 }], quality: true });

  const review = await api.call('POST', `/returns/${filed.body.id}/review`, { key: keys.service, body: { decision: 'rejected', note: 'wear, not a defect' } });
  await stack.client.workflow.getHandle(filed.body.id).result();
  const again = await eventually(async () => {
    const res = await fileReturn(api, keys, order.orderNo, { lines: [{ lineNo: 1, quantity: 2 }] });
    return res.status === 201 ? res : undefined;
  });

  t.is(review.body.status, 'closed');
  t.is(again.status, 201);
});

test('a pickup on a holiday or a Saturday is refused, and one outside the self-operated area too', async (t) => {
  const { stack, api, keys } = t.context;
  await api.call('PUT', '/holidays/2027-03-04', { key: keys.backOffice, body: { name: 'test holiday' } });
  const inside = await placeOrder(stack, api, keys);
  const outside = await placeOrder(stack, api, keys, { city: 'Lhasa' });
  await deliver(api, keys, inside.orderNo);
  await deliver(api, keys, outside.orderNo);
  const a = await fileReturn(api, keys, inside.orderNo, { lines: [{ lineNo: 1, quantity: 1 }] });
  const b = await fileReturn(api, keys, outside.orderNo, { lines: [{ lineNo: 1, quantity: 1 }] });
  const book = (id: string, date: string) => api.call('POST', `/returns/${id}/pickup`, { key: keys.warehouse, body: { date, slot: 'afternoon' } });

  const holiday = await book(a.body.id, '2027-03-04');
  const saturday = await book(a.body.id, '2027-03-06');
  const away = await book(b.body.id, WORKING_DAY);
  const friday = await book(a.body.id, '2027-03-05');

  t.is(holiday.status, 422);
  t.regex(holiday.body.error.message, /holiday \(test holiday\)/);
  t.is(saturday.body.error.code, 'not-a-working-day');
  t.is(away.status, 422);
  t.is(away.body.error.code, 'outside-delivery-area');
  t.is(away.body.error.details.reason, 'outside the self-operated delivery area');
  t.is(friday.status, 200);
});

test('a refund of 99.00 then one of 5.00 of a 100.00 payment refuses the second: 1.00 is left', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys);
  const ctx = { processId: order.id, actor: 'test', at: new Date(), step: 'refund' };
  const refund = (refundId: string, amountMinor: number) => inTransaction(stack.orm, (em) =>
    reserveRefund(em, stack.ledger, { refundId, orderNo: order.orderNo, amountMinor, refundTo: 'original' }, ctx));

  await refund(uid('RF-'), 9900);
  const err = await t.throwsAsync(refund(uid('RF-'), 500), { instanceOf: DomainError });

  t.is(err?.code, 'refund-exceeds-paid');
  t.like(err?.details, { requested: '5.00', left: '1.00' });
});

test('of two concurrent refunds of 60.00 of a 100.00 payment, one succeeds', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys);
  const ctx = { processId: order.id, actor: 'test', at: new Date(), step: 'refund' };
  const refund = () => inTransaction(stack.orm, (em) =>
    reserveRefund(em, stack.ledger, { refundId: uid('RF-'), orderNo: order.orderNo, amountMinor: 6000, refundTo: 'original' }, ctx));

  const results = await Promise.allSettled([refund(), refund()]);

  t.is(results.filter((r) => r.status === 'fulfilled').length, 1);
  const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  t.is((failed.reason as DomainError).code, 'refund-exceeds-paid');
  const [row] = await stack.orm.em.fork().execute('select pending_minor from consumer_payment where order_no = ?', [order.orderNo]);
  t.is(String(row!.pending_minor), '6000');
});

test('the same provider event twice settles a card refund once', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys);
  await deliver(api, keys, order.orderNo);
  const filed = await fileReturn(api, keys, order.orderNo, { lines: [{ lineNo: 1, quantity: 1 }] });
  await pickUpAndRestock(api, keys, filed.body.id, [{ lineNo: 1, quantity: 1 }]);
  const pending = await returnStatus(api, keys, filed.body.id, 'refund-pending');
  const refundId = `${filed.body.id}:refund`;
  const [instruction] = await stack.orm.em.fork().execute('select amount_minor, route from refund_instruction where idempotency_key = ?', [refundId]);
  const event = { key: keys.finance, body: { eventId: uid('PE-'), refundId, status: 'settled' } };

  const one = await api.call('POST', '/payment-events', event);
  const two = await api.call('POST', '/payment-events', event);

  t.is(pending.status, 'refund-pending');
  t.like(instruction, { amount_minor: '5000', route: 'card' });
  t.is(one.body.duplicate, false);
  t.is(two.body.duplicate, true);
  await returnStatus(api, keys, filed.body.id, 'refunded');
  const view = await orderStatus(api, keys, order.orderNo, 'delivered');
  t.like(view.payment, { refunded: { amount: '50.00', currency: 'CNY' }, pending: { amount: '0.00', currency: 'CNY' } });
  const settled = await stack.orm.em.fork().execute(`select id from money_journal where idempotency_key = ?`, [`${refundId}:settled`]);
  t.is(settled.length, 1);
  await saveHistory(stack.client, filed.body.id, 'consumer-return-card-refund');
});

test('a company-transfer refund to a different account is refused, and to the paying account made', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys, { route: 'company-transfer', account: 'ACME-6222001' });
  await deliver(api, keys, order.orderNo);
  const filed = await fileReturn(api, keys, order.orderNo, { lines: [{ lineNo: 1, quantity: 2 }] });
  await pickUpAndRestock(api, keys, filed.body.id, [{ lineNo: 1, quantity: 2 }]);
  await returnStatus(api, keys, filed.body.id, 'awaiting-account-confirmation');

  const other = await api.call('POST', `/returns/${filed.body.id}/refund-account`, { key: keys.finance, body: { account: 'OTHER-1' } });
  const same = await api.call('POST', `/returns/${filed.body.id}/refund-account`, { key: keys.finance, body: { account: 'ACME-6222001' } });

  t.is(other.status, 422);
  t.is(other.body.error.code, 'account-mismatch');
  t.is(same.status, 200);
  const [instruction] = await stack.orm.em.fork().execute('select account, amount_minor from refund_instruction where idempotency_key = ?', [`${filed.body.id}:refund`]);
  t.like(instruction, { account: 'ACME-6222001', amount_minor: '10000' });
});

test('a refund to the store balance above 1,000.00 is refused', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys, { amount: '1000.01', lines: [{ lineNo: 1, quantity: 1, unitPrice: '1000.01' }] });
  await deliver(api, keys, order.orderNo);

  const res = await fileReturn(api, keys, order.orderNo, { lines: [{ lineNo: 1, quantity: 1 }], refundTo: 'store-balance' });
  const original = await fileReturn(api, keys, order.orderNo, { lines: [{ lineNo: 1, quantity: 1 }] });

  t.is(res.status, 422);
  t.is(res.body.error.code, 'store-balance-limit');
  t.like(res.body.error.details, { requested: '1000.01', limit: '1000.00' });
  t.is(original.status, 201, 'the refused request reserved nothing');
});

test('cash on delivery refused twice within 30 days costs 500 points once', async (t) => {
  const { stack, api, keys } = t.context;
  const customerId = uid('CU-');
  const first = await placeOrder(stack, api, keys, { route: 'cash-on-delivery', customerId, placedAt: daysAgo(20) });
  await carrierEvent(api, keys, first.orderNo, 'refused');
  await orderStatus(api, keys, first.orderNo, 'refused');
  t.is(await balanceOf(stack.orm, `loyalty:${customerId}`, 'PTS'), 0n, 'one refusal in 30 days is free');
  const second = await placeOrder(stack, api, keys, { route: 'cash-on-delivery', customerId, placedAt: daysAgo(5) });

  const eventId = uid('EV-');
  await carrierEvent(api, keys, second.orderNo, 'refused', eventId);
  await carrierEvent(api, keys, second.orderNo, 'refused', eventId);
  await carrierEvent(api, keys, second.orderNo, 'refused');

  await orderStatus(api, keys, second.orderNo, 'refused');
  await eventually(async () => ((await stack.orm.em.fork().execute('select 1 from process_step where process_id = ? and step = ?', [second.id, 'event-ignored'])).length ? true : undefined));
  t.is(await balanceOf(stack.orm, `loyalty:${customerId}`, 'PTS'), 500n);
  await saveHistory(stack.client, second.id, 'consumer-order-cod-refused');
});

test('a fourth refusal within 365 days costs 500 points, though none of the 30-day windows holds two', async (t) => {
  const { stack, api, keys } = t.context;
  const customerId = uid('CU-');
  const refuse = async (ago: number) => {
    const order = await placeOrder(stack, api, keys, { route: 'cash-on-delivery', customerId, placedAt: daysAgo(ago) });
    await carrierEvent(api, keys, order.orderNo, 'refused');
    await orderStatus(api, keys, order.orderNo, 'refused');
    return balanceOf(stack.orm, `loyalty:${customerId}`, 'PTS');
  };

  const afterThree = (await refuse(300), await refuse(200), await refuse(100));
  const afterFour = await refuse(40);

  t.is(afterThree, 0n);
  t.is(afterFour, 500n);
});

test('a cancellation after shipment is refused with 409, telling to refuse or return', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys, { route: 'cash-on-delivery' });
  await carrierEvent(api, keys, order.orderNo, 'shipped');
  await orderStatus(api, keys, order.orderNo, 'shipped');

  const res = await api.call('POST', `/consumer-orders/${order.orderNo}/cancel`, { key: keys.service, body: {} });

  t.is(res.status, 409);
  t.is(res.body.error.code, 'order-shipped');
  t.regex(res.body.error.message, /refuse the delivery or return/);
});

test('an unshipped cash-on-delivery order is cancelled and stays cancelled', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys, { route: 'cash-on-delivery' });

  const res = await api.call('POST', `/consumer-orders/${order.orderNo}/cancel`, { key: keys.service, body: {} });
  await stack.client.workflow.getHandle(order.id).result();
  const late = await carrierEvent(api, keys, order.orderNo, 'shipped');
  const again = await api.call('POST', `/consumer-orders/${order.orderNo}/cancel`, { key: keys.service, body: {} });

  t.is(res.status, 200);
  t.is(res.body.cancellation.refund, null);
  t.is(late.body.routed, false);
  t.is(again.body.status, 'cancelled');
  t.is((await api.call('GET', `/consumer-orders/${order.orderNo}`, { key: keys.service })).body.status, 'cancelled');
  await saveHistory(stack.client, order.id, 'consumer-order-cancelled');
});

test('a prepaid order that is cancelled is refunded what was paid, by its route', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys, { route: 'gift-card' });

  const res = await api.call('POST', `/consumer-orders/${order.orderNo}/cancel`, { key: keys.service, body: {} });
  const settle = await api.call('POST', '/payment-events', { key: keys.finance, body: { eventId: uid('PE-'), refundId: res.body.cancellation.refund.refundId, status: 'settled' } });
  await stack.client.workflow.getHandle(order.id).result();

  t.is(res.body.cancellation.refund.amountMinor, 10000);
  t.is(settle.status, 202);
  const view = (await api.call('GET', `/consumer-orders/${order.orderNo}`, { key: keys.service })).body;
  t.like(view.payment, { refunded: { amount: '100.00', currency: 'CNY' } });
  t.is(await balanceOf(stack.orm, `customer-payments:${order.orderNo}`), 0n);
  await saveHistory(stack.client, order.id, 'consumer-order-cancelled-refunded');
});

test('a price drop, then a second drop, then a rise: two claims paid, the third refused', async (t) => {
  const { stack, api, keys } = t.context;
  const customerId = uid('CU-');
  const order = await placeOrder(stack, api, keys, { route: 'store-balance', customerId, placedAt: daysAgo(3) });
  await deliver(api, keys, order.orderNo);
  const sku = order.lines[0]!.sku;
  const price = (p: string, ago: number) => api.call('POST', '/price-changes', { key: keys.service, body: { sku, price: p, currency: 'CNY', effectiveAt: daysAgo(ago) } });
  const claim = () => api.call('POST', `/consumer-orders/${order.orderNo}/price-protection`, { key: keys.service, body: { lineNo: 1 } });

  await price('45.00', 2);
  const first = await claim();
  const repeat = await claim();
  await price('42.00', 1);
  const second = await claim();
  await price('48.00', 0);
  const third = await claim();

  t.is(first.status, 201, JSON.stringify(first.body));
  t.is(first.body.claim.amountMinor, 1000, '(50.00 - 45.00) x 2');
  t.is(repeat.body.error.code, 'no-price-drop', 'once per price drop');
  t.is(second.body.claim.amountMinor, 600, '(45.00 - 42.00) x 2');
  t.is(third.status, 422);
  t.is(third.body.error.code, 'no-price-drop');
  await eventually(async () => (await balanceOf(stack.orm, `store-balance:${customerId}`)) === 10000n - 1600n ? true : undefined);
});

test('an unpaid cash-on-delivery order owes the lower price after a price drop', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys, { route: 'cash-on-delivery', placedAt: daysAgo(2) });
  await api.call('POST', '/price-changes', { key: keys.service, body: { sku: order.lines[0]!.sku, price: '40.00', currency: 'CNY', effectiveAt: daysAgo(1) } });

  const claim = await api.call('POST', `/consumer-orders/${order.orderNo}/price-protection`, { key: keys.service, body: { lineNo: 1 } });
  await deliver(api, keys, order.orderNo);

  t.is(claim.body.claim.status, 'deducted');
  t.is(await balanceOf(stack.orm, `customer-payments:${order.orderNo}`), -8000n, 'the courier collected 80.00');
});

test('a carrier event for an order not placed yet is kept and applied once the order arrives', async (t) => {
  const { stack, api, keys } = t.context;
  const orderNo = uid('CO-');
  const early = await carrierEvent(api, keys, orderNo, 'shipped');
  const sku = (await placeOrder(stack, api, keys)).lines[0]!.sku;

  const placed = await api.call('POST', '/consumer-orders', {
    key: keys.service,
    body: { orderNo, customerId: uid('CU-'), placedAt: new Date().toISOString(), payment: { route: 'card', amount: '10.00', currency: 'CNY' }, lines: [{ lineNo: 1, sku, category: 'ordinary', quantity: 1, unitPrice: '10.00' }] },
  });

  t.is(early.status, 202);
  t.is(placed.status, 201);
  await orderStatus(api, keys, orderNo, 'shipped');
  t.pass();
});

test('placing the same order twice has the effect of once; different content is refused', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys);
  const { id: _id, ...body } = order;

  const again = await api.call('POST', '/consumer-orders', { key: keys.service, body });
  const changed = await api.call('POST', '/consumer-orders', { key: keys.service, body: { ...body, payment: { ...body.payment, amount: '90.00' } } });

  t.is(again.status, 200);
  t.is(changed.status, 409);
  t.is(await balanceOf(stack.orm, `customer-payments:${order.orderNo}`), -10000n);
});

test('a warehouse key may not cancel a consumer order', async (t) => {
  const { stack, api, keys } = t.context;
  const order = await placeOrder(stack, api, keys);

  const res = await api.call('POST', `/consumer-orders/${order.orderNo}/cancel`, { key: keys.warehouse, body: {} });

  t.is(res.status, 403);
  t.is((await api.call('GET', `/consumer-orders/${order.orderNo}`, { key: keys.service })).body.status, 'placed');
});
