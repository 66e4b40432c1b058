import type { Request, Response } from 'express';

import type { ApiContext } from '../context.ts';

// GET /health: no key needed. 200 when Temporal and the database both answer, else 503.
export function healthHandler(ctx: ApiContext) {
  return async (_req: Request, res: Response) => {
    const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 2000))]);
    const [database, temporal] = await Promise.all([
      within(ctx.orm.em.fork().execute('select 1')).then(() => 'up', () => 'down'),
      within(ctx.temporal.connection.workflowService.getSystemInfo({})).then(() => 'up', () => 'down'),
    ]);
    const ok = database === 'up' && temporal === 'up';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', database, temporal });
  };
}
