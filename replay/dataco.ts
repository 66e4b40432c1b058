import { parseDecimal } from '../db/money.ts';
import type { CsvRecord } from './csv.ts';

// How the DataCo order lines become spareflow's world. The rules, in one place:
// - each `Order Customer Id` is a dealer `DC-C<id>`, in the time zone of its order's market,
//   paying in USD on 30 days' terms;
// - each `Product Card Id` is a part `DC-P<id>`, priced at the `Order Item Product Price` of its
//   first line (rounded half away from zero to the cent); its `Category Id` is the vehicle model
//   it fits, `DC-M<id>`; its department is its supplier `DC-S<id>` and decides its category;
// - each market is a zone of the new-parts warehouse, with a bin per department:
//   `NEW/<MARKET>-D<department id>`;
// - opening stock per part and bin is three quarters (rounded down) of what the file's orders that
//   are not cancelled take from it, so some lines run short and become backorders; inbound
//   receipts bring the missing quantities a simulated week later;
// - vehicle models (categories) whose id is divisible by 9 were discontinued on 2014-12-31, more
//   than two years before the file ends; those divisible by 4, on 2017-06-30; the rest are in
//   production. One extra model, `DC-M-UNSOLD`, has a part nobody ordered.

export const MARKET_ZONES: Record<string, { zone: string; timeZone: string }> = {
  Europe: { zone: 'EUROPE', timeZone: 'Europe/Berlin' },
  LATAM: { zone: 'LATAM', timeZone: 'America/Mexico_City' },
  'Pacific Asia': { zone: 'PACIFIC-ASIA', timeZone: 'Asia/Shanghai' },
  USCA: { zone: 'USCA', timeZone: 'America/Chicago' },
  Africa: { zone: 'AFRICA', timeZone: 'Africa/Lagos' },
};

const CATEGORY_BY_DEPARTMENT: Record<string, 'plastic' | 'ordinary' | 'black' | 'promotional'> = {
  'Fan Shop': 'promotional', Apparel: 'plastic', Footwear: 'plastic', Golf: 'black', Outdoors: 'ordinary',
  Fitness: 'black', Technology: 'ordinary', 'Discs Shop': 'plastic', 'Health and Beauty': 'ordinary', 'Pet Shop': 'ordinary', 'Book Shop': 'ordinary',
};

export const STATUSES = ['COMPLETE', 'PENDING', 'PENDING_PAYMENT', 'PROCESSING', 'CLOSED', 'ON_HOLD', 'SUSPECTED_FRAUD', 'CANCELED', 'PAYMENT_REVIEW'] as const;
export type SourceStatus = (typeof STATUSES)[number];
/** what the replay does with an order of each source status */
export const FATE: Record<SourceStatus, 'cancel' | 'ship-and-pay' | 'ship-unpaid'> = {
  CANCELED: 'cancel', SUSPECTED_FRAUD: 'cancel',
  COMPLETE: 'ship-and-pay', CLOSED: 'ship-and-pay', PENDING: 'ship-and-pay', PROCESSING: 'ship-and-pay',
  PENDING_PAYMENT: 'ship-unpaid', PAYMENT_REVIEW: 'ship-unpaid', ON_HOLD: 'ship-unpaid',
};

export interface OrderLine { row: number; itemId: string; partNo: string; quantity: number; unitPriceMinor: bigint; sourceTotal: string; sourceTotalMinor: bigint }
export interface Order {
  orderId: string;
  orderNo: string;
  dealerId: string;
  market: string;
  status: SourceStatus;
  orderedAt: Date;
  shippedAt: Date;
  realShippingDays: number;
  carrier: string;
  lines: OrderLine[];
}
export interface Reject { file: string; row: number; reason: string }

export interface DataCoPlan {
  orders: Order[];
  rejects: Reject[];
  rowsRead: number;
  dealers: Map<string, { id: string; timeZone: string }>;
  parts: Map<string, { partNo: string; name: string; category: string; model: string; supplierId: string; bin: string; zone: string; priceMinor: bigint }>;
  models: Map<string, { code: string; name: string; lifecycle: 'in-production' | 'discontinued'; discontinuedOn: string | null }>;
  suppliers: Set<string>;
  bins: Map<string, string>;
  openingStock: Map<string, number>;
}

/** `4/1/2016 21:05` (month/day/year, 24-hour), read as UTC */
export function parseSourceDate(text: string): Date | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [, mo, d, y, h, mi] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!));
  return date.getUTCMonth() === mo! - 1 && date.getUTCDate() === d ? date : null;
}

const intField = (v: string) => (/^\d{1,9}$/.test(v.trim()) ? Number(v.trim()) : null);

