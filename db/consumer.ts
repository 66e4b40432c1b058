import { createHash } from 'node:crypto';

import type { EntityManager } from '@mikro-orm/postgresql';

import { account } from './accounts.ts';
import { conflict, notFound, refused } from './errors.ts';
import type { Ledger } from './ledger.ts';
import { formatMinor, POINTS, unitShare } from './money.ts';
import { notReturnable, tooManyReturned, type Violation } from '../workflows/consumer-rules.ts';
import { parseProcessId } from '../workflows/ids.ts';
import { recordStep, saveProcess } from './processes.ts';

// The rules of consumer orders, returns and refunds (DESIGN.md P3) on locked rows. Each function
// runs inside the caller's transaction and writes the process row and its timeline step there.
// Locks are taken in one order: order row, then its lines (by line number), then its payment row.

/** a refund to the store balance instead of the original route is allowed up to this amount */
export const STORE_BALANCE_LIMIT_MINOR = 100_000n;
/** loyalty points debited as freight for a refused cash-on-delivery order beyond the limits */
export const REFUSAL_FREIGHT_POINTS = 500n;
const DAY_MS = 86_400_000;

export type PaymentRoute = 'card' | 'company-transfer' | 'cheque' | 'gift-card' | 'store-balance' | 'cash-on-delivery';

export interface OrderInput {
  orderNo: string;
  customerId: string;
  placedAt: string;
  payment: { route: PaymentRoute; amountMinor: number; currency: string; account?: string | null };
  lines: { lineNo: number; sku: string; category: string; quantity: number; unitPriceMinor: number }[];
  address?: { city: string; postcode?: string | null } | null;
}

interface Ctx { processId: string; actor: string; at: Date }
type Row = Record<string, unknown>;

const big = (v: unknown) => BigInt(String(v ?? 0));
const isPrepaid = (route: string) => route !== 'cash-on-delivery';

export const orderHash = (o: OrderInput) => createHash('sha256').update(JSON.stringify({
  c: o.customerId, t: new Date(o.placedAt).toISOString(), p: o.payment, l: o.lines, a: o.address ?? null,
})).digest('hex');

async function lockOrder(em: EntityManager, orderNo: string) {
  const [order] = await em.execute('select * from consumer_order where order_no = ? for update', [orderNo]);
  if (!order) throw notFound('consumer order', orderNo);
  return order;
}

async function lockLines(em: EntityManager, orderNo: string) {
  return em.execute('select * from consumer_order_line where order_no = ? order by line_no for update', [orderNo]);
}

async function lockPayment(em: EntityManager, orderNo: string) {
  const [payment] = await em.execute('select * from consumer_payment where order_no = ? for update', [orderNo]);
  if (!payment) throw notFound('consumer order', orderNo);
  return payment;
}

/** the process row of whichever process made a refund step: an order keeps its status */
async function saveRefundProcess(em: EntityManager, c: Ctx, orderNo: string, returnStatus: string, summary: Record<string, unknown>) {
  const parsed = parseProcessId(c.processId);
  if (parsed?.type === 'consumer-return') {
    const [row] = await em.execute('select business_key from process where id = ?', [c.processId]);
    await saveProcess(em, { id: c.processId, type: 'consumer-return', businessKey: String(row?.business_key ?? orderNo), status: returnStatus, summary: { ...summary, status: returnStatus } }, c.at);
  } else {
    const [order] = await em.execute('select status from consumer_order where order_no = ?', [orderNo]);
    await saveProcess(em, { id: c.processId, type: 'consumer-order', businessKey: orderNo, status: String(order?.status ?? 'placed'), summary }, c.at);
  }
}

async function setOrderStatus(em: EntityManager, orderNo: string, status: string, c: Ctx, step: string, key: string, detail: Record<string, unknown>) {
  await em.execute('update consumer_order set status = ?, updated_at = ? where order_no = ?', [status, c.at, orderNo]);
  await saveProcess(em, { id: c.processId, type: 'consumer-order', businessKey: orderNo, status, summary: { status } }, c.at);
  await recordStep(em, { processId: c.processId, step, actor: c.actor, key, detail, at: c.at });
}

/**
 * Records a placed order: its lines with the payment allocated over them once (so that partial
 * refunds of a line add up to the line exactly) and, for a prepaid order, the money received.
 */
