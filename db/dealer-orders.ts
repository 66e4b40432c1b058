import type { EntityManager } from '@mikro-orm/postgresql';

import { takeInvoiceIntoAccount } from './account-wake.ts';
import { account } from './accounts.ts';
import { WAITING_FOR_CREDIT } from './credit-hold.ts';
import { conflict, notFound, refused } from './errors.ts';
import { issueInvoice } from './invoices.ts';
import type { Ledger } from './ledger.ts';
import { formatMinor } from './money.ts';
import { recordStep, saveProcess } from './processes.ts';
import { getDaySeconds } from './settings.ts';
import { valuesOf } from './sql.ts';
import { assertBinsOpen } from './warehouse.ts';
import { pickMismatch, receiptMismatch, type PickLine, type ReceiptLine } from '../workflows/dealer-order-rules.ts';
import { processId } from '../workflows/ids.ts';

// The steps of a dealer order (DESIGN.md P1), each one transaction. Every step first appends its
// timeline row under its idempotency key: when the row is already there the step has committed
// before (a retried activity) and only the current state is returned, so nothing is applied twice.

type Row = Record<string, unknown>;

export const NEW_PARTS_WAREHOUSE = 'NEW';
export const IN_TRANSIT = '@in-transit';
export const AT_DEALER = '@dealer';
/** units lost in carriage are written off here when a discrepancy is resolved */
export const WRITTEN_OFF = '@scrap';

export type { PickLine, ReceiptLine };

export interface StepInput {
  orderId: string;
  actor: string;
  /** `${workflowId}:${step}`, unique per business step */
  key: string;
  at?: Date;
}

export interface OrderLineState {
  lineNo: number; partNo: string; ordered: number; reserved: number; backordered: number; picked: number;
  shipped: number; received: number; damaged: number; cancelled: number; reship: number;
}

/** what the workflow keeps of its order: enough for the validators of its human steps */
export interface OrderState {
  status: string;
  lines: OrderLineState[];
  pickingLists: { pickingListNo: string; status: string; lines: { bin: string; partNo: string; quantity: number }[] }[];
  shipments: { shipmentNo: string; pickingListNo: string; status: string; lines: { partNo: string; shipped: number }[] }[];
}

const n = (v: unknown) => Number(v ?? 0);
const documentRef = (orderId: string, lineNo: number) => `${orderId}#L${lineNo}`;
const docNo = (orderId: string) => orderId.replace(/^dealer-order:/, '').replace(/:/g, '/');

// ---- reads ----------------------------------------------------------------------------------

// the order's lines and documents as one row of JSON: one round trip instead of six
const ORDER_STATE_SQL = `
  select p.status, p.type, p.business_key,
    (select coalesce(json_agg(json_build_object(
        'lineNo', l.line_no, 'partNo', l.part_no, 'ordered', l.ordered, 'reserved', l.reserved, 'backordered', l.backordered,
        'picked', l.picked, 'shipped', l.shipped, 'received', l.received, 'damaged', l.damaged, 'cancelled', l.cancelled, 'reship', l.reship)
      order by l.line_no), '[]') from dealer_order_line l where l.order_id = p.id) as lines,
    (select coalesce(json_agg(json_build_object('pickingListNo', pl.picking_list_no, 'status', pl.status, 'lines',
        (select coalesce(json_agg(json_build_object('bin', x.bin, 'partNo', x.part_no, 'quantity', x.quantity) order by x.line_no), '[]')
         from picking_list_line x where x.picking_list_no = pl.picking_list_no))
      order by pl.issued_at, pl.picking_list_no), '[]') from picking_list pl where pl.order_id = p.id) as picking_lists,
    (select coalesce(json_agg(json_build_object('shipmentNo', sh.shipment_no, 'pickingListNo', sh.picking_list_no, 'status', sh.status, 'lines',
        (select coalesce(json_agg(json_build_object('partNo', x.part_no, 'shipped', x.shipped) order by x.order_line_no), '[]')
         from shipment_line x where x.shipment_no = sh.shipment_no))
      order by sh.shipped_at, sh.shipment_no), '[]') from shipment sh where sh.order_id = p.id) as shipments
  from process p where p.id = ?`;

async function readOrderState(em: EntityManager, orderId: string): Promise<OrderState & { type: string; businessKey: string }> {
  const [row] = await em.execute(ORDER_STATE_SQL, [orderId]);
  if (!row) throw notFound('dealer order', orderId);
  return {
    status: String(row.status), type: String(row.type), businessKey: String(row.business_key),
    lines: row.lines as OrderLineState[],
    pickingLists: row.picking_lists as OrderState['pickingLists'],
    shipments: row.shipments as OrderState['shipments'],
  };
}

export async function orderState(em: EntityManager, orderId: string): Promise<OrderState> {
  const { type: _type, businessKey: _key, ...state } = await readOrderState(em, orderId);
  return state;
}

