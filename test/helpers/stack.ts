import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';

import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, NativeConnection, Runtime, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import pino from 'pino';

import type { ActivityDeps } from '../../activities/index.ts';
import { createApp } from '../../api/app.ts';
import { loadConfig, type Config } from '../../db/config.ts';
import { Ledger } from '../../db/ledger.ts';
import { dropDatabase, ensureDatabase } from '../../db/database.ts';
import { migrate, openOrm, type Orm } from '../../db/orm.ts';
import { createDeps } from '../../worker/deps.ts';
import { createWorker, defaultWorkflowsPath } from '../../worker/worker.ts';

// What every integration test stands on: the run's real database and Temporal servers (started
// by test/harness/run.ts), a worker built by the production factory on a task queue of the
// test's own, and the Express app on a free port. Ids are unique per test so files run side by side.

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with "npm test"`);
  return v;
};

Runtime.install({ logger: new DefaultLogger('WARN') });

export const uid = (prefix = 't') => `${prefix}${randomBytes(5).toString('hex')}`;

let orm: Promise<Orm> | undefined;
/** one ORM per test process, on the run's database */
export function testOrm(): Promise<Orm> {
  orm ??= openOrm(env('SPAREFLOW_TEST_DATABASE_URL'), 10);
  return orm;
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();
function bundle(workflowsPath: string) {
  if (!bundles.has(workflowsPath)) bundles.set(workflowsPath, bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') }));
  return bundles.get(workflowsPath)!;
}

export const ADMIN_KEY = 'sf_test_admin_key_0123456789';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), databaseUrl: env('SPAREFLOW_TEST_DATABASE_URL'), adminKey: ADMIN_KEY, logLevel: 'warn', taskQueue: uid('tq-'), ...overrides };
}

export interface Stack {
  orm: Orm;
  config: Config;
  client: Client;
  ledger: Ledger;
  /** the time-skipping environment, when the stack was made with timeSkipping */
  testEnv?: TestWorkflowEnvironment;
  /** starts a worker on the stack's task queue; stop it with the returned function */
  startWorker(o?: { workflowsPath?: string; extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>; deps?: Partial<ActivityDeps> }): Promise<() => Promise<void>>;
  /** the API on a free port */
  api(o?: { log?: pino.Logger }): Promise<Api>;
  close(): Promise<void>;
}

export interface Api {
  url: string;
  call(method: string, path: string, o?: { key?: string | null; body?: unknown; headers?: Record<string, string> }):
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads whatever field it checks
    Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * A database of the test's own, migrated, dropped when the returned function is called: for a
 * test that compares the whole database before and after, which other test files would disturb.
 */
export async function privateDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = env('SPAREFLOW_TEST_PG_ADMIN_URL');
  const name = `spareflow_private_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(admin, name);
  const url = Object.assign(new URL(admin), { pathname: `/${name}` }).toString();
  const orm = await openOrm(url, 2);
  await migrate(orm);
  await orm.close();
  return { url, drop: () => dropDatabase(admin, name) };
}

export async function testStack(o: { timeSkipping?: boolean; config?: Partial<Config>; databaseUrl?: string } = {}): Promise<Stack> {
  const config = testConfig(o.config);
  const own = o.databaseUrl ? await openOrm(o.databaseUrl, 10) : undefined;
  const db = own ?? await testOrm();
  const ledger = new Ledger({ timeZone: config.ledgerTimeZone });
  let testEnv: TestWorkflowEnvironment | undefined;
  const started = new Set<string>();
  let client: Client;
  let workerConnection: NativeConnection;
  if (o.timeSkipping) {
    // connect the SDK's time-skipping client to the run's shared test server
    const create = (TestWorkflowEnvironment as unknown as { create(o: unknown): Promise<TestWorkflowEnvironment> }).create.bind(TestWorkflowEnvironment);
    // every workflow this stack starts is recorded and terminated at close: one left open with
    // no worker would hold a workflow task pending, and that stops the shared server's clock
    const recorder = {
      async startWithDetails(input: { options: { workflowId: string } }, next: (i: never) => Promise<unknown>) {
        started.add(input.options.workflowId);
        return next(input as never);
      },
      async signalWithStart(input: { options: { workflowId: string } }, next: (i: never) => Promise<string>) {
        started.add(input.options.workflowId);
        return next(input as never);
      },
    };
    testEnv = await create({
      server: { type: 'existing' }, supportsTimeSkipping: true, address: env('SPAREFLOW_TEST_TIMESKIP'), namespace: 'default',
      client: { interceptors: { workflow: [recorder] } },
    });
    client = testEnv.client;
    workerConnection = testEnv.nativeConnection;
  } else {
    const connection = await Connection.connect({ address: env('SPAREFLOW_TEST_TEMPORAL') });
    client = new Client({ connection, namespace: 'default' });
    workerConnection = await NativeConnection.connect({ address: env('SPAREFLOW_TEST_TEMPORAL') });
  }
  const cleanups: (() => Promise<void>)[] = [];

  const stack: Stack = {
    orm: db, config, client, ledger, testEnv,
    async startWorker(w = {}) {
      const deps = createDeps(db, config, client, { log: pino({ level: 'warn' }), ...w.deps });
      const worker = await createWorker({
        connection: workerConnection, namespace: 'default', taskQueue: config.taskQueue, deps,
        workflowBundle: await bundle(w.workflowsPath ?? defaultWorkflowsPath()), extraActivities: w.extraActivities,
      });
      const running = worker.run();
      const stop = async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      };
      cleanups.push(stop);
      return stop;
    },
    async api(a = {}) {
      const app = createApp({ orm: db, temporal: client, config, ledger, log: a.log ?? pino({ level: 'silent' }) });
      const server = await new Promise<import('node:http').Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const close = () => new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      cleanups.push(close);
      return {
        url,
        close,
        async call(method, path, c = {}) {
          const headers: Record<string, string> = { ...c.headers };
          const key = c.key === undefined ? ADMIN_KEY : c.key;
          if (key) headers.authorization = `Bearer ${key}`;
          if (c.body !== undefined) headers['content-type'] = 'application/json';
          const res = await fetch(url + path, { method, headers, body: c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body) });
          const textBody = await res.text();
          let body: unknown = textBody;
          try { body = JSON.parse(textBody); } catch { /* not JSON */ }
          return { status: res.status, body, headers: res.headers };
        },
      };
    },
    async close() {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
      if (own) await own.close();
      for (const id of started) {
        await client.workflow.getHandle(id).terminate('the test is over').catch(() => undefined);
      }
      if (testEnv) await testEnv.teardown();
      else {
        await client.connection.close();
        await workerConnection.close();
      }
    },
  };
  return stack;
}

/** polls until check returns a value other than undefined, or fails after timeoutMs */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
