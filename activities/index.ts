import { createCoreReturnActivities } from './core-returns.ts';
import { createConsumerActivities } from './consumer.ts';
import { createCreditHoldActivities } from './credit-hold.ts';
import { createReceivablesActivities } from './receivables.ts';
import type { ActivityDeps } from './support.ts';

// All activities of the application, built from their dependencies. Each feature adds its own
// factory here; the worker registers the merged object.
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCoreReturnActivities(deps),
    ...createConsumerActivities(deps),
    ...createCreditHoldActivities(deps),
    ...createReceivablesActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
