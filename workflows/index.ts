// Every workflow type the worker runs. One file per business process.
export { coreReturnWorkflow } from './core-return.ts';
export { dailyCloseWorkflow, scheduledDailyCloseWorkflow } from './daily-close.ts';
export { inboundReceiptWorkflow } from './inbound-receipt.ts';
export { stockCountWorkflow } from './stock-count.ts';
