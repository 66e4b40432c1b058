import type { EntityManager } from '@mikro-orm/postgresql';

import { account } from './accounts.ts';
import { notFound } from './errors.ts';
import type { Ledger, Posting } from './ledger.ts';
import { getDaySeconds, REAL_DAY_SECONDS } from './settings.ts';
import { isoDay, isoTime } from './sql.ts';
import { addDays, localDate, startOfLocalDay } from './time.ts';

type Row = Record<string, unknown>;

export interface InvoiceView {
  invoiceNo: string;
  dealerId: string;
  processId: string;
  shipmentNo: string;
  currency: string;
  amountMinor: string;
  paidMinor: string;
  outstandingMinor: string;
  issuedAt: string;
  dueDate: string;
  overdueAt: string;
  journalId: string;
  escalationLevel: number;
}

export function invoiceView(r: Row): InvoiceView {
  return {
    invoiceNo: String(r.invoice_no), dealerId: String(r.dealer_id), processId: String(r.process_id), shipmentNo: String(r.shipment_no),
    currency: String(r.currency), amountMinor: String(r.amount_minor), paidMinor: String(r.paid_minor),
    outstandingMinor: (BigInt(String(r.amount_minor)) - BigInt(String(r.paid_minor))).toString(),
    issuedAt: isoTime(r.issued_at)!,
    dueDate: isoDay(r.due_date)!,
    overdueAt: isoTime(r.overdue_at)!, journalId: String(r.journal_id), escalationLevel: Number(r.escalation_level),
  };
}

/**
 * Invoices a shipment: debits the dealer's receivable, credits sales, and records the invoice
 * with its due date (issue date + the dealer's terms, as a local date of the dealer). Call it in
 * the ship transaction. Idempotent on the posting key and the invoice number.
 */
export async function issueInvoice(em: EntityManager, ledger: Ledger, i: Posting & {
  invoiceNo: string; dealerId: string; shipmentNo: string; amountMinor: bigint; currency: string;
}): Promise<InvoiceView> {
  const [dealer] = await em.execute('select time_zone, terms_days from dealer where id = ?', [i.dealerId]);
  if (!dealer) throw notFound('dealer', i.dealerId);
  const at = i.at ?? new Date();
  const journal = await ledger.postMoney(em, {
    ...i, at, description: `invoice ${i.invoiceNo} for shipment ${i.shipmentNo}`,
    lines: [
      { account: account.dealerReceivable(i.dealerId), currency: i.currency, amount: i.amountMinor },
      { account: account.sales, currency: i.currency, amount: -i.amountMinor },
    ],
  });
  const tz = String(dealer.time_zone);
  const daySeconds = await getDaySeconds(em);
  let dueDate = addDays(localDate(at, tz), Number(dealer.terms_days));
  let overdueAt = startOfLocalDay(addDays(dueDate, 1), tz);
  if (daySeconds !== REAL_DAY_SECONDS) {
    // a scaled simulation: the terms run in scaled days from the moment of issue
    overdueAt = new Date(at.getTime() + Number(dealer.terms_days) * daySeconds * 1000);
    dueDate = localDate(new Date(overdueAt.getTime() - 1), tz);
  }
  await em.execute(
    `insert into invoice (invoice_no, dealer_id, process_id, shipment_no, currency, amount_minor, paid_minor, issued_at, due_date, overdue_at, journal_id, escalation_level)
     values (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, 0) on conflict (invoice_no) do nothing`,
    [i.invoiceNo, i.dealerId, i.processId ?? '', i.shipmentNo, i.currency, i.amountMinor.toString(), at, dueDate, overdueAt, journal.id]);
  const [row] = await em.execute('select * from invoice where invoice_no = ?', [i.invoiceNo]);
  return invoiceView(row!);
}
