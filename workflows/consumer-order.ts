import {
  condition, defineSignal, defineUpdate, log, ParentClosePolicy, proxyActivities, setHandler, startChild,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';

import type { Activities } from '../activities/index.ts';
import type { OrderInput, ReturnLine } from '../activities/consumer.ts';
import { DB_STEP } from './activity-options.ts';
import { notReturnable, tooManyReturned } from './consumer-rules.ts';
import { refundAnsweredSignal, RefundWaits, rethrowRefusal } from './consumer-support.ts';
import { consumerReturnWorkflow, type ReturnOutcome } from './consumer-return.ts';
import { refusal } from './failures.ts';
import { processId } from './ids.ts';

// A consumer order placed by the storefront (DESIGN.md P3): carrier events, cancellation, price
// protection, refused cash on delivery, and the returns filed against it (child processes).
// Started by the first of placement or a carrier event, so an early event is never dropped.

export interface ConsumerOrderPolicy {
  /** how long after placement a price drop can be claimed */
  protectionDays: number;
  /** how long after delivery the order process stays open for returns */
  returnWindowDays: number;
  /** how long a refund waits for the provider before finance is asked to follow it up */
  refundAnswerTimeout: Duration;
}

export const DEFAULT_CONSUMER_ORDER_POLICY: ConsumerOrderPolicy = { protectionDays: 30, returnWindowDays: 30, refundAnswerTimeout: '3 days' };

export interface CarrierEvent { eventId: string; type: 'shipped' | 'delivered' | 'refused'; at: string }
export interface ReturnRequest {
  requestNo: string; lines: ReturnLine[]; reason: string; quality: boolean; refundTo: 'original' | 'store-balance'; actor: string;
}

export const placeOrderUpdate = defineUpdate<{ status: string }, [{ order: OrderInput; actor: string }]>('placeOrder');
export const carrierEventSignal = defineSignal<[CarrierEvent]>('carrierEvent');
export const cancelOrderUpdate = defineUpdate<{ status: string; refund: { refundId: string; amountMinor: number } | null }, [{ actor: string }]>('cancelOrder');
export const priceProtectionUpdate = defineUpdate<{ amountMinor: number; status: string }, [{ lineNo: number; actor: string }]>('claimPriceProtection');
export const requestReturnUpdate = defineUpdate<{ returnId: string }, [ReturnRequest]>('requestReturn');

const acts = proxyActivities<Activities>(DB_STEP);
const DAY_MS = 86_400_000;

interface LineState { quantity: number; category: string; delivered: number; returned: number; pending: number }

export async function consumerOrderWorkflow(input: { orderNo: string }, policy: ConsumerOrderPolicy = DEFAULT_CONSUMER_ORDER_POLICY): Promise<{ status: string }> {
  const { orderNo } = input;
  // from the business key, not workflowInfo(), so a replay under another workflow id agrees
  const id = processId('consumer-order', orderNo);
  let order: OrderInput | null = null;
  let status = 'new';
  let deliveredAt = 0;
  let running = 0;
  let claims = 0;
  const lines = new Map<number, LineState>();
  const events: CarrierEvent[] = [];
  const seenEvents = new Set<string>();
  const returns = new Map<string, string>();
  const refunds = new RefundWaits();
  const system = { processId: id, actor: 'system' };

  /** waits for the provider's answer to a refund, escalating to finance when it is late */
  const follow = async (refundId: string) => {
    running++;
    try {
      const answer = await refunds.answerOf(refundId, policy.refundAnswerTimeout, () =>
        acts.escalateConsumerRefund({ ...system, type: 'consumer-order', businessKey: orderNo, status, refundId }));
      await acts.answerConsumerRefund({ ...system, actor: 'payment-provider', refundId, status: answer.status, eventId: answer.eventId });
    } finally {
      running--;
    }
  };

  /**
   * Reserves a refund of this order by its original route before the caller answers, so the
   * provider's answer always finds it; the answer itself is awaited in the background.
   */
  const refund = async (refundId: string, amountMinor: number, step: string, claimId: string | null = null) => {
    running++;
    try {
      const r = await acts.reserveConsumerRefund({
        ...system, step, refund: { refundId, orderNo, amountMinor, refundTo: 'original', confirmedAccount: order!.payment.account ?? null, claimId },
      });
      if (r.status === 'pending') void follow(refundId);
      return r;
    } catch (err) {
      // a refund refused here (nothing left to refund) stays visible to finance in the logs
      log.warn('consumer refund not made', { orderNo, refundId, error: String(err) });
      return null;
    } finally {
      running--;
    }
  };

  setHandler(refundAnsweredSignal, (a) => refunds.receive(a));
  setHandler(carrierEventSignal, (e) => {
    if (seenEvents.has(e.eventId)) return;
    seenEvents.add(e.eventId);
    events.push(e);
  });

  setHandler(placeOrderUpdate, async ({ order: o, actor }) => {
    if (!order) {
      order = o;
      await acts.placeConsumerOrder({ processId: id, actor, order: o }).catch((err: unknown) => {
        order = null;
        rethrowRefusal(err);
      });
      for (const l of o.lines) lines.set(l.lineNo, { quantity: l.quantity, category: l.category, delivered: 0, returned: 0, pending: 0 });
      status = 'placed';
    }
    await condition(() => status !== 'new');
    return { status };
  }, {
    validator: ({ order: o }) => {
      if (order && JSON.stringify(order) !== JSON.stringify(o)) {
        throw refusal('conflict', 'order-exists', `consumer order ${orderNo} exists with different content`, { orderNo });
      }
    },
  });

  setHandler(cancelOrderUpdate, async ({ actor }) => {
    if (status === 'cancelled') return { status, refund: null };
    const r = await acts.cancelConsumerOrder({ processId: id, actor, orderNo }).catch(rethrowRefusal);
    status = 'cancelled';
    if (r.refundMinor <= 0) return { status, refund: null };
    const refundId = `${id}:cancellation-refund`;
    const made = await refund(refundId, r.refundMinor, 'cancellation-refund');
    return { status, refund: made && { refundId, amountMinor: r.refundMinor } };
  }, {
    validator: (_a) => {
      if (status === 'new') throw refusal('not-found', 'not-found', `consumer order ${orderNo} was not found`);
      if (status === 'shipped' || status === 'delivered' || status === 'refused') {
        throw refusal('conflict', 'order-shipped', `consumer order ${orderNo} is ${status} and can no longer be cancelled: refuse the delivery or return the goods`, { orderNo, status });
      }
    },
  });

  setHandler(priceProtectionUpdate, async ({ lineNo, actor }) => {
    const claimKey = `${id}:price-protection-claim:${++claims}`;
    const claim = await acts.claimConsumerPriceProtection({ processId: id, actor, orderNo, lineNo, protectionDays: policy.protectionDays, claimKey }).catch(rethrowRefusal);
    if (claim.refundNow) await refund(`${id}:price-protection:${claim.claimId}`, claim.amountMinor, 'price-protection-refund', claim.claimId);
    return { amountMinor: claim.amountMinor, status: claim.status };
  }, {
    validator: ({ lineNo }) => {
      if (status === 'new') throw refusal('not-found', 'not-found', `consumer order ${orderNo} was not found`);
      if (status === 'cancelled' || status === 'refused') throw refusal('conflict', 'order-closed', `consumer order ${orderNo} is ${status}`, { status });
      if (!lines.has(lineNo)) throw refusal('not-found', 'not-found', `order line ${orderNo}/${lineNo} was not found`);
    },
  });

  setHandler(requestReturnUpdate, async (r) => {
    const returnId = processId('consumer-return', orderNo, r.requestNo);
    if (returns.has(r.requestNo)) return { returnId };
    returns.set(r.requestNo, returnId);
    try {
      await acts.fileConsumerReturn({ processId: returnId, actor: r.actor, orderNo, requestNo: r.requestNo, lines: r.lines, refundTo: r.refundTo, quality: r.quality, reason: r.reason });
    } catch (err) {
      returns.delete(r.requestNo);
      rethrowRefusal(err);
    }
    for (const l of r.lines) lines.get(l.lineNo)!.pending += l.quantity;
    const child = await startChild(consumerReturnWorkflow, {
      workflowId: returnId, parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [{ orderNo, requestNo: r.requestNo, lines: r.lines, quality: r.quality, refundTo: r.refundTo, route: order!.payment.route }, { refundAnswerTimeout: policy.refundAnswerTimeout }],
    });
    running++;
    void child.result().then((outcome: ReturnOutcome) => {
      for (const l of r.lines) {
        const state = lines.get(l.lineNo)!;
        state.pending -= l.quantity;
        state.returned += outcome.accepted[l.lineNo] ?? 0;
      }
    }).catch((err: unknown) => log.warn('consumer return failed', { returnId, error: String(err) })).finally(() => { running--; });
    return { returnId };
  }, {
    validator: (r) => {
      if (returns.has(r.requestNo)) return;
      if (status !== 'delivered') throw refusal('conflict', 'order-not-delivered', `consumer order ${orderNo} is ${status}: only delivered goods can be returned`, { status });
      for (const l of r.lines) {
        const state = lines.get(l.lineNo);
        if (!state) throw refusal('not-found', 'not-found', `order line ${orderNo}/${l.lineNo} was not found`);
        const v = notReturnable(l.lineNo, state.category) ?? tooManyReturned(l.lineNo, l.quantity, state.delivered, state.returned, state.pending);
        if (v) throw refusal('refused', v.code, v.message, v.details);
      }
    },
  });

  await condition(() => status !== 'new');

  for (;;) {
    const windowEnd = status === 'delivered' ? deliveredAt + Math.max(policy.returnWindowDays, policy.protectionDays) * DAY_MS : null;
    const finished = status === 'cancelled' || status === 'refused' || (windowEnd !== null && Date.now() >= windowEnd);
    const seen = status;
    if (finished) {
      // nothing more can happen to the order; stay until its refunds and returns are done
      await condition(() => events.length > 0 || running === 0);
      if (events.length === 0) break;
    } else if (windowEnd !== null) {
      await condition(() => events.length > 0 || status !== seen, windowEnd - Date.now());
    } else {
      await condition(() => events.length > 0 || status !== seen);
    }
    const e = events.shift();
    if (!e) continue;

    const r = await acts.applyConsumerEvent({ ...system, actor: 'carrier', orderNo, event: e });
    if (!r.applied) continue;
    status = r.status;
    if (status === 'delivered') {
      deliveredAt = Date.now();
      for (const l of lines.values()) l.delivered = l.quantity;
      for (const c of r.owedClaims) await refund(`${id}:price-protection:${c.claimId}`, c.amountMinor, 'price-protection-refund', c.claimId);
    }
    if (r.refundMinor > 0) await refund(`${id}:refused-delivery-refund`, r.refundMinor, 'refused-delivery-refund');
  }
  await condition(() => running === 0);
  return { status };
}
