import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { Client, Connection } from '@temporalio/client';
import pg from 'pg';

import { dropDatabase, ensureDatabase } from '../db/database.ts';
import { Ledger } from '../db/ledger.ts';
import { migrate, openOrm } from '../db/orm.ts';
import { temporalBinaries } from '../scripts/binaries.ts';
import { freePort, startTemporalDevServer, stopChild, waitFor } from '../scripts/services.ts';
import { processId } from '../workflows/ids.ts';
import { runOrders, type RunResult } from './drive.ts';
import { floorOrder, seedDirect } from './floor.ts';
import { DEALERS, httpOrder, seedThroughApi, type HttpKeys } from './http-orders.ts';
import { backendsOf, fixedPid, ProcGroup, sampleEvery, type GroupFigures } from './proc.ts';
import { toMarkdown, type LevelRecord } from './report.ts';

// `npm run bench`: complete dealer orders through spareflow's HTTP API at concurrency 1, 8, 32
// and 64, against the floor (the same transactions straight to PostgreSQL from this process) and
// a DBOS peer (the same order lifecycle as DBOS workflows behind the same routes), in one run.
// Brings up its own stack on free loopback ports (Temporal dev server in memory, worker and API
// as child processes, fresh databases on the PostgreSQL at 127.0.0.1:5432, dropped at the end),
// or drives a running API given with --api. `--soak [--minutes 10]`: concurrency 32 for that
// long, with the RSS of the API and the worker at the start and the end.
//
// Options (or env): --levels 1,8,32,64 (BENCH_LEVELS), --count N orders per level (BENCH_COUNT;
// default max(40, 10 × C)), --only spareflow,floor,peer, --max-seconds per level (default 600).

const { values: opt } = parseArgs({
  options: {
    api: { type: 'string' },
    'admin-key': { type: 'string' },
    levels: { type: 'string', default: process.env.BENCH_LEVELS ?? '1,8,32,64' },
    count: { type: 'string', default: process.env.BENCH_COUNT },
    only: { type: 'string', default: 'floor,spareflow,peer' },
    'max-seconds': { type: 'string', default: '600' },
    soak: { type: 'boolean', default: false },
    minutes: { type: 'string', default: '10' },
    out: { type: 'string', default: 'bench/results' },
    // a dynamic config value of the Temporal dev server, name=value; repeatable; replaces the
    // default, eager activity dispatch: the server hands the worker the activity that a workflow
    // task has just scheduled in its answer, saving a poll per step (the server's default is off)
    'temporal-config': { type: 'string', multiple: true, default: ['system.enableActivityEagerExecution=true'] },
    /** an environment variable of the API and the worker, NAME=value; repeatable */
    'stack-env': { type: 'string', multiple: true, default: [] },
    /** a directory for CPU profiles of the API and the worker */
    profile: { type: 'string' },
  },
});

const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const tag = Date.now().toString(36);
const levels = opt.levels.split(',').map(Number);
const countFor = (c: number) => (opt.count ? Number(opt.count) : Math.max(40, 10 * c));
const maxSeconds = Number(opt['max-seconds']);
const only = new Set(opt.only.split(','));
const dbName = (suffix: string) => `spareflow_bench_${tag}${suffix}`;
const urlOf = (name: string) => Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();
/** PostgreSQL publishes an idle backend's counters within 10 s (PGSTAT_IDLE_INTERVAL in 15) */
const STATS_SETTLE_MS = 11_000;
const startedAt = new Date();
const stamp = startedAt.toISOString().slice(0, 16).replace(':', '');
fs.mkdirSync(opt.out, { recursive: true });
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spareflow-bench-'));

const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
const created: string[] = [];
const done: LevelRecord[] = [];
const children: ChildProcess[] = [];

