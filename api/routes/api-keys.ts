import { randomBytes } from 'node:crypto';

import { z } from 'zod';

import { ROLES } from '../../db/entities/auth.ts';
import { hashKey, newKey } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../errors.ts';
import { defineRoute, key, text } from '../route.ts';

const IssueKey = z.strictObject({
  role: z.enum(ROLES),
  dealerId: key().optional(),
  label: text(200).min(1),
});

export function apiKeyRoutes(ctx: ApiContext) {
  return [
    defineRoute({
      method: 'post', path: '/api-keys', summary: 'Issue an API key', roles: ['admin'], body: IssueKey,
      example: { role: 'warehouse', label: 'warehouse scanner 1' },
      handler: async ({ body, actor }) => {
        if (body.role === 'dealer' && !body.dealerId) throw new HttpError(400, 'invalid-request', 'dealerId: is required for a dealer key');
        if (body.role !== 'dealer' && body.dealerId) throw new HttpError(400, 'invalid-request', 'dealerId: only a dealer key is tied to a dealer');
        const em = ctx.orm.em.fork();
        if (body.dealerId) {
          const [dealer] = await em.execute('select id from dealer where id = ?', [body.dealerId]);
          if (!dealer) throw new HttpError(422, 'unknown-dealer', `dealer ${body.dealerId} does not exist`);
        }
        const id = `k_${randomBytes(6).toString('hex')}`;
        const secret = newKey();
        await em.execute(
          'insert into api_key (id, key_hash, role, dealer_id, label, created_at, created_by) values (?, ?, ?, ?, ?, ?, ?)',
          [id, hashKey(secret), body.role, body.dealerId ?? null, body.label, new Date(), actor.id]);
        // the secret is shown once, here; only its hash is kept
        return { status: 201, body: { id, key: secret, role: body.role, dealerId: body.dealerId ?? null, label: body.label } };
      },
    }),
    defineRoute({
      method: 'get', path: '/api-keys', summary: 'List API keys', roles: ['admin', 'auditor'],
      handler: async () => {
        const rows = await ctx.orm.em.fork().execute(
          'select id, role, dealer_id, label, created_at, created_by, revoked_at from api_key order by created_at, id');
        return { body: { items: rows } };
      },
    }),
  ];
}
