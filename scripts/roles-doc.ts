import fs from 'node:fs';

import pino from 'pino';

import { allRoutes } from '../api/app.ts';
import { loadConfig } from '../db/config.ts';
import { Ledger } from '../db/ledger.ts';

// `npm run docs:roles`: writes docs/roles.md, the table of which roles may call each route,
// from the route declarations themselves. test/roles.test.ts checks that it is up to date.

export function rolesTable(): string {
  const config = loadConfig({});
  const routes = allRoutes({ orm: {} as never, temporal: {} as never, config, ledger: new Ledger({ timeZone: 'UTC' }), log: pino({ level: 'silent' }) });
  const rows = routes
    .map((r) => `| ${r.method.toUpperCase()} | \`${r.path}\` | ${r.summary} | ${r.roles.join(', ')} |`)
    .sort((a, b) => a.split('|')[2]!.localeCompare(b.split('|')[2]!) || a.localeCompare(b));
  return [
    '# Who may call what',
    '',
    'Generated from the route declarations by `npm run docs:roles`; do not edit by hand. The admin',
    'key may call every route. A dealer key sees and acts on its own dealer only: another dealer\'s',
    'processes answer 404. `GET /health`, `/openapi.json`, `/docs` and the back-office page need no key',
    '(the page asks for one and every request it sends carries it).',
    '',
    '| method | path | what | roles |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('roles-doc.ts')) {
  fs.writeFileSync('docs/roles.md', rolesTable());
  console.log('wrote docs/roles.md');
}
