import { Writable } from 'node:stream';

import test from 'ava';
import pino from 'pino';

import { testStack, uid } from './helpers/stack.ts';

test('request logs carry method, path, status, time and request id, and no key, body or query', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  let written = '';
  const sink = new Writable({ write(chunk, _enc, done) { written += String(chunk); done(); } });
  const api = await stack.api({ log: pino({ level: 'info' }, sink) });
  const issued = await api.call('POST', '/api-keys', { body: { role: 'auditor', label: 'Ms. Jane Roe, +86 138 0000 0000' } });
  const secret = issued.body.key as string;
  const dealer = uid('D-');

  await api.call('PUT', `/dealers/${dealer}?contact=jane.roe@example.com`, { body: { name: 'Jane Roe Motors, 12 Private Lane', timeZone: 'Asia/Shanghai' } });
  await api.call('GET', '/api-keys', { key: secret });
  await api.call('GET', '/api-keys', { key: 'sf_wrong_key_for_the_log_test' });

  const lines = written.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.true(lines.length >= 4);
  for (const l of lines.filter((x) => x.msg === 'request')) {
    t.truthy(l.requestId);
    t.truthy(l.method);
    t.is(typeof l.status, 'number');
    t.is(typeof l.ms, 'number');
  }
  for (const leak of [secret, 'sf_wrong_key_for_the_log_test', 'sf_test_admin_key', 'Jane Roe', 'jane.roe@example.com', '138 0000', 'Private Lane', 'Bearer']) {
    t.false(written.includes(leak), `the log does not contain ${leak}`);
  }
});