function child(name: string, script: string, env: Record<string, string>): ChildProcess {
  const log = fs.openSync(path.join(logDir, `${name}.log`), 'a');
  // node refuses --cpu-prof in NODE_OPTIONS, so it goes on the command line; a directory per
  // process, since each of its threads (the loader's, the workflows') writes a profile of its own
  const profile = opt.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opt.profile, name)}`] : [];
  const c = spawn(process.execPath, [...profile, '--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  children.push(c);
  return c;
}

function countInLog(name: string, text: string): number {
  const file = path.join(logDir, `${name}.log`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split(text).length - 1 : 0;
}

async function database(suffix: string): Promise<string> {
  const name = dbName(suffix);
  await ensureDatabase(ADMIN_URL, name);
  created.push(name);
  return name;
}

async function commits(names: string[]): Promise<number> {
  const r = await admin.query('select coalesce(sum(xact_commit + xact_rollback), 0)::bigint as n from pg_stat_database where datname = any($1)', [names]);
  return Number(r.rows[0].n);
}

const answers = (url: string) => async () => {
  try {
    return (await fetch(url)).status < 500;
  } catch {
    return false;
  }
};

/** one level: resources sampled throughout, transactions counted once the server has published them */
async function measure(system: string, concurrency: number, groups: ProcGroup[], databases: string[], run: () => Promise<RunResult>) {
  const takenAt = new Date().toISOString();
  const load = os.loadavg()[0]!;
  for (const g of groups) await g.begin();
  const before = await commits(databases);
  const sampler = sampleEvery(groups);
  const result = await run();
  await sampler.stop();
  await sleep(STATS_SETTLE_MS);
  const xacts = (await commits(databases)) - before;
  const resources: Record<string, GroupFigures> = {};
  for (const g of groups) resources[g.name] = g.figures();
  const record: LevelRecord = {
    system, takenAt, loadAverage1m: +load.toFixed(2), ...result,
    transactionsPerOrder: result.completed ? +(xacts / result.completed).toFixed(1) : null, historyEventsPerOrder: null, resources,
  };
  done.push(record);
  // so that an interrupted run keeps what it measured
  fs.writeFileSync(path.join(opt.out, `${stamp}.json.tmp`), JSON.stringify(done, null, 1));
  console.log(JSON.stringify({ system, concurrency, ordersPerSecond: result.ordersPerSecond, completed: result.completed, errors: result.errors.length, order: result.latencyMs.order }));
  for (const e of result.errors.slice(0, 10)) console.log(`  error: order ${e.order} at ${e.step}: ${e.message}`);
  return record;
}

function selfGroup(name: string) {
  return new ProcGroup(name, fixedPid(process.pid));
}

// ---- floor ------------------------------------------------------------------------------------

async function floor(): Promise<LevelRecord[]> {
  const name = await database('_floor');
  const orm = await openOrm(urlOf(name), 20);
  const ledger = new Ledger({ timeZone: 'Asia/Shanghai' });
  const out: LevelRecord[] = [];
  try {
    await migrate(orm);
    await seedDirect(orm, ledger, 1_000_000);
    for (const c of levels) {
      const groups = [selfGroup('floor process'), new ProcGroup('postgres', backendsOf(admin, [name]), 'private')];
      out.push(await measure('floor', c, groups, [name], () => runOrders(c, countFor(c), maxSeconds, floorOrder(orm, ledger, `${tag}-c${c}`))));
    }
  } finally {
    await orm.close();
  }
  return out;
}

// ---- spareflow ------------------------------------------------------------------------------

interface Stack { base: string; keys: HttpKeys; groups: () => ProcGroup[]; databases: string[]; temporal: Client | null; stop(): Promise<void> }

async function spareflowStack(): Promise<Stack> {
  if (opt.api) {
    const keyArg = opt['admin-key'] ?? process.env.SPAREFLOW_ADMIN_KEY;
    if (!keyArg) throw new Error('--api needs --admin-key or SPAREFLOW_ADMIN_KEY');
    const keys = await seedThroughApi(opt.api, keyArg, 1_000_000);
    // a stack not started here: no pids to read, no database to count
    return { base: opt.api, keys, groups: () => [], databases: [], temporal: null, stop: async () => undefined };
  }
  const name = await database('');
  const orm = await openOrm(urlOf(name), 2);
  await migrate(orm);
  await orm.close();

  const temporalPort = await freePort();
  const dynamicConfig = Object.fromEntries(opt['temporal-config'].map((kv) => {
    const [k, v] = kv.split('=') as [string, string];
    return [k, v === 'true' ? true : v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v)];
  }));
  const temporalServer = await startTemporalDevServer({ cli: temporalBinaries().cli, port: temporalPort, headless: true, dynamicConfig });
  children.push(temporalServer);
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const apiPort = await freePort();
  const adminKey = randomBytes(24).toString('base64url');
  const env = {
    DATABASE_URL: urlOf(name), TEMPORAL_ADDRESS: temporalAddress, PORT: String(apiPort), SPAREFLOW_ADMIN_KEY: adminKey,
    RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn', TEMPORAL_TASK_QUEUE: `bench-${tag}`,
    ...Object.fromEntries(opt['stack-env'].map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
  };
  const worker = child('worker', 'worker/main.ts', env);
  const api = child('api', 'api/main.ts', env);
  const base = `http://127.0.0.1:${apiPort}`;
  await waitFor('the API', answers(`${base}/health`), 90_000, api);
  const keys = await seedThroughApi(base, adminKey, 1_000_000);
  const connection = await Connection.connect({ address: temporalAddress });
  return {
    base, keys, databases: [name], temporal: new Client({ connection }),
    groups: () => [
      new ProcGroup('api', fixedPid(api.pid)), new ProcGroup('worker', fixedPid(worker.pid)),
      new ProcGroup('temporal', fixedPid(temporalServer.pid)), new ProcGroup('postgres', backendsOf(admin, [name]), 'private'),
    ],
    async stop() {
      await connection.close();
      await Promise.all([stopChild(api), stopChild(worker)]);
      await stopChild(temporalServer);
    },
  };
}

