import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import type { RequestHandler } from 'express';

import type { Role } from '../db/entities/auth.ts';
import type { Orm } from '../db/orm.ts';
import { HttpError } from './errors.ts';

// API keys are bearer tokens. Only their SHA-256 hash is stored; each key has one role and,
// for a dealer, one dealer. The bootstrap admin key comes from SPAREFLOW_ADMIN_KEY.

export interface Actor {
  /** what journals and timelines record as the actor, e.g. `warehouse:k_3f9a` */
  id: string;
  role: Role;
  dealerId: string | null;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      id: string;
      actor?: Actor;
    }
  }
}

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
export const newKey = () => `sf_${randomBytes(24).toString('base64url')}`;

const CACHE_MS = 30_000;

export function authenticate(orm: Orm, adminKey: string | undefined): RequestHandler {
  const adminHash = adminKey ? Buffer.from(hashKey(adminKey), 'hex') : null;
  const cache = new Map<string, { actor: Actor | null; until: number }>();

  async function lookup(hash: string): Promise<Actor | null> {
    const hit = cache.get(hash);
    if (hit && hit.until > Date.now()) return hit.actor;
    const [row] = await orm.em.fork().execute(
      'select id, role, dealer_id from api_key where key_hash = ? and revoked_at is null', [hash]);
    const actor = row ? { id: `${row.role}:${row.id}`, role: row.role as Role, dealerId: (row.dealer_id as string | null) ?? null } : null;
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { actor, until: Date.now() + CACHE_MS });
    return actor;
  }

  return async (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer ([A-Za-z0-9_\-.~+/=]{8,200})$/.exec(header);
    if (!m) return next(new HttpError(401, 'unauthenticated', 'send an API key as "Authorization: Bearer <key>"'));
    const hash = hashKey(m[1]!);
    if (adminHash && timingSafeEqual(Buffer.from(hash, 'hex'), adminHash)) {
      req.actor = { id: 'admin', role: 'admin', dealerId: null };
      return next();
    }
    const actor = await lookup(hash);
    if (!actor) return next(new HttpError(401, 'unauthenticated', 'the API key is not known or has been revoked'));
    req.actor = actor;
    next();
  };
}

/** the actor of an authenticated request */
export function actorOf(req: { actor?: Actor }): Actor {
  if (!req.actor) throw new HttpError(401, 'unauthenticated', 'no API key');
  return req.actor;
}

/** a dealer key sees its own dealer only; anything else is answered as if it did not exist */
export function assertDealerScope(actor: Actor, dealerId: string | null | undefined, what = 'process') {
  if (actor.role === 'dealer' && actor.dealerId !== dealerId) {
    throw new HttpError(404, 'not-found', `no such ${what}`);
  }
}