/** the status the back office sees, derived from the lines and documents */
export function deriveStatus(s: Omit<OrderState, 'status'>): string {
  if (s.shipments.some((x) => x.status === 'discrepancy')) return 'discrepancy';
  if (s.pickingLists.some((p) => p.status === 'issued' || p.status === 'picked')) return 'picking';
  if (s.shipments.some((x) => x.status === 'in-transit')) return 'awaiting-receipt';
  if (s.lines.some((l) => l.backordered > 0)) return 'backordered';
  if (s.lines.some((l) => l.reserved > 0 || l.reship > 0)) return 'allocated';
  const shipped = s.lines.reduce((t, l) => t + l.shipped, 0);
  if (s.lines.every((l) => l.cancelled === l.ordered) || (shipped === 0 && s.lines.some((l) => l.cancelled > 0))) return 'cancelled';
  return 'completed';
}

export const FINAL_STATUSES = ['completed', 'cancelled'];

async function refresh(em: EntityManager, orderId: string, at?: Date): Promise<OrderState> {
  const { type, businessKey, ...s } = await readOrderState(em, orderId);
  const status = deriveStatus(s);
  await saveProcess(em, { id: orderId, type, businessKey, status }, at);
  return { ...s, status };
}

// ---- submission and credit ---------------------------------------------------------------------

export interface OrderLineInput { partNo: string; quantity: number }

/**
 * Checks an order's lines against the master data and the price list of the dealer's currency.
 * Returns the priced lines, or refuses naming the first bad line.
 */
export async function priceOrderLines(em: EntityManager, dealerId: string, lines: OrderLineInput[]) {
  const [dealer] = await em.execute('select currency from dealer where id = ?', [dealerId]);
  if (!dealer) throw refused('unknown-dealer', `dealer ${dealerId} is not in the master data`, { field: 'dealerId' });
  const currency = String(dealer.currency);
  const parts = lines.map((l) => l.partNo);
  const prices = await em.execute(
    `select p.part_no, pp.unit_price_minor from part p left join part_price pp on pp.part_no = p.part_no and pp.currency = ?
     where p.part_no in (${parts.map(() => '?').join(', ')})`, [currency, ...parts]);
  return {
    currency,
    lines: lines.map((l, i) => {
      const row = prices.find((r: Row) => r.part_no === l.partNo);
      if (!row) throw refused('unknown-part', `lines[${i}]: part ${l.partNo} is not in the master data`, { field: `lines[${i}].partNo`, line: i });
      if (row.unit_price_minor === null) {
        throw refused('no-price', `lines[${i}]: part ${l.partNo} has no price in ${currency}`, { field: `lines[${i}].partNo`, line: i });
      }
      return { lineNo: i + 1, partNo: l.partNo, quantity: l.quantity, unitPriceMinor: BigInt(String(row.unit_price_minor)) };
    }),
  };
}

export async function submitOrder(em: EntityManager, s: StepInput & { dealerId: string; orderNo: string; lines: OrderLineInput[] }): Promise<OrderState> {
  await writeSubmission(em, s);
  return orderState(em, s.orderId);
}

/**
 * The rows of a submission, once per key. The process row is created here and never rewritten:
 * a submission run again after it committed (its activity retried after a crash) must not set
 * back the status that the steps after it wrote.
 */
async function writeSubmission(em: EntityManager, s: StepInput & { dealerId: string; orderNo: string; lines: OrderLineInput[] }): Promise<void> {
  const priced = await priceOrderLines(em, s.dealerId, s.lines);
  const total = priced.lines.reduce((t, l) => t + l.unitPriceMinor * BigInt(l.quantity), 0n);
  await saveProcess(em, {
    id: s.orderId, type: 'dealer-order', businessKey: `${s.dealerId}/${s.orderNo}`, status: 'submitted', dealerId: s.dealerId,
    amountMinor: total, currency: priced.currency, summary: { orderNo: s.orderNo },
  }, s.at, { onlyIfNew: true });
  if (!(await recordStep(em, { processId: s.orderId, step: 'submitted', actor: s.actor, key: s.key, at: s.at, detail: { lines: s.lines.length, amount: formatMinor(total) } }))) {
    return;
  }
  for (const l of priced.lines) {
    await em.execute(
      `insert into dealer_order_line (order_id, line_no, part_no, currency, unit_price_minor, ordered) values (?, ?, ?, ?, ?, ?)`,
      [s.orderId, l.lineNo, l.partNo, priced.currency, l.unitPriceMinor.toString(), l.quantity]);
  }
}

/**
 * Reads the dealer's credit hold. Taken with a share lock on the dealer row, so a hold lifted at
 * the same moment either commits first (and is seen here) or finds this order already waiting.
 */
