import test from 'ava';

import { keyFor } from './helpers/fixtures.ts';
import { testStack } from './helpers/stack.ts';

test('a key that sends more than its limit a minute is answered 429 with Retry-After', async (t) => {
  const stack = await testStack({ config: { rateLimitPerMinute: 5 } });
  t.teardown(() => stack.close());
  const api = await stack.api();
  const key = await keyFor(api, 'auditor');

  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) statuses.push((await api.call('GET', '/api-keys', { key })).status);
  const limited = await api.call('GET', '/api-keys', { key });

  t.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
  t.is(limited.status, 429);
  t.truthy(limited.headers.get('retry-after'));
});

test('a body over the size limit is answered 413 and one that is not JSON 400', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();

  const big = await api.call('PUT', '/suppliers/S-BIG', { body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }) });
  const broken = await api.call('PUT', '/suppliers/S-BROKEN', { body: '{"name": ' });

  t.is(big.status, 413);
  t.is(big.body.error.code, 'body-too-large');
  t.is(broken.status, 400);
  t.is(broken.body.error.code, 'invalid-json');
});

test('every answer carries the security headers and no framework banner', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();

  const res = await api.call('GET', '/health', { key: null });

  t.is(res.headers.get('x-content-type-options'), 'nosniff');
  t.is(res.headers.get('x-frame-options'), 'DENY');
  t.truthy(res.headers.get('content-security-policy'));
  t.is(res.headers.get('x-powered-by'), null);
});
