import * as consumer from '../db/consumer.ts';
import { recordStep, saveProcess } from '../db/processes.ts';
import { inTransaction } from '../db/tx.ts';
import { businessStep, type ActivityDeps } from './support.ts';

// Steps of consumer orders and returns (DESIGN.md P3). Each runs one transaction that writes
// its postings, the process row and the timeline step together. Journals, debit first:
//
//   paid (prepaid order placed)      Dr bank (store-balance:<customer> when paid from it)
//                                    Cr customer-payments:<order>
//   cash-collected (COD delivered)   Dr cash                       Cr customer-payments:<order>
//   refund approved, store balance   Dr customer-payments:<order>  Cr store-balance:<customer>
//   refund approved, other routes    Dr customer-payments:<order>  Cr refunds-payable:<route>
//   refund settled (provider)        Dr refunds-payable:<route>    Cr bank
//   refund failed (provider)         the reversal of the approval journal
//   refusal-freight (COD refused     Dr loyalty:<customer>  500 PTS
//     beyond 1 in 30 / 3 in 365 days) Cr freight-income      500 PTS
//
// Stock: an inspection moves @customer → @inspection, then to the restock bin, the damaged
// bin, or back to @customer for rejected units.

export interface StepCtx { processId: string; actor: string }

export function createConsumerActivities(deps: ActivityDeps) {
  const tx = <T>(fn: Parameters<typeof inTransaction<T>>[1]) => businessStep(() => inTransaction(deps.orm, fn));
  const ctx = (c: StepCtx) => ({ ...c, at: deps.now() });

  return {
    async placeConsumerOrder(a: StepCtx & { order: consumer.OrderInput }) {
      return tx((em) => consumer.placeOrder(em, deps.ledger, a.order, ctx(a)));
    },

    async applyConsumerEvent(a: StepCtx & { orderNo: string; event: { eventId: string; type: string; at: string } }) {
      return tx((em) => consumer.applyCarrierEvent(em, deps.ledger, { orderNo: a.orderNo, ...a.event }, ctx(a)));
    },

    async cancelConsumerOrder(a: StepCtx & { orderNo: string }) {
      return tx((em) => consumer.cancelOrder(em, { orderNo: a.orderNo }, ctx(a)));
    },

    async claimConsumerPriceProtection(a: StepCtx & { orderNo: string; lineNo: number; protectionDays: number; claimKey: string }) {
      return tx((em) => consumer.claimPriceProtection(em, a, ctx(a)));
    },

    async reserveConsumerRefund(a: StepCtx & { step: string; refund: consumer.RefundRequest }) {
      return tx((em) => consumer.reserveRefund(em, deps.ledger, a.refund, { ...ctx(a), step: a.step }));
    },

    async answerConsumerRefund(a: StepCtx & { refundId: string; status: 'settled' | 'failed'; eventId: string }) {
      return tx((em) => consumer.answerRefund(em, deps.ledger, a, ctx(a)));
    },

    /** no answer from the provider within the policy period: finance takes the refund over */
    async escalateConsumerRefund(a: StepCtx & { type: 'consumer-order' | 'consumer-return'; businessKey: string; status: string; refundId: string }) {
      return tx(async (em) => {
        const at = deps.now();
        await saveProcess(em, { id: a.processId, type: a.type, businessKey: a.businessKey, status: a.status, escalationLevel: 1, summary: { escalatedRefund: a.refundId } }, at);
        await recordStep(em, { processId: a.processId, step: 'refund-escalated-to-finance', actor: a.actor, key: `${a.refundId}:escalated`, detail: { refundId: a.refundId }, at });
      });
    },

    async fileConsumerReturn(a: StepCtx & { orderNo: string; requestNo: string; lines: consumer.ReturnLine[]; refundTo: string; quality: boolean; reason: string }) {
      return tx((em) => consumer.fileReturn(em, a, ctx(a)));
    },

    async releaseConsumerReturn(a: StepCtx & { orderNo: string; lines: consumer.ReturnLine[]; step: string; detail: Record<string, unknown> }) {
      return tx(async (em) => {
        // the step first: a retry after a commit finds it and gives nothing back twice
        if (await consumer.returnStep(em, { status: 'closed', step: a.step, detail: a.detail }, ctx(a))) await consumer.releaseReturn(em, a);
      });
    },

    async recordConsumerReturnStep(a: StepCtx & { status: string; step: string; detail?: Record<string, unknown>; escalate?: boolean }) {
      await tx((em) => consumer.returnStep(em, a, ctx(a)));
    },

    async bookConsumerPickup(a: StepCtx & { orderNo: string; date: string; slot: string }) {
      return tx(async (em) => {
        await consumer.checkPickup(em, a);
        return consumer.returnStep(em, { status: 'pickup-booked', step: 'pickup-booked', detail: { date: a.date, slot: a.slot } }, ctx(a));
      });
    },

    async inspectConsumerReturn(a: StepCtx & { orderNo: string; lines: consumer.ReturnLine[]; inspection: consumer.InspectionLine[]; restockBin: string; damagedBin: string }) {
      return tx((em) => consumer.inspectReturn(em, deps.ledger, a, ctx(a)));
    },
  };
}

export type { InspectionLine, OrderInput, RefundRequest, ReturnLine } from '../db/consumer.ts';