export async function checkCredit(em: EntityManager, s: StepInput & { dealerId: string }): Promise<{ onHold: boolean; state: OrderState }> {
  const onHold = await holdOrder(em, s);
  return { onHold, state: await orderState(em, s.orderId) };
}

/** whether the dealer is on hold; an order that is waits, visibly */
async function holdOrder(em: EntityManager, s: StepInput & { dealerId: string }): Promise<boolean> {
  const [dealer] = await em.execute('select credit_hold, credit_hold_reason from dealer where id = ? for share', [s.dealerId]);
  if (!dealer) throw notFound('dealer', s.dealerId);
  const onHold = Boolean(dealer.credit_hold);
  // the status once per key, like the step: a check run again must not set back a later status
  if (onHold && await recordStep(em, { processId: s.orderId, step: 'waiting-for-credit', actor: s.actor, key: s.key, at: s.at, detail: { reason: dealer.credit_hold_reason } })) {
    const [p] = await em.execute('select business_key from process where id = ?', [s.orderId]);
    await saveProcess(em, { id: s.orderId, type: 'dealer-order', businessKey: String(p!.business_key), status: WAITING_FOR_CREDIT }, s.at);
  }
  return onHold;
}

/**
 * The usual start of an order in one transaction: submission, the credit check and, when the
 * dealer is not on hold, the first allocation. Each part keeps the key it has as a step of its
 * own, so an order opened this way is keyed as one opened step by step.
 */
export async function openOrder(em: EntityManager, ledger: Ledger, s: StepInput & { dealerId: string; orderNo: string; lines: OrderLineInput[] }):
  Promise<{ onHold: boolean; state: OrderState }> {
  await writeSubmission(em, { ...s, key: `${s.orderId}:submit` });
  if (await holdOrder(em, { ...s, key: `${s.orderId}:credit:0` })) return { onHold: true, state: await orderState(em, s.orderId) };
  return { onHold: false, state: await allocateOrder(em, ledger, { ...s, key: `${s.orderId}:allocate:0`, round: 0 }) };
}

// ---- allocation and picking lists ----------------------------------------------------------

/**
 * Reserves what every line still needs from the new-parts bins; the rest is backordered with a
 * purchase follow-up. Then issues a picking list for the reservations not yet on one.
 */
export async function allocateOrder(em: EntityManager, ledger: Ledger, s: StepInput & { round: number }): Promise<OrderState> {
  if (!(await recordStep(em, { processId: s.orderId, step: 'allocated', actor: s.actor, key: s.key, at: s.at, detail: { round: s.round } }))) {
    return orderState(em, s.orderId);
  }
  const lines = await em.execute('select * from dealer_order_line where order_id = ? order by line_no for update', [s.orderId]);
  const followUps = await openFollowUps(em, s.orderId);
  const backorders: { lineNo: number; partNo: string; quantity: number }[] = [];
  const allocated: [number, number, number][] = [];
  for (const l of lines) {
    const lineNo = n(l.line_no);
    const need = n(l.ordered) - n(l.cancelled) - n(l.shipped) - n(l.reserved) + n(l.reship);
    let reserved = 0;
    if (need > 0) {
      const a = await ledger.allocate(em, {
        key: `${s.key}:L${lineNo}`, documentRef: documentRef(s.orderId, lineNo), partNo: String(l.part_no), quantity: need,
        warehouse: NEW_PARTS_WAREHOUSE, at: s.at,
      });
      reserved = a.reserved;
    }
    const backordered = Math.max(need - reserved, 0);
    allocated.push([lineNo, reserved, backordered]);
    await syncFollowUp(em, s.orderId, lineNo, String(l.part_no), backordered, followUps.get(lineNo), s.at);
    if (backordered > 0) backorders.push({ lineNo, partNo: String(l.part_no), quantity: backordered });
  }
  if (allocated.length) {
    const v = valuesOf(allocated);
    await em.execute(`update dealer_order_line l set reserved = l.reserved + v.reserved, backordered = v.backordered
       from ${v.sql} as v(line_no, reserved, backordered) where l.order_id = ? and l.line_no = v.line_no`, [...v.params, s.orderId]);
  }
  if (backorders.length) {
    await recordStep(em, { processId: s.orderId, step: 'backordered', actor: s.actor, key: `${s.key}:backordered`, at: s.at, detail: { lines: backorders } });
  }
  await issuePickingList(em, { ...s, key: `${s.key}:picking-list` }, s.round);
  return refresh(em, s.orderId, s.at);
}

/** the order's open purchase follow-ups by order line, locked */
async function openFollowUps(em: EntityManager, orderId: string): Promise<Map<number, { id: unknown }>> {
  const rows = await em.execute(`select id, order_line_no from purchase_follow_up where order_id = ? and status = 'open' order by id for update`, [orderId]);
  return new Map(rows.map((r: Row) => [n(r.order_line_no), { id: r.id }]));
}

