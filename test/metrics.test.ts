import { fork } from 'node:child_process';

import test from 'ava';

import { freePort } from '../scripts/services.ts';
import { keyFor } from './helpers/fixtures.ts';
import { eventually, testStack } from './helpers/stack.ts';

// /metrics of the API (behind a finance, auditor or admin key, or public by configuration) and
// the worker's Prometheus endpoint with the Temporal SDK's metrics.

test('the API counts requests by route pattern and status and serves them to a finance key', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();
  await api.call('GET', '/processes/no-such-process');
  await api.call('GET', '/processes?limit=1');

  const res = await api.call('GET', '/metrics', { key: await keyFor(api, 'finance') });

  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /text\/plain/);
  t.regex(res.body, /spareflow_http_requests_total\{method="GET",route="\/processes\/:id",status="404"\} 1/);
  t.regex(res.body, /spareflow_http_request_duration_seconds_bucket\{le="0.05",method="GET",route="\/processes"\}/);
  t.regex(res.body, /spareflow_http_errors_total\{status="404",code="not-found"\} 1/);
  t.regex(res.body, /spareflow_ledger_journals\{ledger="money"\} \d+/);
});

test('the API metrics need a key of finance, auditor or admin unless they are made public', async (t) => {
  const stack = await testStack();
  const open = await testStack({ config: { metricsPublic: true } });
  t.teardown(async () => {
    await stack.close();
    await open.close();
  });
  const api = await stack.api();
  const publicApi = await open.api();

  const anonymous = await api.call('GET', '/metrics', { key: null });
  const warehouse = await api.call('GET', '/metrics', { key: await keyFor(api, 'warehouse') });
  const published = await publicApi.call('GET', '/metrics', { key: null });

  t.is(anonymous.status, 401);
  t.is(warehouse.status, 403);
  t.is(published.status, 200);
});

test('the worker serves the Temporal SDK\'s metrics in the Prometheus format at its metrics address', async (t) => {
  const port = await freePort();
  const worker = fork('worker/main.ts', [], {
    execArgv: ['--import', 'tsx'], stdio: 'ignore',
    env: {
      ...process.env, DATABASE_URL: process.env.SPAREFLOW_TEST_DATABASE_URL, TEMPORAL_ADDRESS: process.env.SPAREFLOW_TEST_TEMPORAL,
      TEMPORAL_TASK_QUEUE: `metrics-${port}`, WORKER_METRICS_ADDRESS: `127.0.0.1:${port}`, LOG_LEVEL: 'warn',
    },
  });
  t.teardown(() => {
    worker.kill('SIGTERM');
  });

  const text = await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    const body = await res.text();
    return body.includes(`task_queue="metrics-${port}"`) ? body : undefined;
  }, 60_000, 'the worker metrics endpoint');

  t.regex(text, /# TYPE temporal_\w+/);
  t.regex(text, new RegExp(`task_queue="metrics-${port}`));
});
