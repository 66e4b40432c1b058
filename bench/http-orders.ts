import { setTimeout as sleep } from 'node:timers/promises';

import { StepError, type Timings } from './drive.ts';

// A dealer order taken through the HTTP API as the clients of the back office would: the
// dealer submits, the warehouse waits for the picking list and picks it as listed, the
// dispatcher ships, the dealer confirms the receipt in full. Both spareflow and the DBOS peer
// answer these four routes (and the read of the order) in the same shape.

export const PARTS = ['BENCH-P1', 'BENCH-P2', 'BENCH-P3'];
export const PRICES = ['129.50', '18.20', '7.05'];
export const BINS = ['B-01', 'B-02', 'B-03'];
export const WAREHOUSE = 'NEW';
export const SUPPLIER = 'BENCH-S';
export const DEALERS = Array.from({ length: 16 }, (_, i) => `BENCH-D${String(i + 1).padStart(2, '0')}`);
/** the three lines of every order */
export const orderLines = () => PARTS.map((partNo, i) => ({ partNo, quantity: i + 1 }));

export interface HttpKeys { dealer: Map<string, string>; warehouse: string; dispatcher: string; backOffice: string }

export interface HttpTarget { base: string; keys: HttpKeys }

export async function call(base: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

async function expect(t: Timings, step: string, status: number, fn: () => ReturnType<typeof call>) {
  const res = await t.time(step, fn);
  if (res.status !== status) throw new StepError(step, `HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  return res.body;
}

/** one order from submission to receipt; `tag` keeps order numbers of different runs apart */
export function httpOrder(target: HttpTarget, tag: string, maxWaitMs = 60_000) {
  const { base, keys } = target;
  return async (i: number, t: Timings) => {
    const dealerId = DEALERS[i % DEALERS.length]!;
    const dealerKey = keys.dealer.get(dealerId)!;
    const created = await expect(t, 'POST /dealer-orders', 201, () =>
      call(base, dealerKey, 'POST', '/dealer-orders', { dealerId, orderNo: `PO-${tag}-${i}`, lines: orderLines() }));
    const path = `/dealer-orders/${encodeURIComponent(created.id)}`;

    // the picking list is issued by the process after the credit check and allocation; the
    // submission's answer shows it when the order opened allocated, else the warehouse reads
    // the order until it shows one
    type IssuedList = { pickingListNo: string; status: string; lines: { bin: string; partNo: string; quantity: number }[] };
    const issued = (order: { pickingLists?: IssuedList[] } | null) => order?.pickingLists?.find((p) => p.status === 'issued');
    const t0 = performance.now();
    let list = issued(created);
    for (let delay = 5; !list; delay = Math.min(delay * 2, 100)) {
      if (performance.now() - t0 > maxWaitMs) throw new StepError('wait for picking list', `none after ${maxWaitMs} ms`);
      // 404 until the process has written its first row: the client tries again, as for no list yet
      const view = await t.time('GET /dealer-orders/:id', () => call(base, keys.warehouse, 'GET', path));
      if (view.status !== 200 && view.status !== 404) throw new StepError('GET /dealer-orders/:id', `HTTP ${view.status} ${JSON.stringify(view.body).slice(0, 200)}`);
      list = view.status === 200 ? issued(view.body) : undefined;
      if (!list) await sleep(delay);
    }
    t.add('submit → picking list', performance.now() - t0);

    // the read model can show the picking list a moment before the order's process has taken in
    // its own allocation; its pick validator then answers 404, and the client tries again
    const pick = () => call(base, keys.warehouse, 'POST', `${path}/picks`, { pickingListNo: list.pickingListNo, lines: list.lines });
    for (let attempt = 1; ; attempt++) {
      const res = await t.time('POST …/picks', pick);
      if (res.status === 200) break;
      if (res.status !== 404 || !/is not one of this order's/.test(res.body?.error?.message ?? '') || attempt === 20) {
        throw new StepError('POST …/picks', `HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
      t.retried('pick answered 404: the process had not yet taken in its picking list');
      await sleep(10 * attempt);
    }
    const shipped = await expect(t, 'POST …/shipments', 201, () =>
      call(base, keys.dispatcher, 'POST', `${path}/shipments`, { pickingListNo: list.pickingListNo, carrier: 'SF Express', consignmentNo: `SF-${tag}-${i}` }));
    const received = await expect(t, 'POST …/receipt', 200, () => call(base, dealerKey, 'POST', `${path}/receipt`, {
      shipmentNo: shipped.shipmentNo, lines: orderLines().map((l) => ({ partNo: l.partNo, received: l.quantity, damaged: 0 })),
    }));
    if (received.status !== 'completed') throw new StepError('POST …/receipt', `order is ${received.status}, not completed`);
  };
}

/** master data and stock through the API: dealers, priced parts, bins, one big inbound receipt */
export async function seedThroughApi(base: string, adminKey: string, unitsPerPart: number) {
  const put = async (path: string, body: unknown) => {
    const res = await call(base, adminKey, 'PUT', path, body);
    if (res.status >= 300) throw new Error(`PUT ${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  };
  for (const id of DEALERS) await put(`/dealers/${id}`, { name: `bench dealer ${id}`, timeZone: 'Asia/Shanghai', currency: 'CNY', termsDays: 30 });
  for (const [i, partNo] of PARTS.entries()) {
    await put(`/parts/${partNo}`, { name: `bench part ${i + 1}`, category: 'ordinary', fits: [] });
    await put(`/parts/${partNo}/prices/CNY`, { unitPrice: PRICES[i] });
  }
  for (const bin of BINS) await put(`/warehouses/${WAREHOUSE}/bins/${bin}`, {});
  await put(`/suppliers/${SUPPLIER}`, { name: 'bench supplier' });
  // the delivery as the warehouse books it: registered, counted, inspected, put away
  const receipt = await call(base, adminKey, 'POST', '/inbound-receipts', {
    supplierId: SUPPLIER, deliveryNoteNo: `DN-${Date.now().toString(36)}`, lines: PARTS.map((partNo) => ({ partNo, quantity: unitsPerPart })),
  });
  if (receipt.status >= 300) throw new Error(`inbound receipt: HTTP ${receipt.status} ${JSON.stringify(receipt.body)}`);
  const receiptPath = `/inbound-receipts/${encodeURIComponent(receipt.body.id)}`;
  const steps: [string, unknown][] = [
    ['count', { lines: PARTS.map((_p, i) => ({ lineNo: i + 1, counted: unitsPerPart })) }],
    ['inspection', { lines: PARTS.map((_p, i) => ({ lineNo: i + 1, accepted: unitsPerPart, rejected: 0 })) }],
    ['putaway', { lines: PARTS.map((_p, i) => ({ lineNo: i + 1, bin: `${WAREHOUSE}/${BINS[i]}`, quantity: unitsPerPart })) }],
  ];
  for (const [step, body] of steps) {
    const res = await call(base, adminKey, 'POST', `${receiptPath}/${step}`, body);
    if (res.status >= 300) throw new Error(`inbound receipt ${step}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  }

  const issue = async (role: string, dealerId?: string) => {
    const res = await call(base, adminKey, 'POST', '/api-keys', { role, label: `bench ${role}`, ...(dealerId ? { dealerId } : {}) });
    if (res.status !== 201) throw new Error(`api key for ${role}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.key as string;
  };
  const dealer = new Map<string, string>();
  for (const id of DEALERS) dealer.set(id, await issue('dealer', id));
  return { dealer, warehouse: await issue('warehouse'), dispatcher: await issue('dispatcher'), backOffice: await issue('back-office') };
}
