import * as orders from '../db/dealer-orders.ts';
import { inTransaction } from '../db/tx.ts';
import { businessStep, currentWorkflowId, type ActivityDeps } from './support.ts';

// The steps of a dealer order, and the offer of put-away stock that releases its backorders.
// Each is one transaction in db/dealer-orders.ts, keyed by the workflow's step key.

/** the signal an order gets when an inbound receipt has reserved stock for its backorders */
export const BACKORDER_ALLOCATED_SIGNAL = 'backorderAllocated';

type Step = orders.StepInput;
export type { OrderState } from '../db/dealer-orders.ts';

export function createDealerOrderActivities(deps: ActivityDeps) {
  const tx = <T>(fn: Parameters<typeof inTransaction<T>>[1]) => businessStep(() => inTransaction(deps.orm, fn));
  const at = () => deps.now();

  return {
    async submitDealerOrder(s: Step & { dealerId: string; orderNo: string; lines: orders.OrderLineInput[] }) {
      return tx((em) => orders.submitOrder(em, { ...s, at: at() }));
    },

    /** submit, credit check and first allocation as one step (db/dealer-orders.ts openOrder) */
    async openDealerOrder(s: Step & { dealerId: string; orderNo: string; lines: orders.OrderLineInput[] }) {
      return tx((em) => orders.openOrder(em, deps.ledger, { ...s, at: at() }));
    },

    async checkDealerCredit(s: Step & { dealerId: string }) {
      return tx((em) => orders.checkCredit(em, { ...s, at: at() }));
    },

    async allocateDealerOrder(s: Step & { round: number }) {
      return tx((em) => orders.allocateOrder(em, deps.ledger, { ...s, at: at() }));
    },

    async issueBackorderPickingList(s: Step & { round: number }) {
      return tx((em) => orders.issueBackorderPickingList(em, { ...s, at: at() }));
    },

    async confirmPick(s: Step & { pickingListNo: string; lines: orders.PickLine[] }) {
      return tx((em) => orders.confirmPick(em, { ...s, at: at() }));
    },

    async shipPickingList(s: Step & { dealerId: string; pickingListNo: string; carrier: string; consignmentNo: string }) {
      const shipped = await tx((em) => orders.shipPickingList(em, deps.ledger, { ...s, at: at() }));
      deps.log.info({ orderId: s.orderId, shipmentNo: shipped.shipmentNo, invoiceNo: shipped.invoiceNo }, 'shipment posted');
      return shipped;
    },

    async recordDealerReceipt(s: Step & { shipmentNo: string; lines: orders.ReceiptLine[] | 'all'; assumed?: boolean }) {
      return tx((em) => orders.recordReceipt(em, deps.ledger, { ...s, at: at() }));
    },

    async remindDealerReceipt(s: Step & { shipmentNo: string }) {
      return tx((em) => orders.remindReceipt(em, { ...s, at: at() }));
    },

    async resolveDiscrepancy(s: Step & { dealerId: string; shipmentNo: string; resolution: 'credit' | 're-ship' }) {
      return tx((em) => orders.resolveDiscrepancy(em, deps.ledger, { ...s, at: at() }));
    },

    async cancelDealerOrder(s: Step & { reason: string | null }) {
      return tx((em) => orders.cancelOrder(em, deps.ledger, { ...s, at: at() }));
    },

    /**
     * Offers parts just put away to the waiting backorders, oldest first, and tells each order
     * that got stock. Called by the inbound receipt after putaway (with `receipt`, whose row then
     * records the orders released); the key comes from the calling workflow, so a retry posts
     * nothing twice.
     */
    async offerStockToBackorders(o: { partNos: string[]; actor: string; receipt?: { id: string; supplierId: string; deliveryNoteNo: string } | null }) {
      const key = `${o.receipt?.id ?? currentWorkflowId() ?? 'offer'}:backorders`;
      const result = await tx((em) => orders.allocateBackorders(em, deps.ledger, { ...o, key, at: at() }));
      for (const orderId of result.ordersToNotify) {
        // an order that has ended meanwhile has nothing left to pick
        await deps.temporal.workflow.getHandle(orderId).signal(BACKORDER_ALLOCATED_SIGNAL).catch((err: Error) => {
          if (err.name !== 'WorkflowNotFoundError') throw err;
        });
      }
      return result;
    },
  };
}
