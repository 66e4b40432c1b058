import type { EntityManager } from '@mikro-orm/postgresql';

import { notFound } from './errors.ts';
import { recordStep } from './processes.ts';

// A dealer on credit hold gets no new order released (DESIGN.md P1 step 2, P4). The hold is set
// by the back office or by the arrears ladder; lifting it wakes the orders that wait for it.

/** the status a dealer-order process shows while it waits for its dealer's hold to lift */
export const WAITING_FOR_CREDIT = 'credit-hold';
/** the signal a waiting dealer order gets when its dealer's hold is lifted */
export const CREDIT_HOLD_LIFTED_SIGNAL = 'creditHoldLifted';

export async function setCreditHold(em: EntityManager, h: { dealerId: string; onHold: boolean; reason: string | null; actor: string; key: string; at?: Date }):
  Promise<{ changed: boolean; onHold: boolean }> {
  const [dealer] = await em.execute('select credit_hold from dealer where id = ? for update', [h.dealerId]);
  if (!dealer) throw notFound('dealer', h.dealerId);
  const changed = Boolean(dealer.credit_hold) !== h.onHold;
  if (changed) {
    await em.execute('update dealer set credit_hold = ?, credit_hold_reason = ?, updated_at = ?, updated_by = ? where id = ?',
      [h.onHold, h.onHold ? h.reason : null, h.at ?? new Date(), h.actor, h.dealerId]);
    await recordStep(em, {
      // the dealer's account process (workflows/ids.ts builds the same id)
      processId: `dealer-account:${encodeURIComponent(h.dealerId)}`, step: h.onHold ? 'credit-hold-set' : 'credit-hold-lifted', actor: h.actor, key: h.key,
      detail: { reason: h.reason }, at: h.at,
    });
  }
  return { changed, onHold: h.onHold };
}

export async function isOnCreditHold(em: EntityManager, dealerId: string): Promise<boolean> {
  const [dealer] = await em.execute('select credit_hold from dealer where id = ?', [dealerId]);
  if (!dealer) throw notFound('dealer', dealerId);
  return Boolean(dealer.credit_hold);
}

/** the dealer orders of a dealer that wait for its credit hold to lift, oldest first */
export async function ordersWaitingForCredit(em: EntityManager, dealerId: string): Promise<string[]> {
  const rows = await em.execute(
    `select id from process where type = 'dealer-order' and dealer_id = ? and status = ? order by created_at, id`, [dealerId, WAITING_FOR_CREDIT]);
  return rows.map((r) => String(r.id));
}
