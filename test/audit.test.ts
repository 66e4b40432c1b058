import test from 'ava';

import { keyFor } from './helpers/fixtures.ts';
import { testStack, uid } from './helpers/stack.ts';

test('every change is in the audit log with who made it, readable by finance and the auditor only', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();
  const backOffice = await keyFor(api, 'back-office');
  const [auditor, finance, warehouse] = [await keyFor(api, 'auditor'), await keyFor(api, 'finance'), await keyFor(api, 'warehouse')];
  const dealer = uid('D-');
  const me = (await api.call('GET', '/me', { key: backOffice })).body;

  await api.call('PUT', `/dealers/${dealer}`, { key: backOffice, body: { name: 'audited dealer', timeZone: 'Asia/Shanghai' } });
  const byAuditor = await api.call('GET', `/audit-log?kind=master-data&actor=${encodeURIComponent(me.id)}`, { key: auditor });
  const byFinance = await api.call('GET', '/audit-log?limit=5', { key: finance });
  const byWarehouse = await api.call('GET', '/audit-log', { key: warehouse });

  t.is(byAuditor.status, 200);
  t.true(byAuditor.body.items.some((i: { what: string; actor: string }) => i.what === `dealer ${dealer}`), JSON.stringify(byAuditor.body).slice(0, 500));
  t.is(byFinance.status, 200);
  t.is(byWarehouse.status, 403);
});