export async function placeOrder(em: EntityManager, ledger: Ledger, o: OrderInput, c: Ctx) {
  const hash = orderHash(o);
  const [existing] = await em.execute('select content_hash from consumer_order where order_no = ?', [o.orderNo]);
  if (existing) {
    if (existing.content_hash !== hash) throw conflict('order-exists', `consumer order ${o.orderNo} exists with different content`, { orderNo: o.orderNo });
    return { created: false };
  }

  const gross = o.lines.map((l) => BigInt(l.unitPriceMinor) * BigInt(l.quantity));
  const grossTotal = gross.reduce((a, b) => a + b, 0n);
  const paid = BigInt(o.payment.amountMinor);
  let before = 0n;
  const shares = gross.map((g) => {
    // the payment over the lines in proportion to their gross; remainders fall to the last line
    const share = grossTotal === 0n ? 0n : (paid * (before + g)) / grossTotal - (paid * before) / grossTotal;
    before += g;
    return share;
  });

  await em.execute(
    `insert into consumer_order (order_no, customer_id, placed_at, status, content_hash, city, postcode, created_at, updated_at)
     values (?, ?, ?, 'placed', ?, ?, ?, ?, ?)`,
    [o.orderNo, o.customerId, new Date(o.placedAt), hash, o.address?.city ?? null, o.address?.postcode ?? null, c.at, c.at]);
  for (const [i, l] of o.lines.entries()) {
    await em.execute(
      `insert into consumer_order_line (order_no, line_no, sku, category, quantity, unit_price_minor, paid_minor, protected_price_minor)
       values (?, ?, ?, ?, ?, ?, ?, ?)`,
      [o.orderNo, l.lineNo, l.sku, l.category, l.quantity, String(l.unitPriceMinor), String(shares[i]), String(l.unitPriceMinor)]);
  }
  const prepaid = isPrepaid(o.payment.route);
  await em.execute(
    'insert into consumer_payment (order_no, route, currency, amount_minor, paid_minor, account) values (?, ?, ?, ?, ?, ?)',
    [o.orderNo, o.payment.route, o.payment.currency, String(paid), prepaid ? String(paid) : '0', o.payment.account ?? null]);
  if (prepaid && paid > 0n) {
    await ledger.postMoney(em, {
      key: `${c.processId}:paid`, step: 'paid', actor: c.actor, processId: c.processId, at: c.at,
      description: `consumer order ${o.orderNo} paid by ${o.payment.route}`,
      lines: [
        { account: o.payment.route === 'store-balance' ? account.storeBalance(o.customerId) : account.bank, currency: o.payment.currency, amount: paid },
        { account: account.customerPayments(o.orderNo), currency: o.payment.currency, amount: -paid },
      ],
    });
  }
  await saveProcess(em, {
    id: c.processId, type: 'consumer-order', businessKey: o.orderNo, status: 'placed', amountMinor: paid, currency: o.payment.currency,
    summary: { customerId: o.customerId, route: o.payment.route, placedAt: new Date(o.placedAt).toISOString(), status: 'placed' },
  }, c.at);
  await recordStep(em, { processId: c.processId, step: 'placed', actor: c.actor, key: `${c.processId}:placed`, detail: { lines: o.lines.length }, at: c.at });
  return { created: true };
}

/**
 * Applies a carrier event. Events that the order's state does not allow (a shipment of a
 * cancelled order, a second delivery) are recorded on the timeline and change nothing.
 */
