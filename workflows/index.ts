// Every workflow type the worker runs. One file per business process.
export { consumerOrderWorkflow } from './consumer-order.ts';
export { consumerReturnWorkflow } from './consumer-return.ts';