/** keeps one open purchase follow-up per backordered line, for the quantity still missing */
async function syncFollowUp(em: EntityManager, orderId: string, lineNo: number, partNo: string, missing: number, open: { id: unknown } | undefined, at = new Date()) {
  if (open && missing > 0) await em.execute('update purchase_follow_up set quantity = ? where id = ?', [missing, open.id]);
  else if (open) await em.execute(`update purchase_follow_up set quantity = 0, status = 'fulfilled', closed_at = ? where id = ?`, [at, open.id]);
  else if (missing > 0) {
    // the supplier that last delivered the part; purchasing may choose another
    const [last] = await em.execute(
      `select split_part(j.document_ref, ':', 2) as supplier_id from stock_move m join stock_journal j on j.id = m.journal_id
       where m.part_no = ? and j.reason = 'inbound-receipt' order by m.id desc limit 1`, [partNo]);
    await em.execute(
      `insert into purchase_follow_up (order_id, order_line_no, part_no, quantity, supplier_id, raised_at, status) values (?, ?, ?, ?, ?, ?, 'open')`,
      [orderId, lineNo, partNo, missing, last?.supplier_id ?? null, at]);
  }
}

/** lists the order's reservations that are open and on no picking list yet, as one numbered document */
export async function issuePickingList(em: EntityManager, s: StepInput, round: number): Promise<string | null> {
  const open = await em.execute(
    `select r.* from reservation r where r.document_ref like ? and r.quantity > r.consumed + r.released
       and not exists (select 1 from picking_list_line pl where pl.reservation_id = r.id)
     order by r.location, r.part_no, r.id`, [`${s.orderId.replace(/[\\%_]/g, '\\$&')}#L%`]);
  if (!open.length) return null;
  const pickingListNo = `PL-${docNo(s.orderId)}-${round + 1}`;
  await em.execute(`insert into picking_list (picking_list_no, order_id, status, issued_at) values (?, ?, 'issued', ?)`,
    [pickingListNo, s.orderId, s.at ?? new Date()]);
  const listLines = valuesOf(open.map((r: Row, i: number) =>
    [pickingListNo, i + 1, Number(String(r.document_ref).split('#L').pop()), r.location, r.part_no, n(r.quantity) - n(r.consumed) - n(r.released), r.id]));
  await em.execute(`insert into picking_list_line (picking_list_no, line_no, order_line_no, bin, part_no, quantity, reservation_id) ${listLines.sql.slice(1, -1)}`,
    listLines.params);
  await recordStep(em, { processId: s.orderId, step: 'picking-list-issued', actor: s.actor, key: s.key, at: s.at, detail: { pickingListNo, lines: open.length } });
  return pickingListNo;
}

/** a picking list for the reservations that an inbound receipt made for this order's backorders */
export async function issueBackorderPickingList(em: EntityManager, s: StepInput & { round: number }): Promise<OrderState> {
  await issuePickingList(em, s, s.round);
  return refresh(em, s.orderId, s.at);
}

// ---- pick and ship ----------------------------------------------------------------------------

export async function confirmPick(em: EntityManager, s: StepInput & { pickingListNo: string; lines: PickLine[] }): Promise<OrderState> {
  const [list] = await em.execute('select status from picking_list where picking_list_no = ? and order_id = ? for update', [s.pickingListNo, s.orderId]);
  if (!list) throw notFound('picking list', s.pickingListNo);
  if (!(await recordStep(em, { processId: s.orderId, step: 'picked', actor: s.actor, key: s.key, at: s.at, detail: { pickingListNo: s.pickingListNo } }))) {
    return orderState(em, s.orderId);
  }
  if (list.status !== 'issued') throw conflict('not-pickable', `picking list ${s.pickingListNo} is ${list.status}`, { pickingListNo: s.pickingListNo });
  const expected = await em.execute('select * from picking_list_line where picking_list_no = ? order by line_no', [s.pickingListNo]);
  const mismatch = pickMismatch(expected.map((e: Row) => ({ bin: String(e.bin), partNo: String(e.part_no), quantity: n(e.quantity) })), s.lines);
  if (mismatch) throw refused('pick-mismatch', mismatch.message, { pickingListNo: s.pickingListNo, line: mismatch.line });
  // a bin that a stock count holds gives nothing until the count ends (db/warehouse.ts)
  await assertBinsOpen(em, expected.map((e: Row) => String(e.bin)));

  await em.execute(`update picking_list set status = 'picked', picked_at = ?, picked_by = ? where picking_list_no = ?`, [s.at ?? new Date(), s.actor, s.pickingListNo]);
  const picked = new Map<number, number>();
  for (const e of expected) picked.set(n(e.order_line_no), (picked.get(n(e.order_line_no)) ?? 0) + n(e.quantity));
  const v = valuesOf([...picked]);
  await em.execute(`update dealer_order_line l set picked = l.picked + v.quantity from ${v.sql} as v(line_no, quantity)
     where l.order_id = ? and l.line_no = v.line_no`, [...v.params, s.orderId]);
  return refresh(em, s.orderId, s.at);
}

