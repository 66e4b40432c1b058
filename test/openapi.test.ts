import fs from 'node:fs';

import test from 'ava';
import pino from 'pino';

import { allRoutes } from '../api/app.ts';
import { openApiPath } from '../api/openapi.ts';
import { testStack } from './helpers/stack.ts';

// The OpenAPI document is generated from the route declarations; these tests hold it to them.

type Op = { summary: string; 'x-roles': string[]; parameters: { name: string; in: string; example?: unknown }[]; requestBody?: { content: { 'application/json': { example?: unknown } } } };

test('every route of the API is in the OpenAPI document, with its roles', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();
  const routes = allRoutes({ orm: stack.orm, temporal: stack.client, config: stack.config, ledger: stack.ledger, log: pino({ level: 'silent' }) });

  const res = await api.call('GET', '/openapi.json', { key: null });

  t.is(res.status, 200);
  t.is(res.body.openapi, '3.1.0');
  t.deepEqual(res.body.components.securitySchemes.apiKey, { type: 'http', scheme: 'bearer', description: res.body.components.securitySchemes.apiKey.description });
  t.deepEqual(Object.keys(res.body.components.schemas.Error.properties.error.properties), ['code', 'message', 'details']);
  for (const r of routes) {
    const op = res.body.paths[openApiPath(r.path)]?.[r.method] as Op | undefined;
    t.truthy(op, `${r.method.toUpperCase()} ${r.path} is documented`);
    t.is(op?.summary, r.summary);
    t.true(r.roles.every((role) => op!['x-roles'].includes(role)), `${r.path} lists its roles`);
  }
});

test('every route that takes a request body documents an example of it', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();

  const doc = (await api.call('GET', '/openapi.json', { key: null })).body;

  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Op>>)) {
    for (const [method, op] of Object.entries(ops)) {
      if (op.requestBody) t.not(op.requestBody.content['application/json'].example, undefined, `${method.toUpperCase()} ${path} has an example`);
    }
  }
});

test('every example request in the document is accepted by its route', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  // some routes answer once their process has taken the step, so a worker runs them
  await stack.startWorker();
  const api = await stack.api();
  const doc = (await api.call('GET', '/openapi.json', { key: null })).body;

  let sent = 0;
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Op>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const url = op.parameters.filter((p) => p.in === 'path')
        .reduce((u, p) => u.replace(`{${p.name}}`, encodeURIComponent(String(p.example))), path);
      const body = op.requestBody?.content['application/json'].example;

      const res = await api.call(method.toUpperCase(), url, { body });

      sent += 1;
      t.not(res.status, 400, `${method.toUpperCase()} ${url}: ${JSON.stringify(res.body).slice(0, 300)}`);
      t.true(res.status < 500, `${method.toUpperCase()} ${url} answered ${res.status}`);
    }
  }
  t.true(sent > 10);
});

test('the interactive reference is served without a key and loads nothing from the internet', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();

  const page = await api.call('GET', '/docs/', { key: null });
  const script = await api.call('GET', '/docs/docs.js', { key: null });

  t.is(page.status, 200);
  t.regex(page.body, /<script src="docs\.js"/);
  t.is(script.status, 200);
  for (const file of ['api/docs/index.html', 'api/docs/docs.js', 'api/backoffice/index.html', 'api/backoffice/app.js', 'api/backoffice/style.css']) {
    t.notRegex(fs.readFileSync(file, 'utf8'), /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, `${file} names no outside address`);
  }
});
