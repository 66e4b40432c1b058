import { createHash } from 'node:crypto';

import type { EntityManager } from '@mikro-orm/postgresql';

import { account } from './accounts.ts';
import { saveAccountRow } from './arrears.ts';
import { conflict, invalid, notFound, refused } from './errors.ts';
import type { Ledger } from './ledger.ts';
import { formatMinor } from './money.ts';
import { recordStep } from './processes.ts';

// Payments settle invoices. One journal per payment (debit bank, credit the dealer's
// receivable, for the whole amount); the allocations say which invoices it settled. Named
// allocations go first, the rest settles the oldest open invoices; what is left over stays on
// the receivable as an unapplied credit (the receivable goes below zero by that much) and is
// applied to the dealer's next invoices as they are issued (applyUnappliedCredit).

export interface PaymentInput {
  paymentNo: string;
  dealerId: string;
  amountMinor: bigint;
  currency: string;
  receivedAt: Date;
  allocations: { invoiceNo: string; amountMinor: bigint }[];
  actor: string;
  /** the dealer account process the payment is recorded on */
  accountProcessId: string;
}

export interface PaymentResult {
  paymentNo: string;
  dealerId: string;
  amount: string;
  currency: string;
  receivedAt: string;
  journalId: string;
  allocations: { invoiceNo: string; amount: string; outstandingAfter: string }[];
  /** the over-payment left as a credit on the dealer's account */
  unapplied: string;
  replayed: boolean;
}

type Row = Record<string, unknown>;

function contentHash(p: PaymentInput): string {
  return createHash('sha256').update(JSON.stringify({
    d: p.dealerId, a: p.amountMinor.toString(), c: p.currency, r: p.receivedAt.toISOString(),
    l: p.allocations.map((a) => [a.invoiceNo, a.amountMinor.toString()]),
  })).digest('hex');
}