/**
 * Ships a picked list: bins → in transit consuming its reservations, and one invoice for what is
 * charged (units re-shipped after a discrepancy are free), in this one transaction.
 */
export async function shipPickingList(em: EntityManager, ledger: Ledger, s: StepInput & { dealerId: string; pickingListNo: string; carrier: string; consignmentNo: string }):
  Promise<{ state: OrderState; shipmentNo: string; invoiceNo: string | null; wakeAccount: boolean }> {
  const shipmentNo = s.pickingListNo.replace(/^PL-/, 'SH-');
  const [list] = await em.execute('select status from picking_list where picking_list_no = ? and order_id = ? for update', [s.pickingListNo, s.orderId]);
  if (!list) throw notFound('picking list', s.pickingListNo);
  if (!(await recordStep(em, { processId: s.orderId, step: 'shipped', actor: s.actor, key: s.key, at: s.at, detail: { shipmentNo, carrier: s.carrier, consignmentNo: s.consignmentNo } }))) {
    const [done] = await em.execute('select invoice_no from shipment where shipment_no = ?', [shipmentNo]);
    // a signal too many is harmless; one too few would leave the invoice unwatched
    return { state: await orderState(em, s.orderId), shipmentNo, invoiceNo: (done?.invoice_no as string | null) ?? null, wakeAccount: true };
  }
  if (list.status !== 'picked') throw conflict('not-picked', `picking list ${s.pickingListNo} is ${list.status}; it must be picked before it ships`, { pickingListNo: s.pickingListNo });

  const listLines = await em.execute('select * from picking_list_line where picking_list_no = ? order by line_no', [s.pickingListNo]);
  await ledger.moveStock(em, {
    key: `${s.key}:stock`, processId: s.orderId, step: 'ship', actor: s.actor, at: s.at, reason: 'dealer-shipment', documentRef: shipmentNo,
    moves: listLines.map((l: Row) => ({ partNo: String(l.part_no), from: String(l.bin), to: IN_TRANSIT, quantity: n(l.quantity), reservationId: String(l.reservation_id) })),
  });

  const perLine = new Map<number, { partNo: string; quantity: number }>();
  for (const l of listLines) {
    const k = n(l.order_line_no);
    perLine.set(k, { partNo: String(l.part_no), quantity: (perLine.get(k)?.quantity ?? 0) + n(l.quantity) });
  }
  const orderLines = await em.execute('select * from dealer_order_line where order_id = ? for update', [s.orderId]);
  let amount = 0n;
  let currency = '';
  const shipmentLines: { lineNo: number; partNo: string; shipped: number; reshipped: number }[] = [];
  for (const [lineNo, l] of perLine) {
    const line = orderLines.find((o: Row) => n(o.line_no) === lineNo)!;
    const reshipped = Math.min(n(line.reship), l.quantity);
    currency = String(line.currency);
    amount += BigInt(String(line.unit_price_minor)) * BigInt(l.quantity - reshipped);
    shipmentLines.push({ lineNo, partNo: l.partNo, shipped: l.quantity, reshipped });
  }
  const shippedLines = valuesOf(shipmentLines.map((l) => [l.lineNo, l.shipped, l.reshipped]));
  await em.execute(`update dealer_order_line l set reserved = l.reserved - v.shipped, shipped = l.shipped + v.shipped - v.reshipped, reship = l.reship - v.reshipped
     from ${shippedLines.sql} as v(line_no, shipped, reshipped) where l.order_id = ? and l.line_no = v.line_no`, [...shippedLines.params, s.orderId]);

  let invoiceNo: string | null = null;
  if (amount > 0n) {
    invoiceNo = `INV-${shipmentNo.replace(/^SH-/, '')}`;
    await issueInvoice(em, ledger, {
      key: `${s.key}:invoice`, processId: s.orderId, step: 'ship', actor: s.actor, at: s.at,
      invoiceNo, dealerId: s.dealerId, shipmentNo, amountMinor: amount, currency,
    });
  }
  await em.execute(
    `insert into shipment (shipment_no, order_id, picking_list_no, carrier, consignment_no, shipped_at, shipped_by, invoice_no, amount_minor, currency, status)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'in-transit')`,
    [shipmentNo, s.orderId, s.pickingListNo, s.carrier, s.consignmentNo, s.at ?? new Date(), s.actor, invoiceNo, amount.toString(), currency]);
  const newLines = valuesOf(shipmentLines.map((l) => [shipmentNo, l.lineNo, l.partNo, l.shipped, l.reshipped]));
  await em.execute(`insert into shipment_line (shipment_no, order_line_no, part_no, shipped, reshipped) ${newLines.sql.slice(1, -1)}`, newLines.params);
  await em.execute(`update picking_list set status = 'shipped' where picking_list_no = ?`, [s.pickingListNo]);
  const state = await refresh(em, s.orderId, s.at);
  // last, as it locks the dealer's account row: the invoice joins the dealer's account
  const account = invoiceNo ? await takeInvoiceIntoAccount(em, {
    invoiceNo, processId: processId('dealer-account', s.dealerId), at: s.at ?? new Date(), daySeconds: await getDaySeconds(em),
  }) : { wake: false };
  return { state, shipmentNo, invoiceNo, wakeAccount: account.wake };
}

