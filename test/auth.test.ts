import test from 'ava';

import { testStack } from './helpers/stack.ts';

test('a request without an API key is answered 401', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();

  const res = await api.call('GET', '/api-keys', { key: null });

  t.is(res.status, 401);
  t.is(res.body.error.code, 'unauthenticated');
});

test('an unknown API key is answered 401', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();

  const res = await api.call('GET', '/api-keys', { key: 'sf_not_a_key_at_all' });

  t.is(res.status, 401);
});

test('a key of the wrong role is answered 403, and the role is named', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();
  const issued = await api.call('POST', '/api-keys', { body: { role: 'warehouse', label: 'scanner' } });
  t.is(issued.status, 201);

  const res = await api.call('POST', '/api-keys', { key: issued.body.key, body: { role: 'admin', label: 'x' } });

  t.is(res.status, 403);
  t.regex(res.body.error.message, /warehouse role/);
});

test('a dealer key must name a dealer that exists', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();

  const missing = await api.call('POST', '/api-keys', { body: { role: 'dealer', label: 'd' } });
  const unknown = await api.call('POST', '/api-keys', { body: { role: 'dealer', dealerId: 'NO-SUCH-DEALER', label: 'd' } });

  t.is(missing.status, 400);
  t.regex(missing.body.error.message, /dealerId/);
  t.is(unknown.status, 422);
});

test('health answers without a key and reports both dependencies', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();

  const res = await api.call('GET', '/health', { key: null });

  t.is(res.status, 200);
  t.deepEqual(res.body, { status: 'ok', database: 'up', temporal: 'up' });
});
