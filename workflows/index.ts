// Every workflow type the worker runs. One file per business process.
export { coreReturnWorkflow } from './core-return.ts';