// ---- dealer receipt and discrepancies ---------------------------------------------------------

/**
 * Records what the dealer got: received units in transit → dealer. Parts of the shipment left out
 * of the receipt count as not received. A short or damaged quantity opens a discrepancy.
 */
export async function recordReceipt(em: EntityManager, ledger: Ledger, s: StepInput & { shipmentNo: string; lines: ReceiptLine[] | 'all'; assumed?: boolean }): Promise<OrderState> {
  const [shipment] = await em.execute('select status from shipment where shipment_no = ? and order_id = ? for update', [s.shipmentNo, s.orderId]);
  if (!shipment) throw notFound('shipment', s.shipmentNo);
  const step = s.assumed ? 'receipt-assumed' : 'received';
  if (!(await recordStep(em, { processId: s.orderId, step, actor: s.actor, key: s.key, at: s.at, detail: { shipmentNo: s.shipmentNo, lines: s.lines } }))) {
    return orderState(em, s.orderId);
  }
  if (shipment.status !== 'in-transit') throw conflict('already-received', `shipment ${s.shipmentNo} has already been received`, { shipmentNo: s.shipmentNo });
  const shipped = await em.execute('select * from shipment_line where shipment_no = ? order by order_line_no', [s.shipmentNo]);
  const lines = s.lines === 'all' ? shipped.map((l: Row) => ({ partNo: String(l.part_no), received: n(l.shipped), damaged: 0 })) : s.lines;
  const mismatch = receiptMismatch(shipped.map((l: Row) => ({ partNo: String(l.part_no), shipped: n(l.shipped) })), lines);
  if (mismatch) throw refused('receipt-mismatch', mismatch.message, { shipmentNo: s.shipmentNo, line: mismatch.line });

  let discrepancy = false;
  const moves = [];
  const counted: [number, number, number][] = [];
  for (const l of shipped) {
    const got = lines.find((x) => x.partNo === l.part_no) ?? { received: 0, damaged: 0 };
    if (got.received < n(l.shipped) || got.damaged > 0) discrepancy = true;
    if (got.received > 0) moves.push({ partNo: String(l.part_no), from: IN_TRANSIT, to: AT_DEALER, quantity: got.received });
    counted.push([n(l.order_line_no), got.received, got.damaged]);
  }
  const v = valuesOf(counted);
  await em.execute(`with by_shipment as (
       update shipment_line x set received = v.received, damaged = v.damaged from ${v.sql} as v(line_no, received, damaged)
        where x.shipment_no = ? and x.order_line_no = v.line_no)
     update dealer_order_line l set received = l.received + v.received, damaged = l.damaged + v.damaged
       from ${v.sql} as v(line_no, received, damaged) where l.order_id = ? and l.line_no = v.line_no`,
  [...v.params, s.shipmentNo, ...v.params, s.orderId]);
  if (moves.length) {
    await ledger.moveStock(em, { key: `${s.key}:stock`, processId: s.orderId, step, actor: s.actor, at: s.at, reason: 'dealer-receipt', documentRef: s.shipmentNo, moves });
  }
  await em.execute('update shipment set status = ?, received_at = ?, receipt_assumed = ? where shipment_no = ?',
    [discrepancy ? 'discrepancy' : 'received', s.at ?? new Date(), Boolean(s.assumed), s.shipmentNo]);
  if (discrepancy) await recordStep(em, { processId: s.orderId, step: 'discrepancy-opened', actor: s.actor, key: `${s.key}:discrepancy`, at: s.at, detail: { shipmentNo: s.shipmentNo } });
  return refresh(em, s.orderId, s.at);
}

export async function remindReceipt(em: EntityManager, s: StepInput & { shipmentNo: string }): Promise<OrderState> {
  if (await recordStep(em, { processId: s.orderId, step: 'receipt-reminder', actor: s.actor, key: s.key, at: s.at, detail: { shipmentNo: s.shipmentNo } })) {
    await em.execute('update shipment set reminded_at = ? where shipment_no = ?', [s.at ?? new Date(), s.shipmentNo]);
  }
  return orderState(em, s.orderId);
}

