import type { EntityManager } from '@mikro-orm/postgresql';

import { accountState, lockAccountRow, rungAt, saveAccountRow, type AccountState, type Rung } from './arrears.ts';
import { notFound } from './errors.ts';
import { applyUnappliedCredit } from './payments.ts';
import { isoDay } from './sql.ts';

// When a dealer's account process must be woken for a new invoice.
//
// The account process sleeps until the earliest next rung of an open invoice and re-reads every
// open invoice when it wakes. Its row in `process` keeps that instant in `due_at`, written in the
// transaction that read the invoices, after locking the row. A new invoice takes the same lock
// to read `due_at`, after the invoice itself has committed. Either the process's read came
// after the invoice (and counted it), or the invoice reads the wake that read set; so an
// invoice whose first rung is no earlier than that wake needs no signal: the process sees it
// when it wakes. Only an invoice due before it (or an account with no wake: asleep for good,
// ended, or never started) wakes the process. A wake that has already passed says the process
// did not wake for it (terminated, reset, failed): the invoice wakes it, and it reads every open
// invoice when it starts. A process that is merely late is woken once more, which is harmless.

/** the account's state read under its row's lock, its next wake recorded in the row */
export async function accountStateSaved(em: EntityManager, processId: string, dealerId: string, daySeconds: number): Promise<AccountState> {
  await lockAccountRow(em, processId);
  const state = await accountState(em, dealerId, daySeconds);
  await em.execute('update process set due_at = ? where id = ?', [state.nextWakeMs === null ? null : new Date(state.nextWakeMs), processId]);
  return state;
}

/**
 * Takes a newly issued invoice into its dealer's account: the dealer's unapplied credit settles
 * what it can, the account's row shows the new totals, and the answer says whether the account
 * process must be woken (see above). Call it in a transaction of its own, after the invoice's.
 */
export async function takeInvoiceIntoAccount(em: EntityManager, t: { invoiceNo: string; processId: string; at: Date; daySeconds: number }):
  Promise<{ wake: boolean }> {
  await applyUnappliedCredit(em, t.invoiceNo, t.at);
  const row = await lockAccountRow(em, t.processId);
  const [inv] = await em.execute(
    `select i.dealer_id, i.due_date, i.overdue_at, i.amount_minor, i.paid_minor, d.time_zone, d.ladder
       from invoice i join dealer d on d.id = i.dealer_id where i.invoice_no = ?`, [t.invoiceNo]);
  if (!inv) throw notFound('invoice', t.invoiceNo);
  await saveAccountRow(em, t.processId, String(inv.dealer_id), t.at);
  const first = (inv.ladder as Rung[])[0];
  const open = BigInt(String(inv.paid_minor)) < BigInt(String(inv.amount_minor));
  if (!row) return { wake: true };
  if (!open || !first) return { wake: false };
  const firstRung = rungAt({ dueDate: isoDay(inv.due_date)!, overdueAt: new Date(inv.overdue_at as string), timeZone: String(inv.time_zone) },
    first.afterDaysOverdue, t.daySeconds);
  return { wake: row.dueAt === null || row.dueAt <= t.at || row.dueAt > firstRung };
}
