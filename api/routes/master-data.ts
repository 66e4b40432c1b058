import { z } from 'zod';

import { PART_CATEGORIES, WAREHOUSES } from '../../db/entities/master.ts';
import { notFound } from '../../db/errors.ts';
import * as master from '../../db/master.ts';
import { inTransaction } from '../../db/tx.ts';
import type { ApiContext } from '../context.ts';
import { cursor, defineRoute, isoDate, key, text } from '../route.ts';

// Master data: idempotent upserts (PUT) and reads, back office only for changes.

const READERS = ['back-office', 'warehouse', 'dispatcher', 'appraiser', 'finance', 'customer-service', 'auditor'] as const;
const WRITERS = ['back-office'] as const;

const listQuery = <S extends z.ZodRawShape>(filters: S) => z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  after: cursor.optional(),
  ...filters,
});

/** keyset pagination over one text key column */
async function list(ctx: ApiContext, table: string, keyColumn: string, where: [string, unknown][], q: { limit: number; after?: string | undefined }) {
  const conds = where.filter(([, v]) => v !== undefined);
  const clauses = conds.map(([sql]) => sql);
  const params = conds.map(([, v]) => v);
  if (q.after) {
    clauses.push(`${keyColumn} > ?`);
    params.push(q.after);
  }
  const rows = await ctx.orm.em.fork().execute(
    `select * from ${table} ${clauses.length ? `where ${clauses.join(' and ')}` : ''} order by ${keyColumn} limit ${q.limit + 1}`, params);
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  return { items: page, next: more ? String(page[page.length - 1]![keyColumn]) : null };
}

