import fs from 'node:fs';

import test from 'ava';
import pino from 'pino';

import { allRoutes } from '../api/app.ts';
import { loadConfig } from '../db/config.ts';
import { Ledger } from '../db/ledger.ts';
import { rolesTable } from '../scripts/roles-doc.ts';

const routes = allRoutes({ orm: {} as never, temporal: {} as never, config: loadConfig({}), ledger: new Ledger({ timeZone: 'UTC' }), log: pino({ level: 'silent' }) });

test('every route declares the roles that may call it', (t) => {
  const without = routes.filter((r) => r.roles.length === 0).map((r) => `${r.method} ${r.path}`);

  t.deepEqual(without, []);
});

test('the auditor reads only: no route that changes anything admits it', (t) => {
  const writes = routes.filter((r) => r.method !== 'get' && r.roles.includes('auditor')).map((r) => `${r.method} ${r.path}`);

  t.deepEqual(writes, []);
});

test('only the admin issues API keys and sets the simulation time scale', (t) => {
  for (const path of ['/api-keys', '/settings/day-seconds']) {
    const route = routes.find((r) => r.path === path && r.method !== 'get')!;
    t.deepEqual([...route.roles], ['admin'], path);
  }
});

test('docs/roles.md is the table the route declarations give', (t) => {
  t.is(fs.readFileSync('docs/roles.md', 'utf8'), rolesTable(), 'run npm run docs:roles');
});

test('no two routes share a method and a path', (t) => {
  const keys = routes.map((r) => `${r.method} ${r.path}`);

  t.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), []);
});