export function planDataCo(records: CsvRecord[], file: string, limit?: number): DataCoPlan {
  const rejects: Reject[] = [];
  const reject = (row: number, reason: string) => rejects.push({ file, row, reason });
  const byOrder = new Map<string, Order>();
  const seenItems = new Set<string>();
  const plan: DataCoPlan = {
    orders: [], rejects, rowsRead: 0, dealers: new Map(), parts: new Map(), models: new Map(), suppliers: new Set(), bins: new Map(), openingStock: new Map(),
  };

  for (const rec of limit ? records.slice(0, limit) : records) {
    plan.rowsRead++;
    const v = rec.values;
    const orderId = intField(v['Order Id'] ?? '');
    const customer = intField(v['Order Customer Id'] ?? '');
    const product = intField(v['Product Card Id'] ?? '');
    const category = intField(v['Category Id'] ?? '');
    const department = intField(v['Department Id'] ?? '');
    const quantity = intField(v['Order Item Quantity'] ?? '');
    const status = (v['Order Status'] ?? '').trim() as SourceStatus;
    const market = MARKET_ZONES[(v.Market ?? '').trim()];
    const orderedAt = parseSourceDate(v['order date (DateOrders)'] ?? '');
    const shippedAt = parseSourceDate(v['shipping date (DateOrders)'] ?? '');
    const realDays = intField(v['Days for shipping (real)'] ?? '');
    let price: bigint | null = null;
    let total: bigint | null = null;
    try { price = parseDecimal(v['Order Item Product Price'] ?? ''); total = parseDecimal(v['Order Item Total'] ?? ''); } catch { /* reported below */ }

    if (orderId === null) { reject(rec.row, 'Order Id is not a whole number'); continue; }
    if (customer === null) { reject(rec.row, 'Order Customer Id is not a whole number'); continue; }
    if (product === null || category === null || department === null) { reject(rec.row, 'Product Card Id, Category Id or Department Id is not a whole number'); continue; }
    if (quantity === null || quantity <= 0) { reject(rec.row, `Order Item Quantity "${v['Order Item Quantity']}" is not a positive whole number`); continue; }
    if (!STATUSES.includes(status)) { reject(rec.row, `Order Status "${status}" is not one of ${STATUSES.join(', ')}`); continue; }
    if (!market) { reject(rec.row, `Market "${v.Market}" is not a known market`); continue; }
    if (!orderedAt || !shippedAt) { reject(rec.row, 'order or shipping date is not a date M/D/YYYY H:MM'); continue; }
    if (realDays === null) { reject(rec.row, 'Days for shipping (real) is not a whole number'); continue; }
    if (price === null || price <= 0n || total === null || total < 0n) { reject(rec.row, 'Order Item Product Price or Order Item Total is not a positive amount'); continue; }
    const itemId = (v['Order Item Id'] ?? '').trim();
    if (seenItems.has(itemId)) { reject(rec.row, `Order Item Id ${itemId} appears twice`); continue; }
    seenItems.add(itemId);

    const dealerId = `DC-C${customer}`;
    const partNo = `DC-P${product}`;
    const modelCode = `DC-M${category}`;
    const bin = `${market.zone}-D${department}`;
    if (!plan.dealers.has(dealerId)) plan.dealers.set(dealerId, { id: dealerId, timeZone: market.timeZone });
    if (!plan.models.has(modelCode)) {
      const lifecycle = category % 9 === 0 || category % 4 === 0 ? 'discontinued' : 'in-production';
      plan.models.set(modelCode, {
        code: modelCode, name: (v['Category Name'] ?? '').trim() || modelCode, lifecycle,
        discontinuedOn: category % 9 === 0 ? '2014-12-31' : category % 4 === 0 ? '2017-06-30' : null,
      });
    }
    if (!plan.parts.has(partNo)) {
      plan.parts.set(partNo, {
        partNo, name: (v['Product Name'] ?? '').trim().slice(0, 200) || partNo,
        category: CATEGORY_BY_DEPARTMENT[(v['Department Name'] ?? '').trim()] ?? 'ordinary',
        model: modelCode, supplierId: `DC-S${department}`, bin: `NEW/${bin}`, zone: market.zone, priceMinor: price,
      });
    }
    plan.suppliers.add(`DC-S${department}`);
    plan.bins.set(bin, market.zone);

    let order = byOrder.get(String(orderId));
    if (!order) {
      order = {
        orderId: String(orderId), orderNo: `DC-O${orderId}`, dealerId, market: market.zone, status, orderedAt, shippedAt,
        realShippingDays: realDays, carrier: (v['Shipping Mode'] ?? '').trim() || 'Standard Class', lines: [],
      };
      byOrder.set(String(orderId), order);
    } else if (order.dealerId !== dealerId || order.status !== status) {
      reject(rec.row, `order ${orderId} has this line with another customer or status than its first line`);
      continue;
    }
    const same = order.lines.find((l) => l.partNo === partNo);
    if (same) {
      // a dealer order carries a part once; a second line of the same part adds to the first
      same.quantity += quantity;
      same.sourceTotalMinor += total;
      same.sourceTotal = `${same.sourceTotal}+${v['Order Item Total']}`;
      continue;
    }
    order.lines.push({ row: rec.row, itemId, partNo, quantity, unitPriceMinor: price, sourceTotal: v['Order Item Total'] ?? '', sourceTotalMinor: total });
  }

  plan.orders = [...byOrder.values()].sort((a, b) => a.orderedAt.getTime() - b.orderedAt.getTime() || Number(a.orderId) - Number(b.orderId));
  const demand = new Map<string, number>();
  for (const o of plan.orders) {
    if (FATE[o.status] === 'cancel') continue;
    for (const l of o.lines) demand.set(plan.parts.get(l.partNo)!.bin + '|' + l.partNo, (demand.get(plan.parts.get(l.partNo)!.bin + '|' + l.partNo) ?? 0) + l.quantity);
  }
  for (const [k, q] of demand) plan.openingStock.set(k, Math.floor((q * 3) / 4));
  return plan;
}
