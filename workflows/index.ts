// Every workflow type the worker runs. One file per business process.
export { coreReturnWorkflow } from './core-return.ts';
export { dealerAccountWorkflow } from './dealer-account.ts';
export { dealerPaymentWorkflow } from './dealer-payment.ts';
export { monthlyStatementsWorkflow } from './monthly-statements.ts';
export { consumerOrderWorkflow } from './consumer-order.ts';
export { consumerReturnWorkflow } from './consumer-return.ts';
export { dealerOrderWorkflow } from './dealer-order.ts';
export { dailyCloseWorkflow, scheduledDailyCloseWorkflow } from './daily-close.ts';
export { inboundReceiptWorkflow } from './inbound-receipt.ts';
export { stockCountWorkflow } from './stock-count.ts';
