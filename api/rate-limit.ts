import type { RequestHandler } from 'express';

import { HttpError } from './errors.ts';

// Requests per minute per API key, counted in fixed one-minute windows in this process. With
// several API instances each enforces its own share; a shared limit would need a store.
export function rateLimit(perMinute: number): RequestHandler {
  const windows = new Map<string, { start: number; count: number }>();
  return (req, res, next) => {
    if (perMinute <= 0) return next();
    const who = req.actor?.id ?? req.ip ?? 'anonymous';
    const now = Date.now();
    let w = windows.get(who);
    if (!w || now - w.start >= 60_000) {
      if (windows.size > 50_000) windows.clear();
      w = { start: now, count: 0 };
      windows.set(who, w);
    }
    w.count++;
    res.setHeader('ratelimit-limit', String(perMinute));
    res.setHeader('ratelimit-remaining', String(Math.max(0, perMinute - w.count)));
    if (w.count > perMinute) {
      const retry = Math.ceil((w.start + 60_000 - now) / 1000);
      res.setHeader('retry-after', String(retry));
      return next(new HttpError(429, 'rate-limited', `more than ${perMinute} requests a minute for this key; retry in ${retry} s`));
    }
    next();
  };
}