export async function applyCarrierEvent(em: EntityManager, ledger: Ledger, e: { orderNo: string; eventId: string; type: string; at: string }, c: Ctx):
  Promise<{ status: string; applied: boolean; refundMinor: number; owedClaims: { claimId: string; amountMinor: number }[]; freightPoints: boolean }> {
  const order = await lockOrder(em, e.orderNo);
  const status = String(order.status);
  const key = `${c.processId}:event:${e.eventId}`;
  const [done] = await em.execute('select step from process_step where idempotency_key = ?', [key]);
  if (done && done.step !== 'event-ignored') {
    // a retry of a step that committed: the same answer, rebuilt from the rows it changed
    const payment = await lockPayment(em, e.orderNo);
    const left = big(payment.paid_minor) - big(payment.refunded_minor) - big(payment.pending_minor);
    const owed = await em.execute(`select id, amount_minor from price_protection_claim where order_no = ? and status = 'owed' order by id`, [e.orderNo]);
    return {
      status, applied: true, freightPoints: false,
      refundMinor: status === 'refused' && isPrepaid(String(payment.route)) ? Number(left) : 0,
      owedClaims: status === 'delivered' && isPrepaid(String(payment.route)) ? owed.map((r: Row) => ({ claimId: String(r.id), amountMinor: Number(r.amount_minor) })) : [],
    };
  }
  const allowed: Record<string, string[]> = { shipped: ['placed'], delivered: ['placed', 'shipped'], refused: ['placed', 'shipped'] };
  const none = { refundMinor: 0, owedClaims: [], freightPoints: false };
  if (!allowed[e.type]?.includes(status)) {
    await recordStep(em, { processId: c.processId, step: 'event-ignored', actor: c.actor, key, detail: { eventId: e.eventId, type: e.type, status }, at: c.at });
    return { status, applied: false, ...none };
  }
  const payment = await lockPayment(em, e.orderNo);

  if (e.type === 'shipped') {
    await setOrderStatus(em, e.orderNo, 'shipped', c, 'shipped', key, { eventId: e.eventId, at: e.at });
    return { status: 'shipped', applied: true, ...none };
  }

  if (e.type === 'delivered') {
    await em.execute('update consumer_order_line set delivered = quantity where order_no = ?', [e.orderNo]);
    let owedClaims: { claimId: string; amountMinor: number }[] = [];
    if (!isPrepaid(String(payment.route))) {
      // cash on delivery: the courier collects what is due, price protection already deducted
      const due = big(payment.amount_minor);
      await em.execute('update consumer_payment set paid_minor = amount_minor where order_no = ?', [e.orderNo]);
      if (due > 0n) {
        await ledger.postMoney(em, {
          key: `${c.processId}:cash-collected`, step: 'cash-collected', actor: c.actor, processId: c.processId, at: c.at,
          description: `cash collected on delivery of consumer order ${e.orderNo}`,
          lines: [
            { account: account.cash, currency: String(payment.currency), amount: due },
            { account: account.customerPayments(e.orderNo), currency: String(payment.currency), amount: -due },
          ],
        });
      }
    } else {
      const owed = await em.execute(`select id, amount_minor from price_protection_claim where order_no = ? and status = 'owed' order by id`, [e.orderNo]);
      owedClaims = owed.map((r: Row) => ({ claimId: String(r.id), amountMinor: Number(r.amount_minor) }));
    }
    await setOrderStatus(em, e.orderNo, 'delivered', c, 'delivered', key, { eventId: e.eventId, at: e.at });
    return { status: 'delivered', applied: true, refundMinor: 0, owedClaims, freightPoints: false };
  }

  // refused delivery
  await setOrderStatus(em, e.orderNo, 'refused', c, 'refused', key, { eventId: e.eventId, at: e.at });
  if (isPrepaid(String(payment.route))) {
    const left = big(payment.paid_minor) - big(payment.refunded_minor) - big(payment.pending_minor);
    return { status: 'refused', applied: true, refundMinor: Number(left), owedClaims: [], freightPoints: false };
  }
  const freightPoints = await chargeRefusalFreight(em, ledger, String(order.customer_id), e.orderNo, new Date(order.placed_at as Date), c);
  return { status: 'refused', applied: true, refundMinor: 0, owedClaims: [], freightPoints };
}

/**
 * Counts the customer's refused cash-on-delivery orders placed in the 30 and 365 days back from
 * this order's submission (this one included); beyond 1 or 3, the refusal costs freight points.
 */
async function chargeRefusalFreight(em: EntityManager, ledger: Ledger, customerId: string, orderNo: string, placedAt: Date, c: Ctx) {
  // one customer's refusals are counted one at a time
  await em.execute('select pg_advisory_xact_lock(hashtext(?))', [`consumer-refusals:${customerId}`]);
  const count = async (days: number) => {
    const [r] = await em.execute(
      `select count(*)::int as n from consumer_order o join consumer_payment p on p.order_no = o.order_no
       where o.customer_id = ? and o.status = 'refused' and p.route = 'cash-on-delivery' and o.placed_at > ? and o.placed_at <= ?`,
      [customerId, new Date(placedAt.getTime() - days * DAY_MS), placedAt]);
    return Number(r!.n);
  };
  const in30 = await count(30);
  const in365 = await count(365);
  if (in30 <= 1 && in365 <= 3) return false;
  await ledger.postMoney(em, {
    key: `${c.processId}:refusal-freight`, step: 'refusal-freight', actor: c.actor, processId: c.processId, at: c.at,
    description: `freight for refused cash-on-delivery order ${orderNo}: ${in30} refusals in 30 days, ${in365} in 365 days`,
    lines: [
      { account: account.loyalty(customerId), currency: POINTS, amount: REFUSAL_FREIGHT_POINTS },
      { account: account.freightIncome, currency: POINTS, amount: -REFUSAL_FREIGHT_POINTS },
    ],
  });
  await recordStep(em, { processId: c.processId, step: 'refusal-freight', actor: c.actor, key: `${c.processId}:refusal-freight`, detail: { in30, in365, points: 500 }, at: c.at });
  return true;
}

