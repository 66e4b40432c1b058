import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import express, { type RequestHandler } from 'express';

import pkg from '../package.json' with { type: 'json' };
import { authenticate } from './auth.ts';
import type { ApiContext } from './context.ts';
import { errorHandler, HttpError } from './errors.ts';
import { rateLimit } from './rate-limit.ts';
import { createApiMetrics, type ApiMetrics } from './metrics.ts';
import { openApiDocument } from './openapi.ts';
import { toHandler, type AnyRoute } from './route.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { auditRoutes } from './routes/audit.ts';
import { coreReturnRoutes } from './routes/core-returns.ts';
import { consumerOrderRoutes } from './routes/consumer-orders.ts';
import { dealerOrderRoutes } from './routes/dealer-orders.ts';
import { dayRoutes } from './routes/days.ts';
import { healthHandler } from './routes/health.ts';
import { inboundReceiptRoutes } from './routes/inbound-receipts.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { masterDataRoutes } from './routes/master-data.ts';
import { metricsHandler, metricsRoutes } from './routes/metrics.ts';
import { overviewRoutes } from './routes/overview.ts';
import { processRoutes } from './routes/processes.ts';
import { receivablesRoutes } from './routes/receivables.ts';
import { reportRoutes } from './routes/reports.ts';
import { settingsRoutes } from './routes/settings.ts';
import { stockCountRoutes } from './routes/stock-counts.ts';

/** every route of the API, as data; the OpenAPI document is generated from the same list */
export function allRoutes(ctx: ApiContext, metrics: ApiMetrics = createApiMetrics(ctx.orm)): AnyRoute[] {
  const routes: AnyRoute[] = [
    ...apiKeyRoutes(ctx),
    ...auditRoutes(ctx),
    ...masterDataRoutes(ctx),
    ...ledgerRoutes(ctx),
    ...settingsRoutes(ctx),
    ...stockCountRoutes(ctx),
    ...inboundReceiptRoutes(ctx),
    ...dayRoutes(ctx),
    ...reportRoutes(ctx),
    ...processRoutes(ctx, () => routes),
    ...overviewRoutes(ctx),
    ...metricsRoutes(ctx, metrics),
    ...coreReturnRoutes(ctx),
    ...receivablesRoutes(ctx),
    ...consumerOrderRoutes(ctx),
    ...dealerOrderRoutes(ctx),
  ];
  return routes;
}

/** the generated OpenAPI 3.1 document of every route */
export function apiDocument(ctx: ApiContext, routes: AnyRoute[] = allRoutes(ctx)) {
  return openApiDocument(routes, { version: pkg.version });
}

function requestLog(ctx: ApiContext): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    req.id = req.get('x-request-id')?.slice(0, 100).replace(/[^\w.-]/g, '') || randomUUID();
    res.setHeader('x-request-id', req.id);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // the path only: bodies and query strings may carry personal data
      ctx.log.info({ requestId: req.id, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10, actor: req.actor?.id }, 'request');
    });
    next();
  };
}

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
  next();
};

// the pages (no build step, no CDN): they ask for a key themselves and send it to the API
const pages = (dir: string) => express.static(fileURLToPath(new URL(dir, import.meta.url)), { index: 'index.html', maxAge: 0 });

export function createApp(ctx: ApiContext) {
  const app = express();
  const metrics = createApiMetrics(ctx.orm);
  const routes = allRoutes(ctx, metrics);
  const document = apiDocument(ctx, routes);
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(metrics.middleware, requestLog(ctx), securityHeaders);
  app.get('/health', healthHandler(ctx));
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/docs', pages('./docs/'));
  app.use('/backoffice', pages('./backoffice/'));
  if (ctx.config.metricsPublic) {
    app.get('/metrics', async (_req, res) => {
      const { text, type } = await metricsHandler(metrics)();
      res.type(type).send(text);
    });
  }

  app.use(authenticate(ctx.orm, ctx.config.adminKey), rateLimit(ctx.config.rateLimitPerMinute));
  app.use(express.json({ limit: ctx.config.bodyLimit, strict: true }));
  for (const route of routes) app[route.method](route.path, toHandler(route));

  app.use((req) => {
    throw new HttpError(404, 'not-found', `no route ${req.method} ${req.path}`);
  });
  app.use(errorHandler(ctx.log));
  return app;
}
