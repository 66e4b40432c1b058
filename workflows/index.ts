// Every workflow type the worker runs. One file per business process.
export { dealerOrderWorkflow } from './dealer-order.ts';
export { inboundReceiptWorkflow } from './inbound-receipt.ts';