/** cancels an unshipped order; a prepaid one is then refunded what was paid and not refunded */
export async function cancelOrder(em: EntityManager, o: { orderNo: string }, c: Ctx): Promise<{ status: string; refundMinor: number }> {
  const order = await lockOrder(em, o.orderNo);
  const status = String(order.status);
  if (status !== 'placed' && status !== 'cancelled') {
    throw conflict('order-shipped', `consumer order ${o.orderNo} is ${status} and can no longer be cancelled: refuse the delivery or return the goods`, { orderNo: o.orderNo, status });
  }
  const payment = await lockPayment(em, o.orderNo);
  // cancelled already: a retry of this step, whose refund (made by the next step) is still due
  if (status === 'placed') await setOrderStatus(em, o.orderNo, 'cancelled', c, 'cancelled', `${c.processId}:cancelled`, {});
  const left = big(payment.paid_minor) - big(payment.refunded_minor) - big(payment.pending_minor);
  return { status: 'cancelled', refundMinor: isPrepaid(String(payment.route)) ? Number(left) : 0 };
}

export interface RefundRequest {
  refundId: string;
  orderNo: string;
  amountMinor: number;
  /** 'store-balance' when the customer chose the store balance over the original route */
  refundTo: 'original' | 'store-balance';
  /** for company transfers and cheques: the account confirmed by finance */
  confirmedAccount?: string | null;
  claimId?: string | null;
}

/**
 * Reserves a refund on the locked payment row: never more than paid − refunded − pending. A
 * store-balance refund is credited at once; any other route writes an instruction to the outbox
 * and stays pending until the provider answers.
 */
