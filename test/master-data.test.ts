import test from 'ava';

import { keyFor, seedStock } from './helpers/fixtures.ts';
import { testStack, uid, type Api, type Stack } from './helpers/stack.ts';

let stack: Stack;
let api: Api;
test.before(async () => {
  stack = await testStack();
  api = await stack.api();
});
test.after.always(() => stack.close());

test('a part is upserted idempotently and read back with the actor that changed it', async (t) => {
  const model = uid('VM-');
  await api.call('PUT', `/vehicle-models/${model}`, { body: { name: 'Van', lifecycle: 'in-production' } });
  const partNo = uid('P-');
  const body = { name: 'Oil filter', category: 'ordinary', fits: [model] };

  const first = await api.call('PUT', `/parts/${partNo}`, { body });
  const again = await api.call('PUT', `/parts/${partNo}`, { body });
  const read = await api.call('GET', `/parts/${partNo}`);

  t.is(first.status, 200);
  t.is(again.status, 200);
  t.like(read.body, { partNo, name: 'Oil filter', category: 'ordinary', fits: [model], updatedBy: 'admin' });
});

test('a part that fits an unknown vehicle model is refused with 422 and not written', async (t) => {
  const partNo = uid('P-');

  const res = await api.call('PUT', `/parts/${partNo}`, { body: { name: 'x', category: 'ordinary', fits: ['NO-SUCH-MODEL'] } });
  const read = await api.call('GET', `/parts/${partNo}`);

  t.is(res.status, 422);
  t.is(res.body.error.code, 'unknown-vehicle-model');
  t.regex(res.body.error.message, /NO-SUCH-MODEL/);
  t.is(read.status, 404);
});

test('a bin in an unknown warehouse is refused with 422', async (t) => {
  const res = await api.call('PUT', '/warehouses/XYZ/bins/A-01', { body: {} });

  t.is(res.status, 422);
  t.is(res.body.error.code, 'unknown-warehouse');
});

test('a discontinued vehicle model needs its date', async (t) => {
  const res = await api.call('PUT', `/vehicle-models/${uid('VM-')}`, { body: { name: 'Old', lifecycle: 'discontinued' } });

  t.is(res.status, 422);
  t.regex(res.body.error.message, /discontinuedOn/);
});

test('a malformed body is answered 400 naming the field and the rule', async (t) => {
  const res = await api.call('PUT', `/parts/${uid('P-')}`, { body: { name: 'x', category: 'gold', fits: [], colour: 'red' } });

  t.is(res.status, 400);
  t.regex(res.body.error.message, /category/);
  t.regex(res.body.error.message, /colour/);
});

test('lists page by key with a filter', async (t) => {
  const category = 'black';
  const prefix = uid('LP-');
  for (const n of [1, 2, 3]) await api.call('PUT', `/parts/${prefix}-${n}`, { body: { name: `p${n}`, category, fits: [] } });

  const first = await api.call('GET', `/parts?category=${category}&limit=2&after=${prefix}`);
  const second = await api.call('GET', `/parts?category=${category}&limit=2&after=${encodeURIComponent(first.body.next)}`);

  t.deepEqual(first.body.items.map((p: { part_no: string }) => p.part_no), [`${prefix}-1`, `${prefix}-2`]);
  t.is(second.body.items[0].part_no, `${prefix}-3`);
});

test('only the back office changes master data', async (t) => {
  const warehouseKey = await keyFor(api, 'warehouse');

  const write = await api.call('PUT', `/suppliers/${uid('S-')}`, { key: warehouseKey, body: { name: 'x' } });
  const read = await api.call('GET', '/suppliers?limit=1', { key: warehouseKey });

  t.is(write.status, 403);
  t.is(read.status, 200);
});

test('stock reads show on hand, reserved and available per bin', async (t) => {
  const partNo = uid('P-');
  await api.call('PUT', `/parts/${partNo}`, { body: { name: 'x', category: 'ordinary', fits: [] } });
  const bin = uid('B-');
  await api.call('PUT', `/warehouses/NEW/bins/${bin}`, { body: { zone: 'EU' } });
  await seedStock(stack.orm, stack.ledger, { partNo, location: `NEW/${bin}`, quantity: 7 });

  const res = await api.call('GET', `/stock?partNo=${partNo}`);

  t.is(res.status, 200);
  t.deepEqual(res.body.items, [{ partNo, location: `NEW/${bin}`, warehouse: 'NEW', bin, zone: 'EU', onHand: 7, reserved: 0, available: 7 }]);
});
