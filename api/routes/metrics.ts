import type { ApiContext } from '../context.ts';
import type { ApiMetrics } from '../metrics.ts';
import { defineRoute } from '../route.ts';

/** GET /metrics in the Prometheus text format; also served without a key when SPAREFLOW_METRICS_PUBLIC=1 */
export function metricsHandler(metrics: ApiMetrics) {
  return async () => ({ text: await metrics.registry.metrics(), type: metrics.registry.contentType });
}

export function metricsRoutes(_ctx: ApiContext, metrics: ApiMetrics) {
  const scrape = metricsHandler(metrics);
  return [
    defineRoute({
      method: 'get', path: '/metrics', summary: 'Read the API metrics (Prometheus text format)', roles: ['finance', 'auditor'],
      handler: async ({ res }) => {
        const { text, type } = await scrape();
        res.status(200).type(type).send(text);
      },
    }),
  ];
}
