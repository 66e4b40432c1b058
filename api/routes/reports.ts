import type { Request, Response } from 'express';
import { z } from 'zod';

import { invalid } from '../../db/errors.ts';
import { backorders, fillRate } from '../../db/order-reports.ts';
import { stockSummary, toCsv, warrantyReport } from '../../db/reports.ts';
import type { ApiContext } from '../context.ts';
import { defineRoute, isoDate } from '../route.ts';

/** a range left open defaults to the last 90 days, as dates of the ledger's calendar */
const daysAgo = (n: number) => () => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

// Reports (P7). Each answers JSON, or CSV with `?format=csv` or `Accept: text/csv`.

const READERS = ['back-office', 'finance', 'warehouse', 'auditor'] as const;
const format = z.enum(['json', 'csv']).optional();

export function wantsCsv(req: Request, f: string | undefined) {
  return f === 'csv' || (f === undefined && /\btext\/csv\b/.test(req.get('accept') ?? ''));
}

/** sends rows as a CSV download; the caller returns nothing afterwards */
export function sendCsv(res: Response, name: string, rows: Record<string, unknown>[], columns: string[]) {
  res.status(200).type('text/csv; charset=utf-8').setHeader('content-disposition', `attachment; filename="${name}.csv"`);
  res.send(toCsv(rows, columns));
}

export function reportRoutes(ctx: ApiContext) {
  return [
    defineRoute({
      method: 'get', path: '/reports/stock-summary', summary: 'Report stock quantity and variety per warehouse', roles: READERS,
      query: z.strictObject({ date: isoDate.optional(), format }),
      handler: async ({ query, req, res }) => {
        const report = await stockSummary(ctx.orm.em.fork(), query.date ?? ctx.ledger.businessDate(new Date()));
        if (!wantsCsv(req, query.format)) return { body: report };
        sendCsv(res, `stock-summary-${report.date}`, report.warehouses.map((w) => ({ date: report.date, ...w })),
          ['date', 'warehouse', 'name', 'quantity', 'variety']);
      },
    }),
    defineRoute({
      method: 'get', path: '/reports/warranty', summary: 'Report warranty core returns by week or month', roles: READERS,
      query: z.strictObject({ period: z.enum(['week', 'month']).default('month'), from: isoDate.default(daysAgo(90)), to: isoDate.default(daysAgo(0)), format }),
      handler: async ({ query, req, res }) => {
        if (query.from > query.to) throw invalid('from', 'must not be after to');
        if (Date.parse(query.to) - Date.parse(query.from) > 3 * 366 * 86_400_000) throw invalid('to', 'the range may span at most three years');
        const report = await warrantyReport(ctx.orm.em.fork(), { period: query.period, from: query.from, to: query.to, timeZone: ctx.config.ledgerTimeZone });
        if (!wantsCsv(req, query.format)) return { body: report };
        sendCsv(res, `warranty-${query.period}-${query.from}-${query.to}`, report.rows,
          ['periodStart', 'received', 'approved', 'rejected', 'objected', 'credited', 'recovered']);
      },
    }),
    defineRoute({
      method: 'get', path: '/reports/fill-rate', summary: 'Report the fill rate of dealer orders by vehicle model', roles: READERS,
      query: z.strictObject({ from: isoDate.default(daysAgo(90)), to: isoDate.default(daysAgo(0)), format }),
      handler: async ({ query, req, res }) => {
        if (query.from > query.to) throw invalid('from', 'must not be after to');
        const report = await fillRate(ctx.orm.em.fork(), { from: query.from, to: query.to, timeZone: ctx.config.ledgerTimeZone });
        if (!wantsCsv(req, query.format)) return { body: report };
        // one row per model with lines, then the groups, then the models never purchased
        const rows = [
          ...report.models.map((m) => ({ section: 'model', ...m })),
          ...report.groups.map((g) => ({ section: 'group', group: g.group, lines: g.lines, fullLines: g.fullLines, fillRate: g.fillRate })),
          ...report.neverPurchased.map((m) => ({ section: 'never-purchased', ...m })),
        ];
        sendCsv(res, `fill-rate-${query.from}-${query.to}`, rows, ['section', 'group', 'model', 'name', 'discontinuedOn', 'lines', 'fullLines', 'fillRate']);
      },
    }),
    defineRoute({
      method: 'get', path: '/reports/backorders', summary: 'Report open backorder lines with their age', roles: READERS,
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(10_000).default(1000), format }),
      handler: async ({ query, req, res }) => {
        const report = await backorders(ctx.orm.em.fork(), new Date(), query.limit);
        if (!wantsCsv(req, query.format)) return { body: report };
        sendCsv(res, 'backorders', report.lines,
          ['orderId', 'dealerId', 'lineNo', 'partNo', 'ordered', 'missing', 'ageDays', 'raisedAt', 'followUpId', 'supplierId']);
      },
    }),
  ];
}
