import { z } from 'zod';

import { arrears, stockByBin, warrantyByWeek } from '../../db/board.ts';
import { ROLES } from '../../db/entities/auth.ts';
import { WAREHOUSES } from '../../db/entities/master.ts';
import type { ApiContext } from '../context.ts';
import { cursor, defineRoute, key } from '../route.ts';

// The overviews the back-office page charts: arrears by ageing bucket and dealer, warranty
// returns by week, stock by warehouse and bin. All read PostgreSQL only. And who the caller is,
// so the page shows the role and offers only its actions.

export function overviewRoutes(ctx: ApiContext) {
  return [
    defineRoute({
      method: 'get', path: '/me', summary: 'Read who the API key belongs to', roles: ROLES,
      handler: async ({ actor }) => ({ body: actor }),
    }),
    defineRoute({
      method: 'get', path: '/overview/arrears', summary: 'Overdue receivables by ageing bucket and dealer, and the dealers on credit hold',
      roles: ['back-office', 'finance', 'auditor'],
      handler: async () => ({ body: await arrears(ctx.orm.em.fork(), new Date()) }),
    }),
    defineRoute({
      method: 'get', path: '/overview/warranty-returns', summary: 'Core returns by week with their approval and rejection shares',
      roles: ['back-office', 'appraiser', 'finance', 'auditor'],
      query: z.strictObject({ weeks: z.coerce.number().int().min(1).max(104).default(26) }),
      handler: async ({ query }) => ({ body: { weeks: await warrantyByWeek(ctx.orm.em.fork(), query.weeks, new Date()) } }),
    }),
    defineRoute({
      method: 'get', path: '/overview/stock', summary: 'Stock on hand by warehouse and bin',
      roles: ['back-office', 'warehouse', 'dispatcher', 'finance', 'auditor'],
      query: z.strictObject({
        warehouse: z.enum(Object.keys(WAREHOUSES) as [string, ...string[]]).optional(),
        partNo: key().optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(200),
        after: cursor.optional(),
      }),
      handler: async ({ query }) => ({ body: await stockByBin(ctx.orm.em.fork(), query) }),
    }),
  ];
}
