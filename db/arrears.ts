import type { EntityManager } from '@mikro-orm/postgresql';

import { invalid, notFound } from './errors.ts';
import { formatMinor } from './money.ts';
import { recordStep, saveProcess } from './processes.ts';
import { addDays, daysBetween, localDate, startOfLocalDay } from './time.ts';
import { isoDay } from './sql.ts';

// The arrears ladder over the invoice rows. A rung `{ afterDaysOverdue: d }` is due at the
// start of the dealer's local day d days after the invoice became overdue (overdue_at is the
// start of the local day after the due date), so "days overdue" counts the whole local days
// since overdue_at: 0 on the first overdue day. Level n means rung n of the ladder was reached.

export const LADDER_ACTIONS = ['reminder', 'second-reminder', 'escalate-to-manager', 'credit-hold', 'collection'] as const;
export type LadderAction = (typeof LADDER_ACTIONS)[number];
export interface Rung { afterDaysOverdue: number; action: LadderAction }

/** a day on the ladder: 86400 seconds, unless a test or a replay scales it down */
export const DAY_SECONDS = 86_400;
/** the reason the ladder writes on the hold it sets, so that it lifts only its own holds */
export const LADDER_HOLD_REASON = 'arrears ladder';

const TEMPLATES: Record<LadderAction, { template: string; recipient: (dealerId: string) => string }> = {
  reminder: { template: 'payment-reminder', recipient: (d) => `dealer:${d}` },
  'second-reminder': { template: 'second-payment-reminder', recipient: (d) => `dealer:${d}` },
  'escalate-to-manager': { template: 'arrears-escalation', recipient: () => 'back-office:credit-manager' },
  'credit-hold': { template: 'credit-hold-notice', recipient: (d) => `dealer:${d}` },
  collection: { template: 'collection-handover', recipient: () => 'back-office:collections' },
};

type Row = Record<string, unknown>;
const dateText = (v: unknown) => isoDay(v)!;

export function checkLadder(ladder: { afterDaysOverdue: number; action: string }[]): Rung[] {
  ladder.forEach((r, i) => {
    if (!(LADDER_ACTIONS as readonly string[]).includes(r.action)) {
      throw invalid(`ladder[${i}].action`, `must be one of ${LADDER_ACTIONS.join(', ')}`);
    }
    if (i > 0 && r.afterDaysOverdue <= ladder[i - 1]!.afterDaysOverdue) {
      throw invalid(`ladder[${i}].afterDaysOverdue`, 'must be greater than the rung before (the ladder climbs in ascending days)');
    }
  });
  return ladder as Rung[];
}

interface InvoiceClock { dueDate: string; overdueAt: Date; timeZone: string }

/** the instant a rung of an invoice is due */
export function rungAt(inv: InvoiceClock, afterDaysOverdue: number, daySeconds = DAY_SECONDS): Date {
  if (daySeconds === DAY_SECONDS) return startOfLocalDay(addDays(inv.dueDate, 1 + afterDaysOverdue), inv.timeZone);
  return new Date(inv.overdueAt.getTime() + afterDaysOverdue * daySeconds * 1000);
}

/** whole days since the invoice became overdue at an instant; negative before overdue_at */
export function daysOverdue(inv: InvoiceClock, at: Date, daySeconds = DAY_SECONDS): number {
  if (at < inv.overdueAt) return -1;
  if (daySeconds === DAY_SECONDS) return daysBetween(addDays(inv.dueDate, 1), localDate(at, inv.timeZone));
  return Math.floor((at.getTime() - inv.overdueAt.getTime()) / (daySeconds * 1000));
}

const clockOf = (r: Row): InvoiceClock => ({ dueDate: dateText(r.due_date), overdueAt: new Date(r.overdue_at as string), timeZone: String(r.time_zone) });

/** locks the account's row; the first statement of every transaction that sets its next wake */
export async function lockAccountRow(em: EntityManager, processId: string): Promise<{ dueAt: Date | null } | null> {
  const [row] = await em.execute('select due_at from process where id = ? for update', [processId]);
  return row ? { dueAt: row.due_at === null ? null : new Date(row.due_at as string) } : null;
}

/**
 * The dealer account's process row: outstanding total and the highest level of an open invoice.
 * The row is locked before the invoices are summed, so two writers that raced (a refresh and a
 * new invoice) write in turn, the later one with a sum that counts the other's invoice.
 */
export async function saveAccountRow(em: EntityManager, processId: string, dealerId: string, at: Date) {
  await lockAccountRow(em, processId);
  const [sum] = await em.execute(
    `select d.currency, coalesce(sum(i.amount_minor - i.paid_minor), 0) as outstanding,
            coalesce(max(i.escalation_level) filter (where i.paid_minor < i.amount_minor), 0) as level,
            count(i.*) filter (where i.paid_minor < i.amount_minor) as open
       from dealer d left join invoice i on i.dealer_id = d.id where d.id = ? group by d.currency`, [dealerId]);
  if (!sum) throw notFound('dealer', dealerId);
  const level = Number(sum.level);
  const outstanding = BigInt(String(sum.outstanding));
  await saveProcess(em, {
    id: processId, type: 'dealer-account', businessKey: dealerId, dealerId,
    status: outstanding === 0n ? 'settled' : level > 0 ? 'in-arrears' : 'open',
    amountMinor: outstanding, currency: String(sum.currency), escalationLevel: level,
    summary: { openInvoices: Number(sum.open), outstanding: formatMinor(outstanding) },
  }, at);
}

