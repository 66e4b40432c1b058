import { seedPart } from './fixtures.ts';
import { eventually, uid, type Api, type Stack } from './stack.ts';

// Builders for consumer-order tests: an order placed through the API, carried to delivery, and
// returns driven step by step. Each takes only the fields a test is about.

export interface Keys { service: string; warehouse: string; finance: string; backOffice: string }

export const PICKUP_CITY = 'Shanghai';
/** a Wednesday that no test makes a holiday */
export const WORKING_DAY = '2027-03-03';

export interface OrderOptions {
  route?: string; amount?: string; account?: string; placedAt?: string; customerId?: string;
  lines?: { lineNo: number; sku?: string; category?: string; quantity: number; unitPrice: string }[];
  city?: string | null;
}

export async function placeOrder(stack: Stack, api: Api, keys: Keys, o: OrderOptions = {}) {
  const lines = await Promise.all((o.lines ?? [{ lineNo: 1, quantity: 2, unitPrice: '50.00' }]).map(async (l) => ({
    lineNo: l.lineNo, sku: l.sku ?? await seedPart(stack.orm), category: l.category ?? 'ordinary', quantity: l.quantity, unitPrice: l.unitPrice,
  })));
  const body = {
    orderNo: uid('CO-'), customerId: o.customerId ?? uid('CU-'), placedAt: o.placedAt ?? new Date().toISOString(),
    payment: { route: o.route ?? 'card', amount: o.amount ?? '100.00', currency: 'CNY', ...(o.account ? { account: o.account } : {}) },
    lines, ...(o.city === null ? {} : { address: { city: o.city ?? PICKUP_CITY } }),
  };
  const res = await api.call('POST', '/consumer-orders', { key: keys.service, body });
  if (res.status !== 201) throw new Error(`order not placed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...body, id: res.body.id as string };
}

export async function carrierEvent(api: Api, keys: Keys, orderNo: string, type: string, eventId = uid('EV-')) {
  return api.call('POST', `/consumer-orders/${orderNo}/events`, { key: keys.service, body: { eventId, type, at: new Date().toISOString() } });
}

export async function orderStatus(api: Api, keys: Keys, orderNo: string, status: string) {
  return eventually(async () => {
    const res = await api.call('GET', `/consumer-orders/${orderNo}`, { key: keys.service });
    return res.body.status === status ? res.body : undefined;
  }, 20_000, `order ${orderNo} ${status}`);
}

export async function deliver(api: Api, keys: Keys, orderNo: string) {
  await carrierEvent(api, keys, orderNo, 'shipped');
  await carrierEvent(api, keys, orderNo, 'delivered');
  return orderStatus(api, keys, orderNo, 'delivered');
}

export async function fileReturn(api: Api, keys: Keys, orderNo: string, b: { lines: { lineNo: number; quantity: number }[]; quality?: boolean; refundTo?: string }) {
  return api.call('POST', `/consumer-orders/${orderNo}/returns`, {
    key: keys.service, body: { requestNo: uid('R-'), reason: 'not wanted', quality: false, ...b },
  });
}

export async function returnStatus(api: Api, keys: Keys, id: string, status: string) {
  return eventually(async () => {
    const res = await api.call('GET', `/returns/${id}`, { key: keys.finance });
    return res.body.status === status ? res.body : undefined;
  }, 20_000, `return ${id} ${status}`);
}

/** pickup on a working day and an inspection that restocks every unit */
export async function pickUpAndRestock(api: Api, keys: Keys, id: string, lines: { lineNo: number; quantity: number }[]) {
  const pickup = await api.call('POST', `/returns/${id}/pickup`, { key: keys.warehouse, body: { date: WORKING_DAY, slot: 'morning' } });
  if (pickup.status !== 200) throw new Error(`pickup refused: ${JSON.stringify(pickup.body)}`);
  const inspection = await api.call('POST', `/returns/${id}/inspection`, {
    key: keys.warehouse, body: { lines: lines.map((l) => ({ lineNo: l.lineNo, restock: l.quantity, damaged: 0, rejected: 0 })) },
  });
  if (inspection.status !== 200) throw new Error(`inspection refused: ${JSON.stringify(inspection.body)}`);
  return inspection.body;
}
