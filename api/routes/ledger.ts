import { z } from 'zod';

import { accountKind } from '../../db/accounts.ts';
import { notFound } from '../../db/errors.ts';
import { checkLedger } from '../../db/ledger-check.ts';
import { isoTime } from '../../db/sql.ts';
import type { ApiContext } from '../context.ts';
import { cursor, defineRoute, key } from '../route.ts';

// Reads of the ledger: stock balances, account balances with their latest lines, journals.

const LEDGER_READERS = ['back-office', 'finance', 'auditor'] as const;
const STOCK_READERS = ['back-office', 'warehouse', 'dispatcher', 'finance', 'auditor'] as const;

export function ledgerRoutes(ctx: ApiContext) {
  return [
    defineRoute({
      method: 'get', path: '/ledger/check', summary: 'Check every ledger invariant', roles: LEDGER_READERS,
      handler: async () => {
        const em = ctx.orm.em.fork();
        const problems = await checkLedger(em);
        const [counts] = await em.execute(`select (select count(*) from money_journal)::int as money, (select count(*) from stock_journal)::int as stock,
          (select count(*) from money_line)::int as money_lines, (select count(*) from stock_move)::int as stock_moves`);
        return { body: { ok: problems.length === 0, problems, journals: counts } };
      },
    }),

    defineRoute({
      method: 'get', path: '/ledger/stock-flows', summary: 'Read stock flows per part across physical locations', roles: LEDGER_READERS,
      query: z.strictObject({ partPrefix: key().optional() }),
      handler: async ({ query }) => {
        // per part: what came into physical locations from virtual ones, what left them, and
        // what is on hand now; on hand = in - out when the ledger is whole
        const rows = await ctx.orm.em.fork().execute(
          `with flows as (
             select m.part_no,
               sum(case when tl.physical and not fl.physical then m.quantity else 0 end) as into_stock,
               sum(case when fl.physical and not tl.physical then m.quantity else 0 end) as out_of_stock,
               sum(case when fl.code in ('@supplier', '@inspection') and tl.physical then m.quantity else 0 end) as received,
               sum(case when fl.physical and tl.code = '@in-transit' then m.quantity else 0 end) as shipped,
               sum(case when fl.code in ('@dealer', '@customer') and tl.physical then m.quantity else 0 end) as returned
             from stock_move m join location fl on fl.code = m.from_location join location tl on tl.code = m.to_location
             where (?::text is null or m.part_no like ? || '%')
             group by m.part_no),
           hand as (select b.part_no, sum(b.on_hand) as on_hand from stock_balance b join location l on l.code = b.location
                    where l.physical group by b.part_no)
           select f.*, coalesce(h.on_hand, 0) as on_hand from flows f left join hand h using (part_no) order by f.part_no`,
          [query.partPrefix ?? null, query.partPrefix ?? null]);
        return {
          body: {
            items: rows.map((r) => ({
              partNo: r.part_no, intoStock: Number(r.into_stock), outOfStock: Number(r.out_of_stock), received: Number(r.received),
              shipped: Number(r.shipped), returned: Number(r.returned), onHand: Number(r.on_hand),
            })),
          },
        };
      },
    }),

    defineRoute({
      method: 'get', path: '/stock', summary: 'Read stock balances', roles: STOCK_READERS,
      query: z.strictObject({
        partNo: key().optional(), warehouse: key(8).optional(), bin: key().optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(200),
        after: cursor.optional(),
      }),
      handler: async ({ query }) => {
        const where: string[] = ['l.physical'];
        const params: unknown[] = [];
        if (query.partNo) { where.push('b.part_no = ?'); params.push(query.partNo); }
        if (query.warehouse) { where.push('l.warehouse = ?'); params.push(query.warehouse); }
        if (query.bin) { where.push('l.bin = ?'); params.push(query.bin); }
        if (query.after) { where.push("(b.location || '|' || b.part_no) > ?"); params.push(query.after); }
        const rows = await ctx.orm.em.fork().execute(
          `select b.part_no, b.location, l.warehouse, l.bin, l.zone, b.on_hand, b.reserved
           from stock_balance b join location l on l.code = b.location
           where ${where.join(' and ')} order by b.location || '|' || b.part_no limit ${query.limit + 1}`, params);
        const page = rows.slice(0, query.limit).map((r) => ({
          partNo: r.part_no, location: r.location, warehouse: r.warehouse, bin: r.bin, zone: r.zone,
          onHand: Number(r.on_hand), reserved: Number(r.reserved), available: Number(r.on_hand) - Number(r.reserved),
        }));
        const last = page[page.length - 1];
        return { body: { items: page, next: rows.length > query.limit && last ? `${last.location}|${last.partNo}` : null } };
      },
    }),

    defineRoute({
      method: 'get', path: '/ledger/accounts/:code', summary: 'Read an account balance and its latest lines', roles: LEDGER_READERS,
      exampleParams: { code: 'sales' },
      params: z.strictObject({ code: z.string().min(1).max(120) }),
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
      handler: async ({ params, query }) => {
        accountKind(params.code, 'code');
        const em = ctx.orm.em.fork();
        const balances = await ctx.ledger.accountBalance(em, params.code);
        if (balances.length === 0) throw notFound('account', params.code);
        const lines = await em.execute(
          `select l.journal_id, l.currency, l.amount, j.description, j.posted_at, j.business_date, j.process_id, j.step, j.actor
           from money_line l join money_journal j on j.id = l.journal_id
           where l.account_code = ? order by l.id desc limit ${query.limit}`, [params.code]);
        return {
          body: {
            account: params.code, kind: accountKind(params.code), balances,
            latestLines: lines.map((l) => ({
              journalId: String(l.journal_id), currency: l.currency, amount: String(l.amount), description: l.description,
              postedAt: isoTime(l.posted_at), processId: l.process_id, step: l.step, actor: l.actor,
            })),
          },
        };
      },
    }),

    defineRoute({
      method: 'get', path: '/ledger/journals/:id', summary: 'Read a journal', roles: LEDGER_READERS,
      exampleParams: { id: 'money-1' },
      params: z.strictObject({ id: z.string().regex(/^(money|stock)-\d{1,18}$/, 'must be money-<n> or stock-<n>') }),
      handler: async ({ params }) => {
        const [kind, id] = params.id.split('-') as ['money' | 'stock', string];
        const em = ctx.orm.em.fork();
        const journal = kind === 'money' ? await ctx.ledger.getMoneyJournal(em, id) : await ctx.ledger.getStockJournal(em, id);
        const { replayed: _replayed, ...view } = journal;
        return { body: { kind, ...view } };
      },
    }),
  ];
}
