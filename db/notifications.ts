import type { EntityManager } from '@mikro-orm/postgresql';

import { formatMinor } from './money.ts';
import type { Orm } from './orm.ts';
import { inTransaction } from './tx.ts';
import { isoDay } from './sql.ts';

// Delivery of the notification outbox. Each row is delivered in a transaction that holds its
// invoice's row lock (invoice first, then the outbox row, the same order as everywhere): the
// outstanding amount is re-read there, so a payment that committed before the send cancels or
// corrects it, and a payment that arrives during the send waits for it to finish. A webhook
// call is bounded by a timeout, so the lock is held for seconds at most.

export const MAX_DELIVERY_ATTEMPTS = 5;

type Row = Record<string, unknown>;
const dateText = (v: unknown) => isoDay(v)!;

export interface NotificationView {
  id: string; dealerId: string; invoiceNo: string; level: number; action: string; recipient: string; channel: string;
  template: string; currency: string; invoiceAmount: string; outstanding: string; daysOverdue: number; localDate: string;
  status: string; attempts: number; lastError: string | null; deliveredAt: string | null; createdAt: string;
}

export function notificationView(r: Row): NotificationView {
  return {
    id: String(r.id), dealerId: String(r.dealer_id), invoiceNo: String(r.invoice_no), level: Number(r.level), action: String(r.action),
    recipient: String(r.recipient), channel: String(r.channel), template: String(r.template), currency: String(r.currency),
    invoiceAmount: formatMinor(String(r.invoice_amount_minor)), outstanding: formatMinor(String(r.outstanding_minor)),
    daysOverdue: Number(r.days_overdue), localDate: dateText(r.local_date), status: String(r.status), attempts: Number(r.attempts),
    lastError: (r.last_error as string | null) ?? null, deliveredAt: r.delivered_at ? new Date(r.delivered_at as string).toISOString() : null,
    createdAt: new Date(r.created_at as string).toISOString(),
  };
}

export type Send = (n: NotificationView) => Promise<void>;

export interface DeliveryOutcome { id: string; status: string; outstanding: string; error?: string }

/** delivers one outbox row if it is still pending; a failed send is recorded, then reported */
export async function deliverOne(orm: Orm, id: string, send: Send | null, at: Date): Promise<DeliveryOutcome> {
  return inTransaction(orm, async (em: EntityManager) => {
    const [ref] = await em.execute('select invoice_no from notification where id = ?', [id]);
    const [inv] = await em.execute('select amount_minor, paid_minor from invoice where invoice_no = ? for update', [ref!.invoice_no]);
    const [row] = await em.execute('select * from notification where id = ? for update', [id]);
    if (row!.status !== 'pending') return { id, status: String(row!.status), outstanding: formatMinor(String(row!.outstanding_minor)) };

    const outstanding = BigInt(String(inv!.amount_minor)) - BigInt(String(inv!.paid_minor));
    if (outstanding === 0n) {
      await em.execute(`update notification set status = 'cancelled', outstanding_minor = 0, last_error = ? where id = ?`,
        ['paid in full before delivery', id]);
      return { id, status: 'cancelled', outstanding: '0.00' };
    }
    if (outstanding !== BigInt(String(row!.outstanding_minor))) {
      // a part payment landed after the rung: chase what is left, not what was
      await em.execute('update notification set outstanding_minor = ? where id = ?', [outstanding.toString(), id]);
      row!.outstanding_minor = outstanding.toString();
    }
    if (!send) {
      await em.execute(`update notification set status = 'undeliverable', last_error = ? where id = ?`, ['no webhook is configured', id]);
      return { id, status: 'undeliverable', outstanding: formatMinor(outstanding) };
    }

    const attempts = Number(row!.attempts) + 1;
    try {
      await send(notificationView(row!));
      await em.execute(`update notification set status = 'delivered', attempts = ?, delivered_at = ?, last_error = null where id = ?`, [attempts, at, id]);
      return { id, status: 'delivered', outstanding: formatMinor(outstanding) };
    } catch (err) {
      const error = (err as Error).message.slice(0, 500);
      const status = attempts >= MAX_DELIVERY_ATTEMPTS ? 'failed' : 'pending';
      await em.execute('update notification set status = ?, attempts = ?, last_error = ? where id = ?', [status, attempts, error, id]);
      return { id, status, outstanding: formatMinor(outstanding), error };
    }
  });
}

export async function pendingNotifications(em: EntityManager, dealerId: string): Promise<string[]> {
  const rows = await em.execute(`select id from notification where dealer_id = ? and status = 'pending' order by id`, [dealerId]);
  return rows.map((r: Row) => String(r.id));
}

export async function listNotifications(em: EntityManager, filter: { dealerId?: string; invoiceNo?: string }): Promise<NotificationView[]> {
  const rows = await em.execute(
    `select * from notification where (?::text is null or dealer_id = ?) and (?::text is null or invoice_no = ?) order by id`,
    [filter.dealerId ?? null, filter.dealerId ?? null, filter.invoiceNo ?? null, filter.invoiceNo ?? null]);
  return rows.map(notificationView);
}
