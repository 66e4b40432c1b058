import { processId } from '../workflows/ids.ts';
import type { ActivityDeps } from './support.ts';

// Activities of dealer receivables that other processes call.
export function createReceivablesActivities(deps: ActivityDeps) {
  return {
    /**
     * Tells the dealer's account process about a new invoice, starting the process when it is
     * not running (signal-with-start), so the arrears ladder begins to track the invoice.
     */
    async announceInvoice(a: { dealerId: string; invoiceNo: string }): Promise<void> {
      await deps.temporal.workflow.signalWithStart('dealerAccountWorkflow', {
        workflowId: processId('dealer-account', a.dealerId),
        taskQueue: deps.config.taskQueue,
        args: [{ dealerId: a.dealerId }],
        signal: 'invoiceIssued',
        signalArgs: [{ invoiceNo: a.invoiceNo }],
      });
    },
  };
}