/** the history length of a few of the level's completed orders */
async function historyPerOrder(temporal: Client, orderNos: string[]): Promise<number | null> {
  const lengths: number[] = [];
  for (const orderNo of orderNos) {
    const [dealerId, no] = orderNo.split('|') as [string, string];
    const d = await temporal.workflow.getHandle(processId('dealer-order', dealerId, no)).describe().catch(() => null);
    if (d?.status.name === 'COMPLETED') lengths.push(d.historyLength);
  }
  return lengths.length ? Math.round(lengths.reduce((a, b) => a + b, 0) / lengths.length) : null;
}

const sampleOrders = (levelTag: string, completed: number) =>
  [0, 1, 2, 3, 4].filter((i) => i < completed).map((i) => `${DEALERS[i % DEALERS.length]}|PO-${levelTag}-${i}`);

async function spareflow(): Promise<LevelRecord[]> {
  const stack = await spareflowStack();
  const out: LevelRecord[] = [];
  try {
    for (const c of levels) {
      const levelTag = `${tag}-c${c}`;
      const record = await measure('spareflow', c, stack.groups(), stack.databases,
        () => runOrders(c, countFor(c), maxSeconds, httpOrder(stack, levelTag)));
      if (stack.temporal) {
        record.historyEventsPerOrder = await historyPerOrder(stack.temporal, sampleOrders(levelTag, record.completed));
        // every shipment signals its dealer's account process (activities/receivables.ts)
        const account = await stack.temporal.workflow.getHandle(processId('dealer-account', DEALERS[0]!)).describe().catch(() => null);
        record.observed = {
          dealerAccountHistoryLength: account?.historyLength ?? 0,
          workerFailedActivationsSoFar: countInLog('worker', 'Failed to process Workflow Activation'),
        };
      }
      out.push(record);
    }
  } finally {
    await stack.stop();
  }
  return out;
}

// ---- DBOS peer ---------------------------------------------------------------------------------

