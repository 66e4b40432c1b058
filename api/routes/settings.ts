import { z } from 'zod';

import { getDaySeconds, setDaySeconds } from '../../db/settings.ts';
import type { ApiContext } from '../context.ts';
import { defineRoute } from '../route.ts';

export function settingsRoutes(ctx: ApiContext) {
  return [
    defineRoute({
      method: 'put', path: '/settings/day-seconds', summary: 'Set how many real seconds a policy day lasts for processes started from now on', roles: ['admin'],
      body: z.strictObject({ daySeconds: z.number().positive('must be greater than zero').max(86_400, 'must be at most 86400 (a real day)') }),
      example: { daySeconds: 86400 },
      handler: async ({ body, actor }) => {
        await setDaySeconds(ctx.orm.em.fork(), body.daySeconds, actor.id);
        return { body: { daySeconds: body.daySeconds } };
      },
    }),
    defineRoute({
      method: 'get', path: '/settings/day-seconds', summary: 'Read the simulation time scale', roles: ['back-office', 'finance', 'auditor'],
      handler: async () => ({ body: { daySeconds: await getDaySeconds(ctx.orm.em.fork()) } }),
    }),
  ];
}
