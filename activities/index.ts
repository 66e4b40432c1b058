import { createCoreReturnActivities } from './core-returns.ts';
import { createConsumerActivities } from './consumer.ts';
import { createCreditHoldActivities } from './credit-hold.ts';
import { createDailyCloseActivities } from './daily-close.ts';
import { createDealerOrderActivities } from './dealer-orders.ts';
import { createInboundActivities } from './inbound.ts';
import { createReceivablesActivities } from './receivables.ts';
import { createStockCountActivities } from './stock-counts.ts';
import type { ActivityDeps } from './support.ts';

// All activities of the application, built from their dependencies. Each feature adds its own
// factory here; the worker registers the merged object.
export function createActivities(deps: ActivityDeps) {
  const groups = [
    createCoreReturnActivities(deps), createConsumerActivities(deps), createCreditHoldActivities(deps),
    createDealerOrderActivities(deps), createReceivablesActivities(deps),
    createStockCountActivities(deps), createDailyCloseActivities(deps), createInboundActivities(deps),
  ] as const;
  // activities are registered by name: two features must never define the same one
  const seen = new Set<string>();
  for (const name of groups.flatMap((g) => Object.keys(g))) {
    if (seen.has(name)) throw new Error(`activity ${name} is defined by two features`);
    seen.add(name);
  }
  return Object.assign({}, ...groups) as UnionToIntersection<(typeof groups)[number]>;
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