/**
 * Resolves a shipment's discrepancy. Units that never arrived are written off from in transit.
 * `credit`: the short and damaged units are credited to the dealer (receivable against sales).
 * `re-ship`: they are owed again free of charge, allocated and picked like any other line.
 */
export async function resolveDiscrepancy(em: EntityManager, ledger: Ledger, s: StepInput & { dealerId: string; shipmentNo: string; resolution: 'credit' | 're-ship' }):
  Promise<OrderState> {
  const [shipment] = await em.execute('select status, currency, invoice_no from shipment where shipment_no = ? and order_id = ? for update', [s.shipmentNo, s.orderId]);
  if (!shipment) throw notFound('shipment', s.shipmentNo);
  if (!(await recordStep(em, { processId: s.orderId, step: 'discrepancy-resolved', actor: s.actor, key: s.key, at: s.at, detail: { shipmentNo: s.shipmentNo, resolution: s.resolution } }))) {
    return orderState(em, s.orderId);
  }
  if (shipment.status !== 'discrepancy') throw conflict('no-discrepancy', `shipment ${s.shipmentNo} has no open discrepancy`, { shipmentNo: s.shipmentNo });
  const lines = await em.execute(
    `select sl.*, ol.unit_price_minor from shipment_line sl join dealer_order_line ol on ol.order_id = ? and ol.line_no = sl.order_line_no
     where sl.shipment_no = ? order by sl.order_line_no`, [s.orderId, s.shipmentNo]);
  const lost = lines.filter((l: Row) => n(l.shipped) > n(l.received))
    .map((l: Row) => ({ partNo: String(l.part_no), from: IN_TRANSIT, to: WRITTEN_OFF, quantity: n(l.shipped) - n(l.received) }));
  if (lost.length) {
    await ledger.moveStock(em, { key: `${s.key}:lost`, processId: s.orderId, step: 'resolve-discrepancy', actor: s.actor, at: s.at, reason: 'lost-in-transit', documentRef: s.shipmentNo, moves: lost });
  }
  if (s.resolution === 'credit') {
    // only charged units are credited: a free re-shipment that went wrong was never invoiced
    const credit = lines.reduce((t: bigint, l: Row) => {
      const bad = n(l.shipped) - n(l.received) + n(l.damaged);
      return t + BigInt(String(l.unit_price_minor)) * BigInt(Math.max(Math.min(bad, n(l.shipped) - n(l.reshipped)), 0));
    }, 0n);
    if (credit > 0n) {
      await ledger.postMoney(em, {
        key: `${s.key}:credit`, processId: s.orderId, step: 'resolve-discrepancy', actor: s.actor, at: s.at,
        description: `credit for the discrepancy on shipment ${s.shipmentNo}`,
        lines: [
          { account: account.sales, currency: String(shipment.currency), amount: credit },
          { account: account.dealerReceivable(s.dealerId), currency: String(shipment.currency), amount: -credit },
        ],
      });
      // the credit note settles that much of the shipment's invoice, so arrears chase only the rest
      // TODO: a credit beyond what is still open should become the dealer's unapplied credit
      await em.execute('update invoice set paid_minor = least(amount_minor, paid_minor + ?) where invoice_no = ?', [credit.toString(), shipment.invoice_no]);
    }
  } else {
    for (const l of lines) {
      const bad = n(l.shipped) - n(l.received) + n(l.damaged);
      if (bad > 0) await em.execute('update dealer_order_line set reship = reship + ? where order_id = ? and line_no = ?', [bad, s.orderId, l.order_line_no]);
    }
  }
  await em.execute(`update shipment set status = 'settled' where shipment_no = ?`, [s.shipmentNo]);
  return refresh(em, s.orderId, s.at);
}

// ---- cancellation -------------------------------------------------------------------------------

/** cancels what has not shipped: releases every reservation, withdraws open picking lists and follow-ups */
export async function cancelOrder(em: EntityManager, ledger: Ledger, s: StepInput & { reason: string | null }): Promise<OrderState> {
  // follow-ups first, the same order as an inbound receipt that allocates to them: it waits on
  // these rows, then finds them cancelled
  await em.execute(`update purchase_follow_up set status = 'cancelled', closed_at = ? where order_id = ? and status = 'open'`, [s.at ?? new Date(), s.orderId]);
  const lines = await em.execute('select * from dealer_order_line where order_id = ? order by line_no for update', [s.orderId]);
  if (!(await recordStep(em, { processId: s.orderId, step: 'cancelled', actor: s.actor, key: s.key, at: s.at, detail: { reason: s.reason } }))) {
    return orderState(em, s.orderId);
  }
  const unshipped = lines.reduce((t: number, l: Row) => t + n(l.ordered) - n(l.cancelled) - n(l.shipped), 0);
  if (unshipped === 0) throw conflict('already-shipped', 'every line of this order has shipped; it cannot be cancelled, only returned');

  await em.execute(`update picking_list set status = 'cancelled' where order_id = ? and status in ('issued', 'picked')`, [s.orderId]);
  for (const l of lines) {
    await ledger.release(em, { documentRef: documentRef(s.orderId, n(l.line_no)) });
    await em.execute(
      `update dealer_order_line set cancelled = ordered - shipped, reserved = 0, backordered = 0, reship = 0 where order_id = ? and line_no = ?`,
      [s.orderId, l.line_no]);
  }
  return refresh(em, s.orderId, s.at);
}

