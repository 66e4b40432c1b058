import { createCoreReturnActivities } from './core-returns.ts';
import { createCreditHoldActivities } from './credit-hold.ts';
import { createDailyCloseActivities } from './daily-close.ts';
import { createInboundActivities } from './inbound.ts';
import { createReceivablesActivities } from './receivables.ts';
import { createStockCountActivities } from './stock-counts.ts';
import type { ActivityDeps } from './support.ts';

// All activities of the application, built from their dependencies. Each feature adds its own
// factory here; the worker registers the merged object.
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCoreReturnActivities(deps),
    ...createCreditHoldActivities(deps),
    ...createReceivablesActivities(deps),
    ...createStockCountActivities(deps),
    ...createDailyCloseActivities(deps),
    ...createInboundActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
