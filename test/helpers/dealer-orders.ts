import { setPartPrice } from '../../db/dealer-orders.ts';
import type { Orm } from '../../db/orm.ts';
import { inTransaction } from '../../db/tx.ts';
import { seedBin, seedDealer, seedPart, seedStock } from './fixtures.ts';
import { eventually, uid, type Api, type Stack } from './stack.ts';

// Builders for dealer-order tests: a priced part with stock in a bin of its own, and the steps a
// test drives through the API.

export async function pricedPart(stack: Stack, o: { price?: string; stock?: number } = {}) {
  const partNo = await seedPart(stack.orm);
  await setPrice(stack.orm, partNo, BigInt(Math.round(Number(o.price ?? '10.00') * 100)));
  const bin = await seedBin(stack.orm);
  if (o.stock) await seedStock(stack.orm, stack.ledger, { partNo, location: bin, quantity: o.stock });
  return { partNo, bin };
}

export async function setPrice(orm: Orm, partNo: string, unitPriceMinor: bigint, currency = 'CNY') {
  await inTransaction(orm, (em) => setPartPrice(em, { partNo, currency, unitPriceMinor, actor: 'test' }));
}

export interface OrderKit {
  stack: Stack;
  api: Api;
  dealerId: string;
  keys: { dealer: string; warehouse: string; dispatcher: string; backOffice: string };
}

/** a stack with a worker (unless the test runs its own) and the API, a dealer, and a key of each role the order needs */
export async function orderKit(stack: Stack, o: { worker?: boolean } = {}): Promise<OrderKit> {
  if (o.worker !== false) await stack.startWorker();
  const api = await stack.api();
  const dealerId = await seedDealer(stack.orm);
  const { keyFor } = await import('./fixtures.ts');
  return {
    stack, api, dealerId,
    keys: {
      dealer: await keyFor(api, 'dealer', dealerId), warehouse: await keyFor(api, 'warehouse'),
      dispatcher: await keyFor(api, 'dispatcher'), backOffice: await keyFor(api, 'back-office'),
    },
  };
}

export async function submitOrder(k: OrderKit, lines: { partNo: string; quantity: number }[], orderNo = uid('PO-')) {
  const res = await k.api.call('POST', '/dealer-orders', { key: k.keys.dealer, body: { dealerId: k.dealerId, orderNo, lines } });
  if (res.status !== 201) throw new Error(`order not submitted: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id as string, orderNo, location: res.headers.get('location')!, answer: res.body };
}

export const orderPath = (id: string) => `/dealer-orders/${encodeURIComponent(id)}`;

export async function readOrder(k: OrderKit, id: string) {
  const res = await k.api.call('GET', orderPath(id), { key: k.keys.backOffice });
  return res.body;
}

/** waits until the order view passes the check, and returns it */
export async function orderWhen(k: OrderKit, id: string, check: (o: any) => boolean, what = 'order state') { // eslint-disable-line @typescript-eslint/no-explicit-any
  return eventually(async () => {
    const o = await readOrder(k, id);
    return o?.id && check(o) ? o : undefined;
  }, 20_000, what);
}

export const withStatus = (k: OrderKit, id: string, status: string) => orderWhen(k, id, (o) => o.status === status, `status ${status}`);

/** confirms the pick of a picking list exactly as listed */
export async function pickAsListed(k: OrderKit, id: string, list: { pickingListNo: string; lines: { bin: string; partNo: string; quantity: number }[] }) {
  return k.api.call('POST', `${orderPath(id)}/picks`, { key: k.keys.warehouse, body: { pickingListNo: list.pickingListNo, lines: list.lines } });
}

export async function ship(k: OrderKit, id: string, pickingListNo: string) {
  return k.api.call('POST', `${orderPath(id)}/shipments`, {
    key: k.keys.dispatcher, body: { pickingListNo, carrier: 'SF Express', consignmentNo: uid('SF') },
  });
}

/** the first issued picking list: pick it as listed and ship it; returns the shipment number */
export async function pickAndShip(k: OrderKit, id: string, nth = 0): Promise<string> {
  const order = await orderWhen(k, id, (o) => o.pickingLists.length > nth, 'a picking list');
  const list = order.pickingLists[nth];
  const picked = await pickAsListed(k, id, list);
  if (picked.status !== 200) throw new Error(`pick refused: ${JSON.stringify(picked.body)}`);
  const shipped = await ship(k, id, list.pickingListNo);
  if (shipped.status !== 201) throw new Error(`ship refused: ${JSON.stringify(shipped.body)}`);
  return shipped.body.shipmentNo as string;
}