export interface OpenInvoiceState { invoiceNo: string; level: number; nextAtMs: number | null }

export interface AccountState {
  open: OpenInvoiceState[];
  /** the earliest instant a rung of an open invoice is due, or null when nothing is to climb */
  nextWakeMs: number | null;
  /** an open invoice stands at or past the credit-hold rung */
  holdRequired: boolean;
  onHold: boolean;
  /** the hold in place was set by the ladder (so the ladder may lift it) */
  heldByLadder: boolean;
}

/** what the dealer account process needs to know to schedule its timers */
export async function accountState(em: EntityManager, dealerId: string, daySeconds = DAY_SECONDS): Promise<AccountState> {
  const [dealer] = await em.execute('select ladder, time_zone, credit_hold, credit_hold_reason from dealer where id = ?', [dealerId]);
  if (!dealer) throw notFound('dealer', dealerId);
  const ladder = dealer.ladder as Rung[];
  const holdLevel = ladder.findIndex((r) => r.action === 'credit-hold') + 1;
  const rows: Row[] = await em.execute(
    `select invoice_no, due_date, overdue_at, escalation_level, ? as time_zone from invoice
      where dealer_id = ? and paid_minor < amount_minor order by overdue_at, invoice_no`, [dealer.time_zone, dealerId]);
  const open = rows.map((r) => {
    const level = Number(r.escalation_level);
    const next = ladder[level];
    return { invoiceNo: String(r.invoice_no), level, nextAtMs: next ? rungAt(clockOf(r), next.afterDaysOverdue, daySeconds).getTime() : null };
  });
  const times = open.map((o) => o.nextAtMs).filter((t): t is number => t !== null);
  return {
    open,
    nextWakeMs: times.length ? Math.min(...times) : null,
    holdRequired: holdLevel > 0 && open.some((o) => o.level >= holdLevel),
    onHold: Boolean(dealer.credit_hold),
    heldByLadder: Boolean(dealer.credit_hold) && String(dealer.credit_hold_reason ?? '').startsWith(LADDER_HOLD_REASON),
  };
}

export interface ClimbResult { invoiceNo: string; outstandingMinor: string; reached: { level: number; action: LadderAction }[] }

/**
 * Climbs one invoice up every rung that is due at `at`. Under the invoice's row lock it re-reads
 * what is outstanding: a paid invoice climbs no further and is never chased; otherwise each rung
 * writes its outbox row (once per invoice and level) for the amount outstanding now, moves the
 * invoice's level, and updates the account's process row and timeline, all in this transaction.
 */
export async function climbInvoice(em: EntityManager, c: { invoiceNo: string; at: Date; daySeconds: number; processId: string; actor: string }):
  Promise<ClimbResult> {
  const [inv] = await em.execute(
    `select i.*, d.time_zone, d.ladder from invoice i join dealer d on d.id = i.dealer_id where i.invoice_no = ? for update of i`, [c.invoiceNo]);
  if (!inv) throw notFound('invoice', c.invoiceNo);
  const outstanding = BigInt(String(inv.amount_minor)) - BigInt(String(inv.paid_minor));
  const result: ClimbResult = { invoiceNo: c.invoiceNo, outstandingMinor: outstanding.toString(), reached: [] };
  if (outstanding === 0n) return result;

  const ladder = inv.ladder as Rung[];
  const clock = clockOf(inv);
  const dealerId = String(inv.dealer_id);
  let level = Number(inv.escalation_level);
  while (level < ladder.length && rungAt(clock, ladder[level]!.afterDaysOverdue, c.daySeconds) <= c.at) {
    const rung = ladder[level]!;
    level += 1;
    const t = TEMPLATES[rung.action];
    const days = daysOverdue(clock, c.at, c.daySeconds);
    await em.execute(
      `insert into notification (dealer_id, invoice_no, level, action, recipient, channel, template, currency, invoice_amount_minor,
         outstanding_minor, days_overdue, local_date, status, attempts, created_at)
       values (?, ?, ?, ?, ?, 'webhook', ?, ?, ?, ?, ?, ?, 'pending', 0, ?) on conflict (invoice_no, level) do nothing`,
      [dealerId, c.invoiceNo, level, rung.action, t.recipient(dealerId), t.template, inv.currency, String(inv.amount_minor),
        outstanding.toString(), days, localDate(c.at, clock.timeZone), c.at]);
    await recordStep(em, {
      processId: c.processId, step: rung.action, actor: c.actor, key: `${c.processId}:${c.invoiceNo}:level-${level}`, at: c.at,
      detail: { invoiceNo: c.invoiceNo, level, daysOverdue: days, outstanding: formatMinor(outstanding), currency: inv.currency },
    });
    result.reached.push({ level, action: rung.action });
  }
  if (result.reached.length === 0) return result;
  await em.execute('update invoice set escalation_level = ? where invoice_no = ?', [level, c.invoiceNo]);
  await saveAccountRow(em, c.processId, dealerId, c.at);
  return result;
}

/** the invoices of a dealer with a rung due at `at`, to climb one transaction each */
export async function invoicesToClimb(em: EntityManager, dealerId: string, at: Date, daySeconds: number): Promise<string[]> {
  const state = await accountState(em, dealerId, daySeconds);
  return state.open.filter((o) => o.nextAtMs !== null && o.nextAtMs <= at.getTime()).map((o) => o.invoiceNo);
}
