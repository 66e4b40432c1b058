import { z } from 'zod';

import { isoTime } from '../../db/sql.ts';
import type { ApiContext } from '../context.ts';
import { defineRoute } from '../route.ts';

// The audit log: every change with who made it and when, newest first. It is read from where the
// changes are recorded (process timelines, both ledgers' journals, API keys, master data), so
// it cannot disagree with them.

export function auditRoutes(ctx: ApiContext) {
  return [
    defineRoute({
      method: 'get', path: '/audit-log', summary: 'Read the audit log of changes and who made them', roles: ['finance', 'auditor'],
      query: z.strictObject({
        actor: z.string().max(100).regex(/^[\w:.-]+$/, 'letters, digits and : . _ - only').optional(),
        processId: z.string().max(200).regex(/^[^\u0000-\u001f]*$/, 'must not contain control characters').optional(), // eslint-disable-line no-control-regex
        before: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
        kind: z.enum(['step', 'money', 'stock', 'api-key', 'master-data']).optional(),
      }),
      handler: async ({ query }) => {
        const rows = await ctx.orm.em.fork().execute(
          `select * from (
             select 'step' as kind, at, actor, process_id, step as what, detail::text as detail from process_step
             union all select 'money', posted_at, actor, process_id, step, description from money_journal
             union all select 'stock', posted_at, actor, process_id, step, reason || ' ' || document_ref from stock_journal
             union all select 'api-key', created_at, created_by, null, 'issued ' || role || ' key ' || id, label from api_key
             union all select 'master-data', updated_at, updated_by, null, 'dealer ' || id, name from dealer
             union all select 'master-data', updated_at, updated_by, null, 'part ' || part_no, name from part
             union all select 'master-data', updated_at, updated_by, null, 'bin ' || code, coalesce(zone, '') from location where physical
           ) a
           where (?::text is null or actor = ?) and (?::text is null or process_id = ?) and (?::timestamptz is null or at < ?)
             and (?::text is null or kind = ?)
           order by at desc limit ${query.limit}`,
          [query.actor ?? null, query.actor ?? null, query.processId ?? null, query.processId ?? null, query.before ?? null, query.before ?? null,
            query.kind ?? null, query.kind ?? null]);
        return {
          body: {
            items: rows.map((r) => ({ kind: r.kind, at: isoTime(r.at), actor: r.actor, processId: r.process_id, what: r.what, detail: r.detail })),
            before: rows.length === query.limit ? isoTime(rows[rows.length - 1]!.at) : null,
          },
        };
      },
    }),
  ];
}