/** records a payment once per payment number; call it in a transaction of its own */
export async function recordPayment(em: EntityManager, ledger: Ledger, p: PaymentInput): Promise<PaymentResult> {
  if (p.amountMinor <= 0n) throw invalid('amount', 'must be greater than zero');
  const hash = contentHash(p);

  // the number is claimed first: a concurrent twin waits here and then sees the first one
  const claimed = await em.execute(
    `insert into payment (payment_no, dealer_id, currency, amount_minor, unapplied_minor, received_at, content_hash, journal_id, result, actor, created_at)
     values (?, ?, ?, ?, 0, ?, ?, 0, '{}', ?, ?) on conflict (payment_no) do nothing returning payment_no`,
    [p.paymentNo, p.dealerId, p.currency, p.amountMinor.toString(), p.receivedAt, hash, p.actor, new Date()]);
  if (claimed.length === 0) {
    const [earlier] = await em.execute('select content_hash, result from payment where payment_no = ?', [p.paymentNo]);
    if (earlier!.content_hash !== hash) {
      throw conflict('payment-number-reused', `payment ${p.paymentNo} was already recorded with different content`, { paymentNo: p.paymentNo });
    }
    return { ...(earlier!.result as PaymentResult), replayed: true };
  }

  const [dealer] = await em.execute('select currency from dealer where id = ?', [p.dealerId]);
  if (!dealer) throw notFound('dealer', p.dealerId);
  if (dealer.currency !== p.currency) {
    throw refused('wrong-currency', `dealer ${p.dealerId} is invoiced in ${String(dealer.currency)}, not ${p.currency}`, { field: 'currency' });
  }

  // every open invoice of the dealer, locked oldest first: the same order everywhere
  const open: Row[] = await em.execute(
    `select invoice_no, amount_minor, paid_minor from invoice where dealer_id = ? and currency = ? and paid_minor < amount_minor
     order by issued_at, invoice_no for update`, [p.dealerId, p.currency]);
  const outstanding = new Map(open.map((r) => [String(r.invoice_no), BigInt(String(r.amount_minor)) - BigInt(String(r.paid_minor))]));
  const taken = new Map<string, bigint>();
  let left = p.amountMinor;

  for (const [i, a] of p.allocations.entries()) {
    const rest = (outstanding.get(a.invoiceNo) ?? 0n) - (taken.get(a.invoiceNo) ?? 0n);
    if (!outstanding.has(a.invoiceNo)) {
      throw refused('invoice-not-open', `invoice ${a.invoiceNo} is not an open invoice of dealer ${p.dealerId}`, { field: `allocations[${i}].invoiceNo` });
    }
    if (a.amountMinor > rest) {
      throw refused('allocation-exceeds-outstanding', `invoice ${a.invoiceNo} has ${formatMinor(rest)} outstanding, less than ${formatMinor(a.amountMinor)}`,
        { field: `allocations[${i}].amount`, outstanding: formatMinor(rest) });
    }
    if (a.amountMinor > left) throw refused('allocations-exceed-payment', 'the allocations add up to more than the payment', { field: 'allocations' });
    taken.set(a.invoiceNo, (taken.get(a.invoiceNo) ?? 0n) + a.amountMinor);
    left -= a.amountMinor;
  }
  for (const [invoiceNo, due] of outstanding) {
    if (left === 0n) break;
    const share = due - (taken.get(invoiceNo) ?? 0n);
    if (share <= 0n) continue;
    const part = share < left ? share : left;
    taken.set(invoiceNo, (taken.get(invoiceNo) ?? 0n) + part);
    left -= part;
  }

  const journal = await ledger.postMoney(em, {
    key: `payment:${p.paymentNo}`, processId: p.accountProcessId, step: 'payment', actor: p.actor, at: p.receivedAt,
    description: `payment ${p.paymentNo} from dealer ${p.dealerId}`,
    lines: [
      { account: account.bank, currency: p.currency, amount: p.amountMinor },
      { account: account.dealerReceivable(p.dealerId), currency: p.currency, amount: -p.amountMinor },
    ],
  });
  const allocations: PaymentResult['allocations'] = [];
  for (const [invoiceNo, amount] of taken) {
    await applyToInvoice(em, p.paymentNo, invoiceNo, amount, p.receivedAt);
    allocations.push({ invoiceNo, amount: formatMinor(amount), outstandingAfter: formatMinor(outstanding.get(invoiceNo)! - amount) });
  }

  const result: PaymentResult = {
    paymentNo: p.paymentNo, dealerId: p.dealerId, amount: formatMinor(p.amountMinor), currency: p.currency,
    receivedAt: p.receivedAt.toISOString(), journalId: journal.id, allocations, unapplied: formatMinor(left), replayed: false,
  };
  await em.execute('update payment set journal_id = ?, unapplied_minor = ?, result = ? where payment_no = ?',
    [journal.id, left.toString(), JSON.stringify(result), p.paymentNo]);
  await saveAccountRow(em, p.accountProcessId, p.dealerId, p.receivedAt);
  await recordStep(em, {
    processId: p.accountProcessId, step: 'payment', actor: p.actor, key: `payment:${p.paymentNo}`,
    detail: { paymentNo: p.paymentNo, amount: result.amount, currency: p.currency, allocations, unapplied: result.unapplied },
  });
  return result;
}

async function applyToInvoice(em: EntityManager, paymentNo: string, invoiceNo: string, amount: bigint, at: Date) {
  await em.execute('update invoice set paid_minor = paid_minor + ? where invoice_no = ?', [amount.toString(), invoiceNo]);
  await em.execute('insert into payment_allocation (payment_no, invoice_no, amount_minor, allocated_at) values (?, ?, ?, ?)',
    [paymentNo, invoiceNo, amount.toString(), at]);
}

/**
 * Applies the dealer's unapplied credit (over-payments, oldest first) to an invoice. The invoice
 * row is locked before the payments, as everywhere else. Returns what was applied.
 */
export async function applyUnappliedCredit(em: EntityManager, invoiceNo: string, at: Date): Promise<bigint> {
  const [inv] = await em.execute('select dealer_id, currency, amount_minor, paid_minor from invoice where invoice_no = ? for update', [invoiceNo]);
  if (!inv) throw notFound('invoice', invoiceNo);
  let due = BigInt(String(inv.amount_minor)) - BigInt(String(inv.paid_minor));
  const credits: Row[] = await em.execute(
    `select payment_no, unapplied_minor from payment where dealer_id = ? and currency = ? and unapplied_minor > 0
     order by received_at, payment_no for update`, [inv.dealer_id, inv.currency]);
  let applied = 0n;
  for (const c of credits) {
    if (due === 0n) break;
    const available = BigInt(String(c.unapplied_minor));
    const part = available < due ? available : due;
    await em.execute('update payment set unapplied_minor = unapplied_minor - ? where payment_no = ?', [part.toString(), c.payment_no]);
    await applyToInvoice(em, String(c.payment_no), invoiceNo, part, at);
    due -= part;
    applied += part;
  }
  return applied;
}
