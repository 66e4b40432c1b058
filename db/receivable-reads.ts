import type { EntityManager } from '@mikro-orm/postgresql';

import { daysOverdue, rungAt, type Rung } from './arrears.ts';
import { notFound } from './errors.ts';
import { invoiceView } from './invoices.ts';
import { formatMinor } from './money.ts';
import { isoDay } from './sql.ts';

// What the API reads about receivables: invoices by status, and the arrears of open invoices
// with the ladder's next step. Days overdue here are real dealer-local days.

type Row = Record<string, unknown>;
const dateText = (v: unknown) => isoDay(v)!;

export type InvoiceStatus = 'open' | 'overdue' | 'paid';

export async function listInvoices(em: EntityManager, dealerId: string, status: InvoiceStatus | undefined, now: Date) {
  const where = {
    open: 'and paid_minor < amount_minor and overdue_at > ?',
    overdue: 'and paid_minor < amount_minor and overdue_at <= ?',
    paid: 'and paid_minor = amount_minor',
  };
  const rows: Row[] = await em.execute(
    `select * from invoice where dealer_id = ? ${status ? where[status] : ''} order by issued_at, invoice_no limit 1000`,
    status && status !== 'paid' ? [dealerId, now] : [dealerId]);
  return rows.map((r) => {
    const v = invoiceView(r);
    const s: InvoiceStatus = v.outstandingMinor === '0' ? 'paid' : new Date(r.overdue_at as string) <= now ? 'overdue' : 'open';
    return { ...v, status: s, amount: formatMinor(v.amountMinor), paid: formatMinor(v.paidMinor), outstanding: formatMinor(v.outstandingMinor) };
  });
}

export interface ArrearsItem {
  dealerId: string; invoiceNo: string; currency: string; dueDate: string; overdue: boolean; daysOverdue: number;
  amount: string; outstanding: string; escalationLevel: number; escalation: string | null;
  nextStep: { level: number; action: string; afterDaysOverdue: number; at: string } | null;
}

function arrearsItem(r: Row, now: Date): ArrearsItem {
  const ladder = r.ladder as Rung[];
  const clock = { dueDate: dateText(r.due_date), overdueAt: new Date(r.overdue_at as string), timeZone: String(r.time_zone) };
  const level = Number(r.escalation_level);
  const next = ladder[level];
  const days = daysOverdue(clock, now);
  return {
    dealerId: String(r.dealer_id), invoiceNo: String(r.invoice_no), currency: String(r.currency), dueDate: clock.dueDate,
    overdue: days >= 0, daysOverdue: Math.max(days, 0),
    amount: formatMinor(String(r.amount_minor)), outstanding: formatMinor(BigInt(String(r.amount_minor)) - BigInt(String(r.paid_minor))),
    escalationLevel: level, escalation: level > 0 ? ladder[level - 1]?.action ?? null : null,
    nextStep: next ? { level: level + 1, action: next.action, afterDaysOverdue: next.afterDaysOverdue, at: rungAt(clock, next.afterDaysOverdue).toISOString() } : null,
  };
}

const ARREARS_SQL = `select i.*, d.time_zone, d.ladder from invoice i join dealer d on d.id = i.dealer_id
  where i.paid_minor < i.amount_minor`;

/** every open invoice of a dealer, overdue or not, oldest due first */
export async function dealerArrears(em: EntityManager, dealerId: string, now: Date) {
  const [dealer] = await em.execute('select id, credit_hold from dealer where id = ?', [dealerId]);
  if (!dealer) throw notFound('dealer', dealerId);
  const rows: Row[] = await em.execute(`${ARREARS_SQL} and i.dealer_id = ? order by i.overdue_at, i.invoice_no limit 1000`, [dealerId]);
  const items = rows.map((r) => arrearsItem(r, now));
  const total = rows.reduce((s, r) => s + BigInt(String(r.amount_minor)) - BigInt(String(r.paid_minor)), 0n);
  return { dealerId, creditHold: Boolean(dealer.credit_hold), outstanding: formatMinor(total), invoices: items };
}

/** the back office's view: overdue invoices of every dealer, filtered by level and days */
export async function allArrears(em: EntityManager, f: { level?: number; minDaysOverdue?: number; limit: number }, now: Date) {
  const rows: Row[] = await em.execute(
    `${ARREARS_SQL} and i.overdue_at <= ? ${f.level === undefined ? '' : 'and i.escalation_level = ?'} order by i.overdue_at, i.invoice_no limit 5000`,
    f.level === undefined ? [now] : [now, f.level]);
  return rows.map((r) => arrearsItem(r, now)).filter((a) => a.daysOverdue >= (f.minDaysOverdue ?? 0)).slice(0, f.limit);
}
