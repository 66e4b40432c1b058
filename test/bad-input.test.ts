import test from 'ava';
import fc from 'fast-check';
import pino from 'pino';

import { allRoutes } from '../api/app.ts';
import type { AnyRoute } from '../api/route.ts';
import type { Orm } from '../db/orm.ts';
import { privateDatabase, testStack, type Api, type Stack } from './helpers/stack.ts';

// A corpus of bad requests for every route: mutations of each route's example that its own
// request schema refuses (wrong types, missing and unknown fields, bad numbers, huge and
// control-character strings, SQL and shell metacharacters where an identifier goes), made by
// hand and by fast-check, plus bodies no route takes. Every one must get a 4xx with an error
// body, none a 5xx, and the database must be exactly as it was.

const HOSTILE_STRINGS = [
  'x'.repeat(100_000), 'a\u0000b', '\u0007\u001b[31m', "'; drop table money_journal; --", '$(rm -rf /)', '`id`', '../../etc/passwd',
  '%00', '{{7*7}}', '<script>alert(1)</script>', '\ud800', '',
];
const HOSTILE_NUMBERS = [-1, 0, 0.5, 1e21, -1e21, 2 ** 63, Number.MAX_SAFE_INTEGER + 2];
const WRONG_TYPES: unknown[] = [null, true, [], {}, 'text', 12, { nested: { deeper: [1, 2, 3] } }];

/** every path to a value inside a JSON value */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return [prefix, ...v.flatMap((x, i) => paths(x, [...prefix, i]))];
  if (v && typeof v === 'object') return [prefix, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...prefix, k]))];
  return [prefix];
}

function setAt(root: unknown, path: (string | number)[], value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

/** hand-made mutations of a route's example body */
function handMutations(example: unknown): unknown[] {
  const out: unknown[] = [];
  for (const p of paths(example)) {
    for (const w of [...WRONG_TYPES, ...HOSTILE_STRINGS, ...HOSTILE_NUMBERS]) out.push(setAt(example, p, w));
    if (p.length) out.push(setAt(example, p, undefined, true));
  }
  if (example && typeof example === 'object' && !Array.isArray(example)) out.push({ ...example, unexpectedField: 'x' });
  return out;
}

/** bodies that no schema should take, as sent on the wire */
const ALWAYS_BAD_RAW: string[] = ['[]', '"a string"', '42', 'null', `${'{"n":'.repeat(5000)}1${'}'.repeat(5000)}`, '{"__proto__": {"admin": true}}',
  '{"constructor": {"prototype": {"admin": true}}}'];

function pathFor(route: AnyRoute) {
  // unknown ids with metacharacters where an id goes: a route must answer 4xx, never touch data
  return route.path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(name === 'currency' ? 'XXX' : `NO-SUCH-${name}';--`));
}

async function fingerprint(orm: Orm) {
  const em = orm.em.fork();
  const tables = await em.execute(`select tablename from pg_tables where schemaname = 'public' order by tablename`);
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const [row] = await em.execute(`select count(*)::int as n from "${t.tablename}"`);
    counts[String(t.tablename)] = Number(row!.n);
  }
  const [sums] = await em.execute(`select
      (select md5(coalesce(string_agg(id || idempotency_key || content_hash, ',' order by id), '')) from money_journal) as money,
      (select md5(coalesce(string_agg(id || idempotency_key || content_hash, ',' order by id), '')) from stock_journal) as stock,
      (select md5(coalesce(string_agg(account_code || currency || balance, ',' order by account_code, currency), '')) from account_balance) as balances`);
  return { counts, sums };
}

let stack: Stack;
let api: Api;
let drop: () => Promise<void>;
let routes: AnyRoute[];
test.before(async () => {
  const db = await privateDatabase();
  drop = db.drop;
  stack = await testStack({ databaseUrl: db.url });
  api = await stack.api();
  routes = allRoutes({ orm: stack.orm, temporal: stack.client, config: stack.config, ledger: stack.ledger, log: pino({ level: 'silent' }) });
});
test.after.always(async () => {
  await stack.close();
  await drop();
});


test('every bad request on every route gets a 4xx with an error body, and the database is unchanged', async (t) => {
  const before = await fingerprint(stack.orm);
  const failures: string[] = [];
  let sent = 0;

  for (const route of routes) {
    const url = pathFor(route);
    const bodies = route.method === 'get' ? [] : handMutations(route.example ?? {});
    const refusedBySchema = bodies.filter((b) => !route.body || !route.body.safeParse(b).success).map((b) => JSON.stringify(b) ?? 'null');
    for (const body of [...refusedBySchema, ...(route.method === 'get' ? [] : ALWAYS_BAD_RAW)]) {
      const res = await api.call(route.method.toUpperCase(), url, { body });
      sent++;
      if (res.status < 400 || res.status >= 500 || typeof res.body?.error?.message !== 'string') {
        failures.push(`${route.method} ${route.path} ${body.slice(0, 120)} → ${res.status}`);
      }
    }
    if (route.method === 'get') {
      for (const q of ['?limit=-1', '?limit=abc', '?after=%00', `?unknown=${encodeURIComponent("' or 1=1 --")}`]) {
        const res = await api.call('GET', url + q);
        sent++;
        if (res.status >= 500) failures.push(`GET ${route.path}${q} → ${res.status}`);
      }
    }
  }

  t.deepEqual(failures.slice(0, 30), [], `${failures.length} of ${sent} bad requests were not answered with a clean 4xx`);
  t.true(sent > routes.length, 'the corpus covers every route');
  t.deepEqual(await fingerprint(stack.orm), before);
});

test('random mutations of every example that its schema refuses get a 4xx and change nothing', async (t) => {
  const before = await fingerprint(stack.orm);
  const writers = routes.filter((r) => r.method !== 'get' && r.body);
  const anyJson = fc.jsonValue({ maxDepth: 3 });

  await fc.assert(fc.asyncProperty(fc.constantFrom(...writers), anyJson, fc.nat(), async (route, junk, pick) => {
    const example = route.example ?? {};
    const where = paths(example);
    const body = setAt(example, where[pick % where.length]!, junk);
    fc.pre(!route.body!.safeParse(body).success);
    const res = await api.call(route.method.toUpperCase(), pathFor(route), { body: JSON.stringify(body) ?? 'null' });
    return res.status >= 400 && res.status < 500;
  }), { numRuns: 300 });

  t.deepEqual(await fingerprint(stack.orm), before);
});

test('a 2 MB body and a body that is not JSON are refused before any route runs', async (t) => {
  const big = await api.call('POST', '/dealer-orders', { body: JSON.stringify({ lines: 'x'.repeat(2 * 1024 * 1024) }) });
  const notJson = await api.call('POST', '/dealer-orders', { body: '{"dealerId": "D1", lines: [' });

  t.is(big.status, 413);
  t.is(notJson.status, 400);
});