async function peer(): Promise<LevelRecord[]> {
  const app = await database('_peer');
  const system = await database('_peer_sys');
  const orm = await openOrm(urlOf(app), 2);
  await migrate(orm);
  await seedDirect(orm, new Ledger({ timeZone: 'Asia/Shanghai' }), 1_000_000);
  await orm.close();

  const port = await freePort();
  const server = child('peer', 'bench/dbos-peer.ts', { DATABASE_URL: urlOf(app), DBOS_SYSTEM_DATABASE_URL: urlOf(system), PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  await waitFor('the DBOS peer', answers(`${base}/dealer-orders/none`), 90_000, server);
  // the peer checks no keys; the client sends them all the same
  const keys: HttpKeys = { dealer: new Map(DEALERS.map((d) => [d, 'peer-dealer'])), warehouse: 'peer-key', dispatcher: 'peer-key', backOffice: 'peer-key' };
  const out: LevelRecord[] = [];
  try {
    for (const c of levels) {
      const groups = [new ProcGroup('peer app', fixedPid(server.pid)), new ProcGroup('postgres', backendsOf(admin, [app, system]), 'private')];
      out.push(await measure('dbos peer', c, groups, [app, system], () => runOrders(c, countFor(c), maxSeconds, httpOrder({ base, keys }, `${tag}-c${c}`))));
    }
  } finally {
    await stopChild(server);
  }
  return out;
}

// ---- soak -------------------------------------------------------------------------------------

async function soak(minutes: number) {
  const stack = await spareflowStack();
  const [api, worker] = stack.groups();
  if (!api || !worker) throw new Error('the soak reads the RSS of the API and the worker: run it on a stack it starts (no --api)');
  const rss = () => ({ api: api.figures().rssEndMiB, worker: worker.figures().rssEndMiB });
  const series: { atSeconds: number; api: number; worker: number }[] = [];
  const t0 = Date.now();
  await api.begin();
  await worker.begin();
  const sampler = sampleEvery([api, worker], 1000);
  const ticker = setInterval(() => series.push({ atSeconds: Math.round((Date.now() - t0) / 1000), ...rss() }), 5_000);
  let result: RunResult;
  try {
    result = await runOrders(32, 1_000_000, minutes * 60, httpOrder(stack, `${tag}-soak`));
  } finally {
    clearInterval(ticker);
    await sampler.stop();
    await stack.stop();
  }
  // the first 30 s warm the JIT, the caches and the pools; growth is counted from there. A heap's
  // RSS saws up and down with each collection, so one sample against another says little: the
  // verdict compares the median of the first third of the samples after warm-up with the median
  // of the last third (the start and end samples are reported too)
  const warm = series.find((s) => s.atSeconds >= 30) ?? series[0]!;
  const end = rss();
  const after = series.filter((s) => s.atSeconds >= 30);
  const third = Math.max(1, Math.floor(after.length / 3));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const thirds = (k: 'api' | 'worker') => ({ first: median(after.slice(0, third).map((s) => s[k])), last: median(after.slice(-third).map((s) => s[k])) });
  const medians = { api: thirds('api'), worker: thirds('worker') };
  const grew = (m: { first: number; last: number }) => +((m.last / m.first - 1) * 100).toFixed(1);
  const growth = { api: grew(medians.api), worker: grew(medians.worker) };
  const verdict = growth.api < 10 && growth.worker < 10 ? 'flat (growth under 10%)' : 'GROWING (10% or more)';
  const summary = { minutes, concurrency: 32, completed: result.completed, ordersPerSecond: result.ordersPerSecond, errors: result.errors.length,
    rssMiB: { start: series[0], warm, end, medianOfFirstThird: { api: medians.api.first, worker: medians.worker.first }, medianOfLastThird: { api: medians.api.last, worker: medians.worker.last } },
    growthPercent: growth, verdict, series, order: result.latencyMs.order };
  console.log(JSON.stringify(summary, null, 1));
  for (const e of result.errors.slice(0, 10)) console.log(`  error: order ${e.order} at ${e.step}: ${e.message}`);
  console.log(`soak ${minutes} min at concurrency 32, median RSS of the first third after warm-up → the last third: API ${medians.api.first} → ${medians.api.last} MiB (${growth.api}%), `
    + `worker ${medians.worker.first} → ${medians.worker.last} MiB (${growth.worker}%): ${verdict}; samples at 30 s and at the end: API ${warm.api} → ${end.api}, worker ${warm.worker} → ${end.worker}`);
  return summary;
}

// ---- run ----------------------------------------------------------------------------------------

const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${os.type()} ${os.release()}` };
try {
  if (opt.soak) {
    const summary = await soak(Number(opt.minutes));
    fs.writeFileSync(path.join(opt.out, `${stamp}-soak.json`), JSON.stringify({ startedAt, machine, soak: summary }, null, 1));
  } else {
    const records: LevelRecord[] = [];
    if (only.has('floor')) records.push(...await floor());
    if (only.has('spareflow')) records.push(...await spareflow());
    if (only.has('peer')) records.push(...await peer());
    const finishedAt = new Date();
    const settings = { temporalConfig: opt['temporal-config'], stackEnv: opt['stack-env'] };
    const md = toMarkdown({ startedAt, finishedAt, machine, records, settings });
    fs.writeFileSync(path.join(opt.out, `${stamp}.json`), JSON.stringify({ startedAt, finishedAt, machine, settings, levels, records }, null, 1));
    fs.writeFileSync(path.join(opt.out, `${stamp}.md`), md);
    fs.rmSync(path.join(opt.out, `${stamp}.json.tmp`), { force: true });
    console.log(`\n${md}\nwritten to ${opt.out}/${stamp}.json and .md`);
  }
} finally {
  for (const c of children) await stopChild(c, 'SIGTERM', 10_000);
  await admin.end();
  for (const name of created) await dropDatabase(ADMIN_URL, name).catch((err: Error) => console.error(`could not drop ${name}: ${err.message}`));
  console.log(`child logs in ${logDir}`);
}