export async function reserveRefund(em: EntityManager, ledger: Ledger, r: RefundRequest, c: Ctx & { step: string }):
  Promise<{ refundId: string; status: 'settled' | 'pending'; route: string; amountMinor: number }> {
  const payment = await lockPayment(em, r.orderNo);
  const [done] = await em.execute('select status, route, amount_minor from consumer_refund where refund_id = ?', [r.refundId]);
  if (done) return { refundId: r.refundId, status: done.status === 'settled' ? 'settled' : 'pending', route: String(done.route), amountMinor: Number(done.amount_minor) };

  const amount = BigInt(r.amountMinor);
  const currency = String(payment.currency);
  const left = big(payment.paid_minor) - big(payment.refunded_minor) - big(payment.pending_minor);
  if (amount > left) {
    throw refused('refund-exceeds-paid', `a refund of ${formatMinor(amount)} ${currency} exceeds what is left to refund on order ${r.orderNo}: ${formatMinor(left)} ${currency}`,
      { orderNo: r.orderNo, requested: formatMinor(amount), left: formatMinor(left), currency });
  }
  const original = String(payment.route);
  if (r.refundTo === 'store-balance' && original !== 'store-balance' && amount > STORE_BALANCE_LIMIT_MINOR) {
    throw refused('store-balance-limit', `a refund of ${formatMinor(amount)} ${currency} is above the ${formatMinor(STORE_BALANCE_LIMIT_MINOR)} limit for the store balance; it goes back by the original route`,
      { requested: formatMinor(amount), limit: formatMinor(STORE_BALANCE_LIMIT_MINOR) });
  }
  const route = r.refundTo === 'store-balance' ? 'store-balance' : original;
  let target: string | null = null;
  if (route === 'company-transfer' || route === 'cheque') {
    if (!r.confirmedAccount) throw conflict('account-not-confirmed', `a ${route} refund goes only to the paying company's account, once finance confirms it`);
    if (r.confirmedAccount !== payment.account) {
      throw refused('account-mismatch', `a ${route} refund goes only to the account that paid order ${r.orderNo}; ${r.confirmedAccount} is a different account`,
        { orderNo: r.orderNo, account: r.confirmedAccount });
    }
    target = r.confirmedAccount;
  } else if (route === 'card' || route === 'gift-card') {
    target = payment.account === null ? null : String(payment.account);
  }

  const [order] = await em.execute('select customer_id from consumer_order where order_no = ?', [r.orderNo]);
  const settledAtOnce = route === 'store-balance';
  const journal = await ledger.postMoney(em, {
    key: `${r.refundId}:approved`, step: c.step, actor: c.actor, processId: c.processId, at: c.at,
    description: `refund ${r.refundId} of consumer order ${r.orderNo} by ${route}`,
    lines: [
      { account: account.customerPayments(r.orderNo), currency, amount },
      { account: settledAtOnce ? account.storeBalance(String(order!.customer_id)) : account.refundsPayable(route), currency, amount: -amount },
    ],
  });
  await em.execute(
    `update consumer_payment set ${settledAtOnce ? 'refunded_minor = refunded_minor + ?' : 'pending_minor = pending_minor + ?'} where order_no = ?`,
    [String(amount), r.orderNo]);
  await em.execute(
    `insert into consumer_refund (refund_id, order_no, process_id, route, account, currency, amount_minor, status, journal_id, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [r.refundId, r.orderNo, c.processId, route, target, currency, String(amount), settledAtOnce ? 'settled' : 'pending', journal.id, c.at]);
  if (!settledAtOnce) {
    await em.execute(
      `insert into refund_instruction (idempotency_key, order_no, route, account, currency, amount_minor, created_at) values (?, ?, ?, ?, ?, ?, ?)`,
      [r.refundId, r.orderNo, route, target, currency, String(amount), c.at]);
  }
  if (r.claimId) await em.execute(`update price_protection_claim set status = 'refunded' where id = ?`, [r.claimId]);
  await saveRefundProcess(em, c, r.orderNo, settledAtOnce ? 'refunded' : 'refund-pending', { lastRefund: { refundId: r.refundId, route, amount: formatMinor(amount), status: settledAtOnce ? 'settled' : 'pending' } });
  await recordStep(em, {
    processId: c.processId, step: settledAtOnce ? 'refunded' : 'refund-instructed', actor: c.actor, key: `${r.refundId}:approved`,
    detail: { refundId: r.refundId, route, amount: formatMinor(amount), currency }, at: c.at,
  });
  return { refundId: r.refundId, status: settledAtOnce ? 'settled' : 'pending', route, amountMinor: Number(amount) };
}

/** the provider's answer to a refund instruction: settled pays it out, failed gives it back */
export async function answerRefund(em: EntityManager, ledger: Ledger, a: { refundId: string; status: 'settled' | 'failed'; eventId: string }, c: Ctx) {
  const [ref] = await em.execute('select * from consumer_refund where refund_id = ?', [a.refundId]);
  if (!ref) throw notFound('refund', a.refundId);
  await lockPayment(em, String(ref.order_no));
  const [locked] = await em.execute('select * from consumer_refund where refund_id = ? for update', [a.refundId]);
  if (locked!.status !== 'pending') return { status: String(locked!.status), changed: false };
  const amount = big(locked!.amount_minor);
  const currency = String(locked!.currency);
  if (a.status === 'settled') {
    await ledger.postMoney(em, {
      key: `${a.refundId}:settled`, step: 'refund-settled', actor: c.actor, processId: c.processId, at: c.at,
      description: `refund ${a.refundId} paid out by ${String(locked!.route)}`,
      lines: [
        { account: account.refundsPayable(String(locked!.route)), currency, amount },
        { account: account.bank, currency, amount: -amount },
      ],
    });
    await em.execute('update consumer_payment set pending_minor = pending_minor - ?, refunded_minor = refunded_minor + ? where order_no = ?',
      [String(amount), String(amount), locked!.order_no]);
  } else {
    await ledger.reverseMoney(em, { key: `${a.refundId}:failed`, step: 'refund-failed', actor: c.actor, processId: c.processId, at: c.at, journalId: String(locked!.journal_id) });
    await em.execute('update consumer_payment set pending_minor = pending_minor - ? where order_no = ?', [String(amount), locked!.order_no]);
  }
  await em.execute('update consumer_refund set status = ?, answered_at = ? where refund_id = ?', [a.status, c.at, a.refundId]);
  await saveRefundProcess(em, c, String(locked!.order_no), a.status === 'settled' ? 'refunded' : 'refund-failed', { lastRefund: { refundId: a.refundId, status: a.status } });
  await recordStep(em, { processId: c.processId, step: `refund-${a.status}`, actor: c.actor, key: `${a.refundId}:${a.status}`, detail: { refundId: a.refundId, eventId: a.eventId }, at: c.at });
  return { status: a.status, changed: true };
}

export interface ReturnLine { lineNo: number; quantity: number }

/**
 * Files a return on the locked lines of the order: every line must exist, be returnable by its
 * category, and ask no more than delivered − returned − pending. The quantities become pending.
 */
export async function fileReturn(em: EntityManager, r: { orderNo: string; requestNo: string; lines: ReturnLine[]; refundTo: string; quality: boolean; reason: string }, c: Ctx) {
  const order = await lockOrder(em, r.orderNo);
  const lines = new Map((await lockLines(em, r.orderNo)).map((l: Row) => [Number(l.line_no), l]));
  if (!(await recordStep(em, { processId: c.processId, step: 'filed', actor: c.actor, key: `${c.processId}:filed`, detail: { lines: r.lines, reason: r.reason, quality: r.quality }, at: c.at }))) {
    return { estimateMinor: 0, replayed: true };
  }
  if (order.status !== 'delivered') throw conflict('order-not-delivered', `consumer order ${r.orderNo} is ${String(order.status)}: only delivered goods can be returned`, { status: order.status });
  const payment = await lockPayment(em, r.orderNo);
  let estimate = 0n;
  for (const rl of r.lines) {
    const l = lines.get(rl.lineNo);
    if (!l) throw notFound('order line', `${r.orderNo}/${rl.lineNo}`);
    check(notReturnable(rl.lineNo, String(l.category)));
    check(tooManyReturned(rl.lineNo, rl.quantity, Number(l.delivered), Number(l.returned), Number(l.pending)));
    const refunded = Number(l.refunded_units);
    estimate += unitShare(big(l.paid_minor), Number(l.quantity), refunded, Math.min(rl.quantity, Number(l.quantity) - refunded));
  }
  if (r.refundTo === 'store-balance' && payment.route !== 'store-balance' && estimate > STORE_BALANCE_LIMIT_MINOR) {
    throw refused('store-balance-limit', `a refund of ${formatMinor(estimate)} ${String(payment.currency)} is above the ${formatMinor(STORE_BALANCE_LIMIT_MINOR)} limit for the store balance; choose the original route`,
      { requested: formatMinor(estimate), limit: formatMinor(STORE_BALANCE_LIMIT_MINOR) });
  }
  for (const rl of r.lines) {
    await em.execute('update consumer_order_line set pending = pending + ? where order_no = ? and line_no = ?', [rl.quantity, r.orderNo, rl.lineNo]);
  }
  const status = r.quality ? 'awaiting-review' : 'awaiting-pickup';
  await saveProcess(em, {
    id: c.processId, type: 'consumer-return', businessKey: `${r.orderNo}/${r.requestNo}`, status, amountMinor: estimate, currency: String(payment.currency),
    summary: { orderNo: r.orderNo, requestNo: r.requestNo, customerId: order.customer_id, lines: r.lines, reason: r.reason, quality: r.quality, refundTo: r.refundTo, status },
  }, c.at);
  return { estimateMinor: Number(estimate), replayed: false };
}

function check(v: Violation | null) {
  if (v) throw refused(v.code, v.message, v.details);
}

/** records a step of a return with its new status on the process row */
export async function returnStep(em: EntityManager, s: { status: string; step: string; detail?: Record<string, unknown>; escalate?: boolean }, c: Ctx): Promise<boolean> {
  const [row] = await em.execute('select business_key from process where id = ?', [c.processId]);
  await saveProcess(em, {
    id: c.processId, type: 'consumer-return', businessKey: String(row?.business_key ?? c.processId), status: s.status,
    ...(s.escalate ? { escalationLevel: 1 } : {}), summary: { status: s.status, [s.step]: s.detail ?? {} },
  }, c.at);
  return recordStep(em, { processId: c.processId, step: s.step, actor: c.actor, key: `${c.processId}:${s.step}`, detail: s.detail, at: c.at });
}

/** gives back the pending quantities of a return that will not be picked up */
export async function releaseReturn(em: EntityManager, r: { orderNo: string; lines: ReturnLine[] }) {
  await lockOrder(em, r.orderNo);
  await lockLines(em, r.orderNo);
  for (const l of r.lines) {
    await em.execute('update consumer_order_line set pending = pending - ? where order_no = ? and line_no = ?', [l.quantity, r.orderNo, l.lineNo]);
  }
}

/** a pickup is booked on a working day, inside the self-operated delivery area */
export async function checkPickup(em: EntityManager, p: { orderNo: string; date: string }) {
  const [order] = await em.execute('select city from consumer_order where order_no = ?', [p.orderNo]);
  if (!order) throw notFound('consumer order', p.orderNo);
  if (!order.city) throw refused('outside-delivery-area', `consumer order ${p.orderNo} has no delivery city, so no pickup can be booked; the customer sends the goods back`, { reason: 'no delivery city' });
  const [area] = await em.execute('select city from pickup_area where city = ?', [order.city]);
  if (!area) {
    throw refused('outside-delivery-area', `${String(order.city)} is outside the self-operated delivery area; the customer sends the goods back by a carrier`, { city: order.city, reason: 'outside the self-operated delivery area' });
  }
  const weekday = new Date(`${p.date}T00:00:00Z`).getUTCDay();
  if (weekday === 0 || weekday === 6) throw refused('not-a-working-day', `${p.date} is a ${weekday === 0 ? 'Sunday' : 'Saturday'}; pickups are booked on working days`, { date: p.date });
  const [holiday] = await em.execute('select name from holiday where date = ?', [p.date]);
  if (holiday) throw refused('not-a-working-day', `${p.date} is a holiday (${String(holiday.name)}); pickups are booked on working days`, { date: p.date, holiday: holiday.name });
}

export interface InspectionLine { lineNo: number; restock: number; damaged: number; rejected: number }

/**
 * Books the inspection: the goods come from the customer to inspection, then restocked units
 * go to a new-parts bin, damaged ones to the damaged bin, rejected ones back to the customer.
 * Returns the refund for the accepted units, their share of what was paid for the line.
 */
export async function inspectReturn(em: EntityManager, ledger: Ledger, r: { orderNo: string; lines: ReturnLine[]; inspection: InspectionLine[]; restockBin: string; damagedBin: string }, c: Ctx) {
  await lockOrder(em, r.orderNo);
  const lines = new Map((await lockLines(em, r.orderNo)).map((l: Row) => [Number(l.line_no), l]));
  if (!(await recordStep(em, { processId: c.processId, step: 'inspected', actor: c.actor, key: `${c.processId}:inspected`, detail: { lines: r.inspection }, at: c.at }))) {
    const [p] = await em.execute('select amount_minor from process where id = ?', [c.processId]);
    return { refundMinor: Number(p?.amount_minor ?? 0) };
  }
  for (const bin of [r.restockBin, r.damagedBin]) {
    const [wh, b] = bin.split('/');
    await em.execute(`insert into location (code, physical, warehouse, bin, zone, updated_at, updated_by) values (?, true, ?, ?, null, ?, ?) on conflict (code) do nothing`,
      [bin, wh, b, c.at, c.actor]);
  }

  let refund = 0n;
  const moves: { partNo: string; from: string; to: string; quantity: number }[] = [];
  for (const rl of r.lines) {
    const l = lines.get(rl.lineNo)!;
    const i = r.inspection.find((x) => x.lineNo === rl.lineNo)!;
    const sku = String(l.sku);
    const accepted = i.restock + i.damaged;
    moves.push({ partNo: sku, from: '@customer', to: '@inspection', quantity: rl.quantity });
    if (i.restock) moves.push({ partNo: sku, from: '@inspection', to: r.restockBin, quantity: i.restock });
    if (i.damaged) moves.push({ partNo: sku, from: '@inspection', to: r.damagedBin, quantity: i.damaged });
    if (i.rejected) moves.push({ partNo: sku, from: '@inspection', to: '@customer', quantity: i.rejected });
    refund += unitShare(big(l.paid_minor), Number(l.quantity), Number(l.refunded_units), accepted);
    await em.execute(
      'update consumer_order_line set pending = pending - ?, returned = returned + ?, refunded_units = refunded_units + ? where order_no = ? and line_no = ?',
      [rl.quantity, accepted, accepted, r.orderNo, rl.lineNo]);
  }
  await ledger.moveStock(em, { key: `${c.processId}:inspected`, step: 'inspected', actor: c.actor, processId: c.processId, at: c.at, reason: 'consumer-return', documentRef: c.processId, moves });
  await saveProcess(em, { id: c.processId, type: 'consumer-return', businessKey: `${r.orderNo}`, status: 'inspected', amountMinor: refund, summary: { status: 'inspected', inspection: r.inspection, refund: formatMinor(refund) } }, c.at);
  return { refundMinor: Number(refund) };
}

/**
 * A price-protection claim for one line: the difference to the lowest price seen since the order
 * was placed and within the protection period, for the units not returned, once per price drop.
 * An unpaid cash-on-delivery order owes the lower amount; a prepaid one is owed a refund.
 */
export async function claimPriceProtection(em: EntityManager, p: { orderNo: string; lineNo: number; protectionDays: number; claimKey: string }, c: Ctx):
  Promise<{ claimId: string; amountMinor: number; status: string; refundNow: boolean }> {
  const order = await lockOrder(em, p.orderNo);
  const [done] = await em.execute('select detail from process_step where idempotency_key = ?', [p.claimKey]);
  if (done) return (done.detail as { result: { claimId: string; amountMinor: number; status: string; refundNow: boolean } }).result;
  if (order.status === 'cancelled' || order.status === 'refused') throw conflict('order-closed', `consumer order ${p.orderNo} is ${String(order.status)}`, { status: order.status });
  const [line] = await em.execute('select * from consumer_order_line where order_no = ? and line_no = ? for update', [p.orderNo, p.lineNo]);
  if (!line) throw notFound('order line', `${p.orderNo}/${p.lineNo}`);
  const payment = await lockPayment(em, p.orderNo);
  const placedAt = new Date(order.placed_at as Date);
  const until = new Date(Math.min(c.at.getTime(), placedAt.getTime() + p.protectionDays * DAY_MS));
  const [lowest] = await em.execute(
    `select id, price_minor from price_change where sku = ? and currency = ? and effective_at > ? and effective_at <= ? order by price_minor, effective_at limit 1`,
    [line.sku, payment.currency, placedAt, until]);
  const protectedPrice = big(line.protected_price_minor);
  if (!lowest || big(lowest.price_minor) >= protectedPrice) {
    throw refused('no-price-drop', `no price of ${String(line.sku)} within the protection period is below the ${formatMinor(protectedPrice)} already protected`,
      { sku: line.sku, protectedPrice: formatMinor(protectedPrice) });
  }
  const units = Number(line.quantity) - Number(line.returned) - Number(line.pending);
  const amount = (protectedPrice - big(lowest.price_minor)) * BigInt(units);
  const cod = !isPrepaid(String(payment.route));
  if (cod && order.status !== 'delivered' && amount > big(payment.amount_minor)) throw refused('no-price-drop', 'the difference exceeds what is due');
  const status = cod && order.status !== 'delivered' ? 'deducted' : 'owed';
  const [claim] = await em.execute(
    `insert into price_protection_claim (order_no, line_no, price_change_id, price_minor, units, amount_minor, status, created_at) values (?, ?, ?, ?, ?, ?, ?, ?) returning id`,
    [p.orderNo, p.lineNo, lowest.id, lowest.price_minor, units, String(amount), status, c.at]);
  await em.execute('update consumer_order_line set protected_price_minor = ? where order_no = ? and line_no = ?', [lowest.price_minor, p.orderNo, p.lineNo]);
  if (status === 'deducted') await em.execute('update consumer_payment set amount_minor = amount_minor - ? where order_no = ?', [String(amount), p.orderNo]);
  await saveProcess(em, {
    id: c.processId, type: 'consumer-order', businessKey: p.orderNo, status: String(order.status),
    summary: { lastPriceProtection: { lineNo: p.lineNo, amount: formatMinor(amount), status } },
  }, c.at);
  const result = { claimId: String(claim!.id), amountMinor: Number(amount), status, refundNow: status === 'owed' && order.status === 'delivered' };
  await recordStep(em, {
    processId: c.processId, step: 'price-protection', actor: c.actor, key: p.claimKey,
    detail: { lineNo: p.lineNo, price: formatMinor(big(lowest.price_minor)), units, amount: formatMinor(amount), status, result }, at: c.at,
  });
  return result;
}

/** the API's view of an order: status, lines with their counters, payment, refunds */
export async function getConsumerOrder(em: EntityManager, orderNo: string) {
  const [o] = await em.execute('select * from consumer_order where order_no = ?', [orderNo]);
  if (!o) return null;
  const lines = await em.execute('select * from consumer_order_line where order_no = ? order by line_no', [orderNo]);
  const [p] = await em.execute('select * from consumer_payment where order_no = ?', [orderNo]);
  const refunds = await em.execute('select refund_id, route, amount_minor, currency, status from consumer_refund where order_no = ? order by created_at', [orderNo]);
  const claims = await em.execute('select line_no, price_minor, units, amount_minor, status from price_protection_claim where order_no = ? order by id', [orderNo]);
  const cur = String(p!.currency);
  const money = (v: unknown) => ({ amount: formatMinor(big(v)), currency: cur });
  return {
    orderNo, customerId: o.customer_id, status: o.status, placedAt: new Date(o.placed_at as Date).toISOString(),
    payment: { route: p!.route, amount: money(p!.amount_minor), paid: money(p!.paid_minor), refunded: money(p!.refunded_minor), pending: money(p!.pending_minor) },
    lines: lines.map((l: Row) => ({
      lineNo: l.line_no, sku: l.sku, category: l.category, quantity: l.quantity, unitPrice: formatMinor(big(l.unit_price_minor)),
      paid: formatMinor(big(l.paid_minor)), delivered: l.delivered, returned: l.returned, pending: l.pending, protectedPrice: formatMinor(big(l.protected_price_minor)),
    })),
    refunds: refunds.map((r: Row) => ({ refundId: r.refund_id, route: r.route, amount: formatMinor(big(r.amount_minor)), currency: r.currency, status: r.status })),
    priceProtection: claims.map((r: Row) => ({ lineNo: r.line_no, price: formatMinor(big(r.price_minor)), units: r.units, amount: formatMinor(big(r.amount_minor)), status: r.status })),
  };
}