export function masterDataRoutes(ctx: ApiContext) {
  const write = <T>(fn: (em: Parameters<Parameters<typeof inTransaction>[1]>[0]) => Promise<T>) => inTransaction(ctx.orm, fn);

  return [
    defineRoute({
      method: 'put', path: '/vehicle-models/:code', summary: 'Create or update a vehicle model', roles: WRITERS,
      params: z.strictObject({ code: key() }),
      body: z.strictObject({
        name: text(200).min(1), lifecycle: z.enum(['in-production', 'discontinued']), discontinuedOn: isoDate.nullable().optional(),
      }),
      example: { name: 'Sedan 2019', lifecycle: 'discontinued', discontinuedOn: '2023-06-30' },
      handler: async ({ params, body, actor }) => ({ body: await write((em) => master.upsertVehicleModel(em, { code: params.code, ...body }, actor.id)) }),
    }),
    defineRoute({
      method: 'get', path: '/vehicle-models/:code', summary: 'Read a vehicle model', roles: READERS,
      params: z.strictObject({ code: key() }),
      handler: async ({ params }) => ({ body: (await master.getVehicleModel(ctx.orm.em.fork(), params.code)) ?? throwNotFound('vehicle model', params.code) }),
    }),
    defineRoute({
      method: 'get', path: '/vehicle-models', summary: 'List vehicle models', roles: READERS,
      query: listQuery({ lifecycle: z.enum(['in-production', 'discontinued']).optional() }),
      handler: async ({ query }) => ({ body: await list(ctx, 'vehicle_model', 'code', [['lifecycle = ?', query.lifecycle]], query) }),
    }),

    defineRoute({
      method: 'put', path: '/parts/:partNo', summary: 'Create or update a part', roles: WRITERS,
      params: z.strictObject({ partNo: key() }),
      body: z.strictObject({ name: text(200).min(1), category: z.enum(PART_CATEGORIES), fits: z.array(key()).max(500).default([]) }),
      example: { name: 'Brake pad set, front', category: 'ordinary', fits: [] },
      handler: async ({ params, body, actor }) => ({ body: await write((em) => master.upsertPart(em, { partNo: params.partNo, ...body }, actor.id)) }),
    }),
    defineRoute({
      method: 'get', path: '/parts/:partNo', summary: 'Read a part', roles: [...READERS, 'dealer'],
      params: z.strictObject({ partNo: key() }),
      handler: async ({ params }) => ({ body: (await master.getPart(ctx.orm.em.fork(), params.partNo)) ?? throwNotFound('part', params.partNo) }),
    }),
    defineRoute({
      method: 'get', path: '/parts', summary: 'List parts', roles: [...READERS, 'dealer'],
      query: listQuery({ category: z.enum(PART_CATEGORIES).optional(), fits: key().optional() }),
      handler: async ({ query }) => ({
        body: await list(ctx, 'part', 'part_no', [['category = ?', query.category], ['? = any(fits)', query.fits]], query),
      }),
    }),

    defineRoute({
      method: 'put', path: '/suppliers/:id', summary: 'Create or update a supplier', roles: WRITERS,
      params: z.strictObject({ id: key() }),
      body: z.strictObject({ name: text(200).min(1) }),
      example: { name: 'Acme Brakes Ltd' },
      handler: async ({ params, body, actor }) => ({ body: await write((em) => master.upsertSupplier(em, { id: params.id, ...body }, actor.id)) }),
    }),
    defineRoute({
      method: 'get', path: '/suppliers/:id', summary: 'Read a supplier', roles: READERS,
      params: z.strictObject({ id: key() }),
      handler: async ({ params }) => ({ body: (await master.getSupplier(ctx.orm.em.fork(), params.id)) ?? throwNotFound('supplier', params.id) }),
    }),
    defineRoute({
      method: 'get', path: '/suppliers', summary: 'List suppliers', roles: READERS, query: listQuery({}),
      handler: async ({ query }) => ({ body: await list(ctx, 'supplier', 'id', [], query) }),
    }),

    defineRoute({
      method: 'put', path: '/dealers/:id', summary: 'Create or update a dealer', roles: WRITERS,
      params: z.strictObject({ id: key() }),
      body: z.strictObject({
        name: text(200).min(1), timeZone: z.string().min(1).max(64),
        currency: z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter currency code').optional(),
        termsDays: z.number().int().min(0).max(365).optional(),
      }),
      example: { name: 'Northside Motors', timeZone: 'Asia/Shanghai', currency: 'CNY', termsDays: 30 },
      handler: async ({ params, body, actor }) => ({ body: await write((em) => master.upsertDealer(em, { id: params.id, ...body }, actor.id)) }),
    }),
    defineRoute({
      method: 'get', path: '/dealers/:id', summary: 'Read a dealer', roles: [...READERS, 'dealer'],
      params: z.strictObject({ id: key() }),
      handler: async ({ params, actor }) => {
        const dealer = actor.role === 'dealer' && actor.dealerId !== params.id ? null : await master.getDealer(ctx.orm.em.fork(), params.id);
        return { body: dealer ?? throwNotFound('dealer', params.id) };
      },
    }),
    defineRoute({
      method: 'get', path: '/dealers', summary: 'List dealers', roles: READERS,
      query: listQuery({ creditHold: z.enum(['true', 'false']).optional() }),
      handler: async ({ query }) => {
        const page = await list(ctx, 'dealer', 'id', [['credit_hold = ?', query.creditHold === undefined ? undefined : query.creditHold === 'true']], query);
        return { body: { ...page, items: page.items.map(master.dealerView) } };
      },
    }),

    defineRoute({
      method: 'put', path: '/warehouses/:code/bins/:bin', summary: 'Create or update a bin', roles: WRITERS,
      params: z.strictObject({ code: key(8), bin: key() }),
      body: z.strictObject({ zone: key().nullable().optional() }),
      example: { zone: 'EUROPE' },
      handler: async ({ params, body, actor }) => ({ body: await write((em) => master.upsertBin(em, { warehouse: params.code, bin: params.bin, zone: body.zone ?? null }, actor.id)) }),
    }),
    defineRoute({
      method: 'get', path: '/warehouses/:code/bins/:bin', summary: 'Read a bin', roles: READERS,
      params: z.strictObject({ code: key(8), bin: key() }),
      handler: async ({ params }) => ({ body: (await master.getBin(ctx.orm.em.fork(), params.code, params.bin)) ?? throwNotFound('bin', `${params.code}/${params.bin}`) }),
    }),
    defineRoute({
      method: 'get', path: '/warehouses/:code/bins', summary: 'List the bins of a warehouse', roles: READERS,
      params: z.strictObject({ code: z.enum(Object.keys(WAREHOUSES) as [string, ...string[]]) }),
      query: listQuery({ zone: key().optional() }),
      handler: async ({ params, query }) => ({
        body: await list(ctx, 'location', 'code', [['physical = ?', true], ['warehouse = ?', params.code], ['zone = ?', query.zone]], query),
      }),
    }),
  ];
}

function throwNotFound(what: string, id: string): never {
  throw notFound(what, id);
}
