import { z } from 'zod';

import { decodeCursor, listProcesses, postingsOf } from '../../db/board.ts';
import { getProcess } from '../../db/processes.ts';
import { parseProcessId } from '../../workflows/ids.ts';
import { assertDealerScope, type Actor } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../errors.ts';
import { openApiPath } from '../openapi.ts';
import { defineRoute, key, type AnyRoute } from '../route.ts';

// The back office's view of every process: the board (a keyset-paginated list of the process
// table) and one process with its timeline, its postings and the actions the caller may take.

const READERS = ['back-office', 'warehouse', 'dispatcher', 'appraiser', 'finance', 'customer-service', 'auditor', 'dealer'] as const;

/**
 * Where the action routes of each process type live: every POST or PUT route under the prefix
 * whose path parameters the process id's business-key parts fill, in order (`dealer-order:A-1`
 * fills `/dealer-orders/:orderNo/picks`). Routes added by a process's own module appear here
 * without any change to this file.
 */
export const ACTION_PREFIXES: Record<string, string> = {
  'dealer-order': '/dealer-orders/',
  'core-return': '/core-returns/',
  'consumer-order': '/consumer-orders/',
  'consumer-return': '/returns/',
  'dealer-account': '/dealers/',
  'inbound-receipt': '/inbound-receipts/',
  'stock-count': '/stock-counts/',
  'daily-close': '/days/',
};

export interface ProcessAction { summary: string; method: string; path: string; route: string; roles: string[]; example: unknown }

/** the action routes of a process that the actor's role may call, with the process's keys filled in */
export function actionsFor(routes: AnyRoute[], p: { id: string; type: string; businessKey: string }, actor: Actor): ProcessAction[] {
  const prefix = ACTION_PREFIXES[p.type];
  if (!prefix) return [];
  const parts = parseProcessId(p.id)?.parts ?? [p.businessKey];
  const out: ProcessAction[] = [];
  for (const r of routes) {
    if (r.method === 'get' || !r.path.startsWith(`${prefix}:`)) continue;
    if (actor.role !== 'admin' && !r.roles.includes(actor.role)) continue;
    const names = [...r.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    if (names.length > parts.length) continue;
    let i = 0;
    const path = r.path.replace(/:(\w+)/g, () => encodeURIComponent(parts[i++]!));
    out.push({ summary: r.summary, method: r.method.toUpperCase(), path, route: openApiPath(r.path), roles: ['admin', ...r.roles], example: r.example ?? {} });
  }
  return out;
}

export function processRoutes(ctx: ApiContext, routes: () => AnyRoute[]) {
  const temporalLink = (id: string) =>
    `${ctx.config.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(ctx.config.temporalNamespace)}/workflows/${encodeURIComponent(id)}`;

  return [
    defineRoute({
      method: 'get', path: '/processes', summary: 'List processes (the board)', roles: READERS,
      query: z.strictObject({
        type: key(40).optional(),
        status: key(40).optional(),
        dealerId: key().optional(),
        q: z.string().min(1).max(200).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        after: z.string().max(600).optional(),
      }),
      handler: async ({ query, actor }) => {
        const after = query.after ? decodeCursor(query.after) : null;
        if (query.after && !after) throw new HttpError(400, 'invalid-request', 'after: must be the cursor of a previous page');
        // a dealer key sees its own dealer's processes, whatever it asks for
        const dealerId = actor.role === 'dealer' ? actor.dealerId ?? '\u0000' : query.dealerId;
        const page = await listProcesses(ctx.orm.em.fork(), { ...query, dealerId }, after);
        return { body: page };
      },
    }),
    defineRoute({
      method: 'get', path: '/processes/:id', summary: 'Read a process with its timeline, postings and next actions', roles: READERS,
      params: z.strictObject({ id: z.string().min(1).max(200) }),
      exampleParams: { id: 'dealer-order:EX-1' },
      handler: async ({ params, actor }) => {
        const em = ctx.orm.em.fork();
        const process = await getProcess(em, params.id);
        if (!process) throw new HttpError(404, 'not-found', `no process ${params.id}`);
        assertDealerScope(actor, process.dealerId);
        const documents = Array.isArray(process.summary.documents) ? process.summary.documents : [];
        return {
          body: {
            ...process,
            documents,
            postings: await postingsOf(em, process.id),
            actions: actionsFor(routes(), process, actor),
            temporalUrl: temporalLink(process.id),
          },
        };
      },
    }),
  ];
}
