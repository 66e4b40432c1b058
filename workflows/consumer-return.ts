import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';

import type { Activities } from '../activities/index.ts';
import type { InspectionLine, ReturnLine } from '../activities/consumer.ts';
import { DB_STEP } from './activity-options.ts';
import { refundAnsweredSignal, RefundWaits, rethrowRefusal } from './consumer-support.ts';
import { refusal } from './failures.ts';
import { processId } from './ids.ts';

// A consumer return (DESIGN.md P3): review of a quality complaint, pickup, inspection, and the
// refund of the accepted units by the original route (or the store balance, when chosen). Filed
// by the order process, which checked the quantities and reserved them as pending.

export interface ConsumerReturnInput {
  orderNo: string; requestNo: string; lines: ReturnLine[]; quality: boolean;
  refundTo: 'original' | 'store-balance'; route: string;
}

export interface ConsumerReturnPolicy {
  refundAnswerTimeout: Duration;
  /** where restocked and damaged units go; created on first use */
  restockBin?: string;
  damagedBin?: string;
}

/** units accepted back per line number, and how the return ended */
export interface ReturnOutcome { accepted: Record<number, number>; status: string }

export const reviewReturnUpdate = defineUpdate<{ status: string }, [{ decision: 'accepted' | 'rejected'; note: string; actor: string }]>('reviewReturn');
export const bookPickupUpdate = defineUpdate<{ status: string }, [{ date: string; slot: string; actor: string }]>('bookPickup');
export const inspectReturnUpdate = defineUpdate<{ status: string; refundMinor: number }, [{ lines: InspectionLine[]; actor: string }]>('inspectReturn');
export const confirmRefundAccountUpdate = defineUpdate<{ status: string }, [{ account: string; actor: string }]>('confirmRefundAccount');

const acts = proxyActivities<Activities>(DB_STEP);

export async function consumerReturnWorkflow(input: ConsumerReturnInput, policy: ConsumerReturnPolicy): Promise<ReturnOutcome> {
  const { orderNo } = input;
  // from the business key, not workflowInfo(), so a replay under another workflow id agrees
  const id = processId('consumer-return', orderNo, input.requestNo);
  const refundId = `${id}:refund`;
  let status = input.quality ? 'awaiting-review' : 'awaiting-pickup';
  let refundMinor = 0;
  let reserved: { status: string } | null = null;
  const accepted: Record<number, number> = {};
  const refunds = new RefundWaits();
  const expect = (want: string, what: string) => {
    if (status === want) return;
    if (status === 'awaiting-review') throw refusal('conflict', 'review-pending', 'a quality complaint is reviewed before pickup', { status });
    throw refusal('conflict', 'wrong-step', `the return is ${status}; ${what} is not possible now`, { status });
  };
  const step = (s: string, detail: Record<string, unknown> = {}, escalate = false) =>
    acts.recordConsumerReturnStep({ processId: id, actor: 'system', status: s, step: s, detail, escalate });

  setHandler(refundAnsweredSignal, (a) => refunds.receive(a));

  setHandler(reviewReturnUpdate, async ({ decision, note, actor }) => {
    if (decision === 'rejected') {
      await acts.releaseConsumerReturn({ processId: id, actor, orderNo, lines: input.lines, step: 'review-rejected', detail: { note } });
      status = 'closed';
    } else {
      await acts.recordConsumerReturnStep({ processId: id, actor, status: 'awaiting-pickup', step: 'reviewed', detail: { decision, note } });
      status = 'awaiting-pickup';
    }
    return { status };
  }, { validator: (_a) => expect('awaiting-review', 'a review') });

  setHandler(bookPickupUpdate, async ({ date, slot, actor }) => {
    await acts.bookConsumerPickup({ processId: id, actor, orderNo, date, slot }).catch(rethrowRefusal);
    status = 'pickup-booked';
    return { status };
  }, { validator: (_a) => expect('awaiting-pickup', 'a pickup') });

  setHandler(inspectReturnUpdate, async ({ lines, actor }) => {
    const r = await acts.inspectConsumerReturn({
      processId: id, actor, orderNo, lines: input.lines, inspection: lines,
      restockBin: policy.restockBin ?? 'NEW/RETURNS', damagedBin: policy.damagedBin ?? 'NEW/DAMAGED',
    }).catch(rethrowRefusal);
    for (const l of lines) accepted[l.lineNo] = l.restock + l.damaged;
    refundMinor = r.refundMinor;
    status = 'inspected';
    return { status, refundMinor };
  }, {
    validator: ({ lines }: { lines: InspectionLine[]; actor: string }) => {
      expect('pickup-booked', 'an inspection');
      for (const want of input.lines) {
        const got = lines.filter((l) => l.lineNo === want.lineNo);
        const sum = got.length === 1 ? got[0]!.restock + got[0]!.damaged + got[0]!.rejected : -1;
        if ([got[0]?.restock, got[0]?.damaged, got[0]?.rejected].some((n) => n === undefined || n < 0) || sum !== want.quantity) {
          throw refusal('refused', 'inspection-mismatch', `line ${want.lineNo}: restock, damaged and rejected must add up to the ${want.quantity} returned`, { lineNo: want.lineNo, returned: want.quantity });
        }
      }
      if (lines.length !== input.lines.length) throw refusal('refused', 'inspection-mismatch', 'the inspection names lines that are not in the return');
    },
  });

  setHandler(confirmRefundAccountUpdate, async ({ account, actor }) => {
    reserved = await acts.reserveConsumerRefund({
      processId: id, actor, step: 'refund-approved', refund: { refundId, orderNo, amountMinor: refundMinor, refundTo: 'original', confirmedAccount: account },
    }).catch(rethrowRefusal);
    status = 'refund-pending';
    return { status };
  }, { validator: (_a) => expect('awaiting-account-confirmation', 'an account confirmation') });

  await condition(() => status === 'closed' || status === 'inspected');
  if (status === 'closed') return { accepted, status };
  if (refundMinor === 0) {
    await step('completed', { refund: '0.00' });
    return { accepted, status: 'completed' };
  }

  if (input.refundTo === 'original' && (input.route === 'company-transfer' || input.route === 'cheque')) {
    status = 'awaiting-account-confirmation';
    await step(status, { route: input.route });
    await condition(() => reserved !== null);
  } else {
    try {
      reserved = await acts.reserveConsumerRefund({
        processId: id, actor: 'system', step: 'refund-approved', refund: { refundId, orderNo, amountMinor: refundMinor, refundTo: input.refundTo },
      });
    } catch (err) {
      await step('refund-refused', { error: String(err) }, true);
      return { accepted, status: 'refund-refused' };
    }
  }

  if (reserved!.status === 'pending') {
    status = 'refund-pending';
    const answer = await refunds.answerOf(refundId, policy.refundAnswerTimeout, () =>
      acts.escalateConsumerRefund({ processId: id, actor: 'system', type: 'consumer-return', businessKey: `${orderNo}/${input.requestNo}`, status, refundId }));
    await acts.answerConsumerRefund({ processId: id, actor: 'payment-provider', refundId, status: answer.status, eventId: answer.eventId });
    if (answer.status === 'failed') {
      await step('refund-failed', { refundId }, true);
      return { accepted, status: 'refund-failed' };
    }
  }
  await step('refunded', { refundId });
  return { accepted, status: 'refunded' };
}
