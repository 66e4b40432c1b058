import { createCreditHoldActivities } from './credit-hold.ts';
import { createDealerOrderActivities } from './dealer-orders.ts';
import { createReceivablesActivities } from './receivables.ts';
import type { ActivityDeps } from './support.ts';

// All activities of the application, built from their dependencies. Each feature adds its own
// factory here; the worker registers the merged object.
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCreditHoldActivities(deps),
    ...createDealerOrderActivities(deps),
    ...createReceivablesActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
