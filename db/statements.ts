import type { EntityManager } from '@mikro-orm/postgresql';

import { account } from './accounts.ts';
import { notFound } from './errors.ts';
import { formatMinor } from './money.ts';
import { addDays, daysBetween } from './time.ts';
import { isoDay } from './sql.ts';

// Monthly statements, read from the ledger. A month is a range of business dates (the ledger's
// time zone), so the closing balance is the receivable's balance over every journal dated up to
// the month's last day. Each line on the receivable is an invoice (its journal is an invoice's),
// a payment (a payment's journal) or a credit (anything else on the credit side: warranty
// credits, discrepancy credits); debits that are neither are shown as other debits.
// Ageing counts what each invoice still owed at the month's end by days past its due date.

type Row = Record<string, unknown>;
const dateText = (v: unknown) => isoDay(v)!;

export const AGEING_BUCKETS = ['notDue', '0-30', '31-60', '61-90', 'over90'] as const;

export function monthRange(month: string): { from: string; to: string } {
  const from = `${month}-01`;
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  return { from, to: addDays(next, -1) };
}

/** the month before the one a business date falls into */
export function previousMonth(date: string): string {
  return addDays(`${date.slice(0, 7)}-01`, -1).slice(0, 7);
}

function bucketOf(daysPastDue: number): (typeof AGEING_BUCKETS)[number] {
  if (daysPastDue <= 0) return 'notDue';
  if (daysPastDue <= 30) return '0-30';
  if (daysPastDue <= 60) return '31-60';
  if (daysPastDue <= 90) return '61-90';
  return 'over90';
}

export interface StatementLine { date: string; kind: 'invoice' | 'payment' | 'credit' | 'other-debit'; reference: string; description: string; amount: string }

export interface StatementView {
  dealerId: string; dealerName: string; month: string; from: string; to: string; currency: string;
  openingBalance: string; invoices: string; payments: string; credits: string; otherDebits: string; closingBalance: string;
  lines: StatementLine[];
  ageing: Record<(typeof AGEING_BUCKETS)[number], string>;
  openInvoices: { invoiceNo: string; dueDate: string; daysPastDue: number; outstanding: string }[];
  generatedAt: string;
}

