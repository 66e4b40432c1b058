import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { Orm } from '../db/orm.ts';

// The API's Prometheus metrics: requests by route pattern and status, latency, error answers by
// code (a refusal's code names the rule), and what the database knows exactly across every
// worker and API instance: processes by type and status, journals per ledger.

export interface ApiMetrics {
  registry: Registry;
  /** records every request when its answer is sent */
  middleware: RequestHandler;
}

export function createApiMetrics(orm: Orm): ApiMetrics {
  // one registry per app, so several apps (tests) live side by side in one process
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'spareflow_api_' });

  const requests = new Counter({
    name: 'spareflow_http_requests_total', help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'], registers: [registry],
  });
  const latency = new Histogram({
    name: 'spareflow_http_request_duration_seconds', help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
  });
  const errors = new Counter({
    name: 'spareflow_http_errors_total', help: 'error answers by status and code; for 409 and 422 the code names the business rule',
    labelNames: ['status', 'code'], registers: [registry],
  });

  new Gauge({
    name: 'spareflow_processes', help: 'processes in the process table by type and status (every process started, where it stands)',
    labelNames: ['type', 'status'], registers: [registry],
    async collect() {
      this.reset();
      const rows = await orm.em.fork().execute('select type, status, count(*)::int as n from process group by 1, 2');
      for (const r of rows) this.set({ type: String(r.type), status: String(r.status) }, Number(r.n));
    },
  });
  new Gauge({
    name: 'spareflow_ledger_journals', help: 'journals posted per ledger (append-only, so this only grows)',
    labelNames: ['ledger'], registers: [registry],
    async collect() {
      const [r] = await orm.em.fork().execute(
        'select (select count(*) from money_journal)::int as money, (select count(*) from stock_journal)::int as stock');
      this.set({ ledger: 'money' }, Number(r?.money ?? 0));
      this.set({ ledger: 'stock' }, Number(r?.stock ?? 0));
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const stop = latency.startTimer();
    res.on('finish', () => {
      // the route pattern, never the raw path: ids would make a series per process
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : req.baseUrl || '(unmatched)';
      stop({ method: req.method, route });
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      if (res.statusCode >= 400) errors.inc({ status: String(res.statusCode), code: String(res.locals.errorCode ?? 'unknown') });
    });
    next();
  };
  return { registry, middleware };
}
