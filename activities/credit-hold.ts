import { CREDIT_HOLD_LIFTED_SIGNAL, ordersWaitingForCredit, setCreditHold } from '../db/credit-hold.ts';
import { inTransaction } from '../db/tx.ts';
import { businessStep, type ActivityDeps } from './support.ts';

export function createCreditHoldActivities(deps: ActivityDeps) {
  return {
    /**
     * Puts a dealer on credit hold or lifts it. Lifting signals every order that waits for it;
     * a signal to an order that has moved on meanwhile is harmless, the order re-reads the hold.
     */
    async applyCreditHold(h: { dealerId: string; onHold: boolean; reason: string | null; actor: string; key: string }): Promise<{ changed: boolean }> {
      return businessStep(async () => {
        const result = await inTransaction(deps.orm, (em) => setCreditHold(em, { ...h, at: deps.now() }));
        if (!h.onHold) {
          const waiting = await ordersWaitingForCredit(deps.orm.em.fork(), h.dealerId);
          for (const id of waiting) {
            await deps.temporal.workflow.getHandle(id).signal(CREDIT_HOLD_LIFTED_SIGNAL).catch((err: Error) => {
              if (err.name !== 'WorkflowNotFoundError') throw err;
            });
          }
        }
        return { changed: result.changed };
      });
    },
  };
}