/** computes a dealer's statement for a month and stores it (a rerun replaces it) */
export async function produceStatement(em: EntityManager, s: { dealerId: string; month: string; timeZone: string; at: Date }): Promise<StatementView> {
  const [dealer] = await em.execute('select name, currency from dealer where id = ?', [s.dealerId]);
  if (!dealer) throw notFound('dealer', s.dealerId);
  const currency = String(dealer.currency);
  const { from, to } = monthRange(s.month);
  const receivable = account.dealerReceivable(s.dealerId);

  const [opening] = await em.execute(
    `select coalesce(sum(l.amount), 0) as sum from money_line l join money_journal j on j.id = l.journal_id
      where l.account_code = ? and l.currency = ? and j.business_date < ?`, [receivable, currency, from]);
  const rows: Row[] = await em.execute(
    `select l.amount, j.business_date, j.id, j.description, i.invoice_no, p.payment_no
       from money_line l join money_journal j on j.id = l.journal_id
       left join invoice i on i.journal_id = j.id left join payment p on p.journal_id = j.id
      where l.account_code = ? and l.currency = ? and j.business_date between ? and ? order by j.business_date, j.id, l.id`,
    [receivable, currency, from, to]);

  const totals = { invoice: 0n, payment: 0n, credit: 0n, 'other-debit': 0n };
  const lines: StatementLine[] = rows.map((r) => {
    const amount = BigInt(String(r.amount));
    const kind = r.invoice_no ? 'invoice' : r.payment_no ? 'payment' : amount < 0n ? 'credit' : 'other-debit';
    totals[kind] += amount;
    return {
      date: dateText(r.business_date), kind, reference: String(r.invoice_no ?? r.payment_no ?? `journal ${String(r.id)}`),
      description: String(r.description), amount: formatMinor(amount),
    };
  });
  const openingMinor = BigInt(String(opening!.sum));
  const closingMinor = openingMinor + totals.invoice + totals.payment + totals.credit + totals['other-debit'];

  const open: Row[] = await em.execute(
    `select i.invoice_no, i.due_date, i.amount_minor - coalesce((select sum(a.amount_minor) from payment_allocation a
              where a.invoice_no = i.invoice_no and (a.allocated_at at time zone ?)::date <= ?), 0) as outstanding
       from invoice i join money_journal j on j.id = i.journal_id
      where i.dealer_id = ? and i.currency = ? and j.business_date <= ? order by i.due_date, i.invoice_no`,
    [s.timeZone, to, s.dealerId, currency, to]);
  const ageing = Object.fromEntries(AGEING_BUCKETS.map((b) => [b, 0n])) as Record<(typeof AGEING_BUCKETS)[number], bigint>;
  const openInvoices: StatementView['openInvoices'] = [];
  for (const r of open) {
    const outstanding = BigInt(String(r.outstanding));
    if (outstanding <= 0n) continue;
    const daysPastDue = daysBetween(dateText(r.due_date), to);
    ageing[bucketOf(daysPastDue)] += outstanding;
    openInvoices.push({ invoiceNo: String(r.invoice_no), dueDate: dateText(r.due_date), daysPastDue, outstanding: formatMinor(outstanding) });
  }

  const view: StatementView = {
    dealerId: s.dealerId, dealerName: String(dealer.name), month: s.month, from, to, currency,
    openingBalance: formatMinor(openingMinor), invoices: formatMinor(totals.invoice), payments: formatMinor(-totals.payment),
    credits: formatMinor(-totals.credit), otherDebits: formatMinor(totals['other-debit']), closingBalance: formatMinor(closingMinor),
    lines, ageing: Object.fromEntries(Object.entries(ageing).map(([k, v]) => [k, formatMinor(v)])) as StatementView['ageing'],
    openInvoices, generatedAt: s.at.toISOString(),
  };
  await em.execute(
    `insert into statement (dealer_id, month, currency, opening_minor, closing_minor, body, generated_at) values (?, ?, ?, ?, ?, ?, ?)
     on conflict (dealer_id, month) do update set currency = excluded.currency, opening_minor = excluded.opening_minor,
       closing_minor = excluded.closing_minor, body = excluded.body, generated_at = excluded.generated_at`,
    [s.dealerId, s.month, currency, openingMinor.toString(), closingMinor.toString(), JSON.stringify(view), s.at]);
  return view;
}

export async function getStatement(em: EntityManager, dealerId: string, month: string): Promise<StatementView | null> {
  const [row] = await em.execute('select body from statement where dealer_id = ? and month = ?', [dealerId, month]);
  return row ? (row.body as StatementView) : null;
}

const escape = (v: unknown) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** the statement as a printable page; every value is escaped */
export function statementHtml(s: StatementView): string {
  const row = (cells: unknown[], tag = 'td') => `<tr>${cells.map((c) => `<${tag}>${escape(c)}</${tag}>`).join('')}</tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Statement ${escape(s.dealerId)} ${escape(s.month)}</title>
<style>body{font:14px sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;padding:4px 8px;text-align:left}
td:last-child{text-align:right}@media print{body{margin:0}}</style></head><body>
<h1>Statement of account</h1>
<p>${escape(s.dealerName)} (${escape(s.dealerId)}), ${escape(s.from)} to ${escape(s.to)}, amounts in ${escape(s.currency)}</p>
<table>${row(['Opening balance', s.openingBalance])}${row(['Invoices', s.invoices])}${row(['Payments', s.payments])}
${row(['Credits (warranty and other)', s.credits])}${row(['Other debits', s.otherDebits])}${row(['Closing balance', s.closingBalance])}</table>
<h2>Movements</h2>
<table>${row(['Date', 'Kind', 'Reference', 'Description', 'Amount'], 'th')}${s.lines.map((l) => row([l.date, l.kind, l.reference, l.description, l.amount])).join('')}</table>
<h2>Ageing at ${escape(s.to)}</h2>
<table>${row(['Not due', '0-30 days', '31-60 days', '61-90 days', 'Over 90 days'], 'th')}${row(AGEING_BUCKETS.map((b) => s.ageing[b]))}</table>
<p>Generated ${escape(s.generatedAt)}</p>
</body></html>`;
}
