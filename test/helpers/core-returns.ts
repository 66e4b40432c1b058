import type { Api, Stack } from './stack.ts';
import { uid } from './stack.ts';
import { keyFor, seedDealer, seedPart, seedVehicleModel } from './fixtures.ts';

// Builders for core return tests. The warranty standards are shared by every test (one per
// category, in one database), so all of them set exactly these.

export const STANDARDS = {
  ordinary: {
    warrantyDays: 365, coveredFailures: ['no-charge', 'noise', 'leak'], excludedCauses: ['misuse', 'accident', 'wear'],
    standardPrice: { amount: '500.00', currency: 'CNY' }, disposition: 'return-to-supplier',
  },
  plastic: {
    warrantyDays: 180, coveredFailures: ['crack'], excludedCauses: ['misuse', 'accident'],
    standardPrice: { amount: '80.00', currency: 'CNY' }, disposition: 'scrap',
  },
} as const;

export async function setStandards(api: Api) {
  for (const [category, body] of Object.entries(STANDARDS)) {
    const res = await api.call('PUT', `/warranty-standards/${category}`, { body });
    if (res.status !== 200) throw new Error(`could not set the ${category} standard: ${JSON.stringify(res.body)}`);
  }
}

/** the local date n days before today, YYYY-MM-DD */
export const daysAgo = (n: number, from = Date.now()) => new Date(from - n * 86_400_000).toISOString().slice(0, 10);

export const cny = (amount: string) => ({ amount, currency: 'CNY' });

export const path = (id: string, step = '') => `/core-returns/${encodeURIComponent(id)}${step ? `/${step}` : ''}`;

export interface CoreWorld {
  api: Api;
  dealerId: string;
  model: string;
  /** an ordinary part (covered: no-charge, noise, leak; standard price 500.00) */
  ordinary: string;
  /** a plastic part (covered: crack; standard price 80.00; approved cores are scrapped) */
  plastic: string;
  keys: { dealer: string; warehouse: string; appraiser: string; secondAppraiser: string; backOffice: string };
}

/** a dealer, a model, parts of two categories, the standards, and a key for every role that acts */
export async function coreWorld(stack: Stack): Promise<CoreWorld> {
  const api = await stack.api();
  const dealerId = await seedDealer(stack.orm);
  const model = await seedVehicleModel(stack.orm);
  const ordinary = await seedPart(stack.orm, { category: 'ordinary', fits: [model] });
  const plastic = await seedPart(stack.orm, { category: 'plastic', fits: [model] });
  await setStandards(api);
  const keys = {
    dealer: await keyFor(api, 'dealer', dealerId), warehouse: await keyFor(api, 'warehouse'), appraiser: await keyFor(api, 'appraiser'),
    secondAppraiser: await keyFor(api, 'appraiser'), backOffice: await keyFor(api, 'back-office'),
  };
  return { api, dealerId, model, ordinary, plastic, keys };
}

export interface LineSpec { partNo: string; failureCode?: string; fittedDaysAgo?: number; claimed?: string }

/** files a batch of the given cores through the API as the dealer; returns the process id */
export async function fileBatch(w: CoreWorld, lines: LineSpec[], batchNo = uid('CR-')) {
  const body = batchBody(w, lines, batchNo);
  const res = await w.api.call('POST', '/core-returns', { key: w.keys.dealer, body });
  if (res.status !== 201) throw new Error(`could not file the batch: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export function batchBody(w: CoreWorld, lines: LineSpec[], batchNo: string) {
  return {
    dealerId: w.dealerId, batchNo,
    cores: lines.map((l, i) => ({
      lineNo: i + 1, partNo: l.partNo, vehicleModel: w.model, failureCode: l.failureCode ?? 'no-charge',
      fittedOn: daysAgo(l.fittedDaysAgo ?? 30), claimed: cny(l.claimed ?? '100.00'),
    })),
  };
}

/** records the receipt: every line received unless listed in `missing`, with optional conditions */
export async function receive(w: CoreWorld, id: string, o: { count: number; missing?: number[]; conditions?: Record<number, string>; extra?: unknown[] }) {
  const lines = Array.from({ length: o.count }, (_, i) => ({
    lineNo: i + 1, received: !(o.missing ?? []).includes(i + 1), ...(o.conditions?.[i + 1] ? { condition: o.conditions[i + 1] } : {}),
  }));
  const res = await w.api.call('POST', path(id, 'receipt'), { key: w.keys.warehouse, body: { lines, extra: o.extra ?? [] } });
  if (res.status !== 200) throw new Error(`could not record the receipt: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