// ---- inbound receipts and backorders ----------------------------------------------------------

/**
 * Offers stock that has just been put away to the waiting backorders of those parts, oldest
 * purchase follow-up first, and returns the orders that got stock, to be told to issue a
 * picking list. When the stock came with an inbound receipt, the receipt's process row and
 * timeline record which orders it released, in the same transaction; the receipt's step key
 * also makes a second run (a retried activity) change nothing.
 */
export async function allocateBackorders(em: EntityManager, ledger: Ledger, r: {
  key: string; partNos: string[]; actor: string; at?: Date;
  receipt?: { id: string; supplierId: string; deliveryNoteNo: string } | null;
}): Promise<{ ordersToNotify: string[] }> {
  if (r.receipt && !(await recordStep(em, { processId: r.receipt.id, step: 'backorders-offered', actor: r.actor, key: r.key, at: r.at, detail: { partNos: r.partNos } }))) {
    const [done] = await em.execute('select summary from process where id = ?', [r.receipt.id]);
    return { ordersToNotify: ((done?.summary as { backordersReleased?: string[] })?.backordersReleased) ?? [] };
  }

  const notify = new Set<string>();
  for (const partNo of [...new Set(r.partNos)].sort()) {
    const waiting = await em.execute(
      `select * from purchase_follow_up where part_no = ? and status = 'open' order by raised_at, id for update`, [partNo]);
    for (const f of waiting) {
      const a = await ledger.allocate(em, {
        key: `${r.key}:F${f.id}`, documentRef: documentRef(String(f.order_id), n(f.order_line_no)), partNo, quantity: n(f.quantity),
        warehouse: NEW_PARTS_WAREHOUSE, at: r.at,
      });
      if (a.reserved === 0) break;
      await em.execute('update dealer_order_line set reserved = reserved + ?, backordered = backordered - ? where order_id = ? and line_no = ?',
        [a.reserved, a.reserved, f.order_id, f.order_line_no]);
      await em.execute(
        `update purchase_follow_up set quantity = quantity - ?, supplier_id = coalesce(?, supplier_id), status = case when quantity = ? then 'fulfilled' else status end,
           closed_at = case when quantity = ? then ? else closed_at end where id = ?`,
        [a.reserved, r.receipt?.supplierId ?? null, a.reserved, a.reserved, r.at ?? new Date(), f.id]);
      await recordStep(em, {
        processId: String(f.order_id), step: 'backorder-allocated', actor: r.actor, key: `${r.key}:F${f.id}`, at: r.at,
        detail: { lineNo: n(f.order_line_no), partNo, quantity: a.reserved, deliveryNoteNo: r.receipt?.deliveryNoteNo ?? null },
      });
      notify.add(String(f.order_id));
    }
  }
  const ordersToNotify = [...notify];
  if (r.receipt) {
    const [row] = await em.execute('select status from process where id = ?', [r.receipt.id]);
    await saveProcess(em, {
      id: r.receipt.id, type: 'inbound-receipt', businessKey: `${r.receipt.supplierId}/${r.receipt.deliveryNoteNo}`,
      status: String(row?.status ?? 'completed'), summary: { backordersReleased: ordersToNotify },
    }, r.at);
  }
  return { ordersToNotify };
}

// ---- prices -------------------------------------------------------------------------------------

export async function setPartPrice(em: EntityManager, p: { partNo: string; currency: string; unitPriceMinor: bigint; actor: string }) {
  const [part] = await em.execute('select part_no from part where part_no = ?', [p.partNo]);
  if (!part) throw notFound('part', p.partNo);
  await em.execute(
    `insert into part_price (part_no, currency, unit_price_minor, updated_at, updated_by) values (?, ?, ?, ?, ?)
     on conflict (part_no, currency) do update set unit_price_minor = excluded.unit_price_minor, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    [p.partNo, p.currency, p.unitPriceMinor.toString(), new Date(), p.actor]);
  return { partNo: p.partNo, currency: p.currency, unitPrice: formatMinor(p.unitPriceMinor) };
}
