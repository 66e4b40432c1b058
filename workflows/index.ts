// Every workflow type the worker runs. One file per business process.
export { dailyCloseWorkflow, scheduledDailyCloseWorkflow } from './daily-close.ts';
export { stockCountWorkflow } from './stock-count.ts';
