import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { loadConfig } from '../db/config.ts';
import { openDatabase } from '../db/database.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { temporalBinaries } from './binaries.ts';
import { startTemporalDevServer, stopChild, temporalAnswers } from './services.ts';

// What `npm start` runs after setup: the Temporal dev server (persisting to SQLite under the
// data folder, web UI on), the database (given, local or embedded) with its migrations, then
// the worker and the API as child processes. A child that dies is started again; Ctrl-C or
// SIGTERM stops everything in order: API, worker, Temporal, database.

const config = loadConfig();
const dataDir = path.resolve(config.dataDir);
fs.mkdirSync(dataDir, { recursive: true });
const say = (msg: string) => console.log(`[spareflow] ${msg}`);

let adminKey = config.adminKey;
if (!adminKey) {
  const keyFile = path.join(dataDir, 'admin-key');
  if (!fs.existsSync(keyFile)) fs.writeFileSync(keyFile, `sf_admin_${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  adminKey = fs.readFileSync(keyFile, 'utf8').trim();
  say(`no SPAREFLOW_ADMIN_KEY given: using the key kept in ${keyFile}`);
}

let temporal: ChildProcess | undefined;
if (await temporalAnswers(config.temporalAddress)) {
  say(`using the Temporal server already at ${config.temporalAddress}`);
} else {
  const [, port] = config.temporalAddress.split(':');
  const uiPort = Number(new URL(config.temporalUiUrl).port || 8233);
  say('starting the Temporal dev server');
  temporal = await startTemporalDevServer({
    cli: temporalBinaries().cli, port: Number(port), uiPort, dbFile: path.join(dataDir, 'temporal.sqlite'), log: 'inherit',
  });
}

const db = await openDatabase(config, say);
const orm = await openOrm(db.url, 2);
const applied = await migrate(orm);
await orm.close();
say(applied.length ? `applied migrations ${applied.join(', ')}` : 'database schema is up to date');

const env = { ...process.env, DATABASE_URL: db.url, SPAREFLOW_ADMIN_KEY: adminKey };
const children = new Map<string, ChildProcess>();
let stopping = false;

function run(name: 'worker' | 'api') {
  const child = spawn(process.execPath, ['--import', 'tsx', `${name}/main.ts`], { env, stdio: 'inherit' });
  children.set(name, child);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    say(`${name} exited (${signal ?? code}); starting it again`);
    setTimeout(() => run(name), 1000);
  });
}

run('worker');
run('api');
say(`API          http://${config.host}:${config.port}  (health: /health)`);
if (temporal) say(`Temporal UI  ${config.temporalUiUrl}`);
say(`Temporal     ${config.temporalAddress}, task queue ${config.taskQueue}`);
say(`database     ${db.kind} ${db.url.replace(/\/\/[^@]*@/, '//')}`);

async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping`);
  await stopChild(children.get('api'));
  await stopChild(children.get('worker'));
  await stopChild(temporal);
  await db.stop();
  say('stopped');
  process.exit(0);
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
