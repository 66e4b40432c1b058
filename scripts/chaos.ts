import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { Client, Connection } from '@temporalio/client';

import { checkLedger } from '../db/ledger-check.ts';
import { openOrm } from '../db/orm.ts';
import type { LoggedRequest } from '../replay/client.ts';
import type { ReportBody } from '../replay/report.ts';
import { startOwnStack, type OwnStack } from './stack.ts';

// `npm run chaos`: the replay's load twice over the same input, on two stacks of their own.
// The first run has no faults; during the second the worker is SIGKILLed several times,
// PostgreSQL is restarted once and the Temporal server once, at random moments (from --seed).
// Then it compares the two runs: the final state of every process (in the database, in Temporal
// and as the replay last saw it through the API), the journals (counts per step and the very
// idempotency keys), the ledger check; that every write the API accepted (2xx) has its effect
// at the end; and that every 5xx or dropped connection of the faulted run fell inside an outage
// window recorded here (from the moment a dependency is stopped until the API's /health answers
// 200 again, plus --grace seconds). It prints these figures and exits 1 when any of them fails.

const { values: args } = parseArgs({
  options: {
    limit: { type: 'string', default: '300' },
    'claims-limit': { type: 'string', default: '100' },
    kills: { type: 'string', default: '3' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    grace: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const say = (m: string) => console.log(`[chaos] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const graceMs = Number(args.grace) * 1000;

// mulberry32: a small PRNG, so a seed gives the same fault schedule again
let state = Number(args.seed) >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};

interface Facts {
  /** process id → status, from the process table */
  processes: Record<string, string>;
  states: Record<string, number>;
  journals: { money: number; stock: number; keysMoney: number; keysStock: number };
  /** journal count per kind and step */
  steps: Record<string, number>;
  /** every idempotency key of both journals, sorted */
  keys: string[];
  documents: Record<string, number | string>;
  /** Temporal's workflow ids per type and the execution status of their latest run */
  workflows: Record<string, number>;
  ledgerProblems: number;
}

async function facts(stack: OwnStack): Promise<Facts> {
  const orm = await openOrm(stack.databaseUrl, 2);
  const connection = await Connection.connect({ address: stack.temporalAddress });
  try {
    const em = orm.em.fork();
    const procs = await em.execute(`select id, type, status from process order by id`);
    const [j] = await em.execute(`select (select count(*) from money_journal)::int as money, (select count(*) from stock_journal)::int as stock,
      (select count(distinct idempotency_key) from money_journal)::int as keys_money, (select count(distinct idempotency_key) from stock_journal)::int as keys_stock`);
    const steps = await em.execute(`select 'money/' || step as k, count(*)::int as n from money_journal group by 1
      union all select 'stock/' || step || '/' || reason, count(*)::int from stock_journal group by 1 order by 1`);
    const keys = await em.execute(`select 'money ' || idempotency_key as k from money_journal union all select 'stock ' || idempotency_key from stock_journal order by 1`);
    const [d] = await em.execute(`select (select count(*) from shipment)::int as shipments, (select count(*) from invoice)::int as invoices,
      (select coalesce(sum(amount_minor), 0)::text from invoice) as invoiced_minor, (select coalesce(sum(paid_minor), 0)::text from invoice) as paid_minor,
      (select count(*) from picking_list)::int as picking_lists, (select count(*) from reservation)::int as reservations,
      (select coalesce(sum(on_hand), 0)::int from stock_balance b join location l on l.code = b.location where l.physical) as on_hand`);
    // one entry per workflow id, in the status of its latest run: how many runs an id has is
    // timing (a dealer account ends when nothing is left to climb and the next invoice starts it again)
    const latest = new Map<string, { type: string; status: string; startedAt: number }>();
    const client = new Client({ connection, namespace: 'default' });
    for await (const w of client.workflow.list({ query: 'ExecutionStatus != "ContinuedAsNew"' })) {
      const seen = latest.get(w.workflowId);
      if (!seen || w.startTime.getTime() > seen.startedAt) latest.set(w.workflowId, { type: w.type, status: w.status.name, startedAt: w.startTime.getTime() });
    }
    const workflows: Record<string, number> = {};
    for (const w of latest.values()) workflows[`${w.type}/${w.status}`] = (workflows[`${w.type}/${w.status}`] ?? 0) + 1;
    const states: Record<string, number> = {};
    for (const p of procs) states[`${p.type}/${p.status}`] = (states[`${p.type}/${p.status}`] ?? 0) + 1;
    return {
      processes: Object.fromEntries(procs.map((p) => [String(p.id), String(p.status)])),
      states,
      journals: { money: Number(j!.money), stock: Number(j!.stock), keysMoney: Number(j!.keys_money), keysStock: Number(j!.keys_stock) },
      steps: Object.fromEntries(steps.map((s) => [String(s.k), Number(s.n)])),
      keys: keys.map((k) => String(k.k)),
      documents: Object.fromEntries(Object.entries(d!).map(([k, v]) => [k, typeof v === 'number' ? v : String(v)])),
      workflows: Object.fromEntries(Object.entries(workflows).sort()),
      ledgerProblems: (await checkLedger(em)).length,
    };
  } finally {
    await connection.close();
    await orm.close();
  }
}

interface Run { code: number; began: number; ended: number; seconds: number; requests: LoggedRequest[]; report: ReportBody | null }

/** the replay against a stack; its output and its request log go to `dir` */
function replay(stack: OwnStack, dir: string): Promise<Run> {
  const began = Date.now();
  const requestLog = path.join(dir, 'requests.jsonl');
  const out = fs.openSync(path.join(dir, 'replay.log'), 'a');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'replay/main.ts', '--api', stack.apiUrl, '--key', stack.adminKey,
      '--limit', args.limit!, '--claims-limit', args['claims-limit']!, '--out', path.join(dir, 'report')], {
      env: { ...process.env, REPLAY_REQUEST_LOG: requestLog }, stdio: ['ignore', out, out],
    });
    child.once('exit', (code) => {
      fs.closeSync(out);
      const ended = Date.now();
      const requests = fs.existsSync(requestLog)
        ? fs.readFileSync(requestLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LoggedRequest) : [];
      const reportDir = path.join(dir, 'report');
      const file = fs.existsSync(reportDir) ? fs.readdirSync(reportDir).find((f) => /^report-.*\.json$/.test(f)) : undefined;
      const report = file ? JSON.parse(fs.readFileSync(path.join(reportDir, file), 'utf8')) as ReportBody : null;
      resolve({ code: code ?? 1, began, ended, seconds: (ended - began) / 1000, requests, report });
    });
  });
}

const sameFacts = (a: Facts, b: Facts) => JSON.stringify(a) === JSON.stringify(b);

async function settle(stack: OwnStack, reference: Facts | null): Promise<Facts> {
  // timers and retries may still be finishing the last steps: wait until nothing moves for a
  // while, and (for the faulted run) give it up to two minutes more to reach the reference
  let last = await facts(stack);
  const until = Date.now() + 120_000;
  for (let still = 0; Date.now() < until;) {
    await sleep(2000);
    const now = await facts(stack);
    still = sameFacts(now, last) ? still + 1 : 0;
    last = now;
    if (still >= 2 && (!reference || JSON.stringify(now.processes) === JSON.stringify(reference.processes))) break;
  }
  return last;
}

async function healthy(stack: OwnStack, timeoutMs = 180_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const res = await fetch(`${stack.apiUrl}/health`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
    if (res?.status === 200) return Date.now();
    await sleep(250);
  }
  throw new Error(`the API did not answer healthy within ${timeoutMs / 1000} s`);
}

/** differences between two maps, at most `max` of them */
function diff(a: Record<string, unknown>, b: Record<string, unknown>, max = 20): string[] {
  const out: string[] = [];
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) out.push(`${k}: ${JSON.stringify(a[k] ?? null)} → ${JSON.stringify(b[k] ?? null)}`);
  }
  return out.length > max ? [...out.slice(0, max), `… ${out.length - max} more`] : out;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spareflow-chaos-'));
// mkdtemp makes it 0700; as root, the embedded PostgreSQL runs as the `postgres` user and must reach its directory below
fs.chmodSync(root, 0o755);
say(`working in ${root}; seed ${args.seed}`);
const wallBegan = Date.now();

// a crash or ^C must not leave a stack running
const live = new Set<OwnStack>();
const stopLive = async () => { for (const s of live) await s.stop().catch(() => undefined); live.clear(); };
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopLive().then(() => process.exit(130)));
process.once('uncaughtException', (err) => { console.error(err); void stopLive().then(() => process.exit(2)); });
process.once('unhandledRejection', (err) => { console.error(err); void stopLive().then(() => process.exit(2)); });
const started = async (name: string) => { const s = await startOwnStack(path.join(root, name), { log: say }); live.add(s); return s; };

say('fault-free run');
const clean = await started('clean');
const cleanRun = await replay(clean, path.join(root, 'clean'));
const cleanFacts = await settle(clean, null);
const cleanExits = clean.unexpectedExits();
await clean.stop();
live.delete(clean);
say(`fault-free: replay exit ${cleanRun.code} in ${cleanRun.seconds.toFixed(0)} s; ${JSON.stringify(cleanFacts.journals)}`);

say('run with faults');
const faulty = await started('faulty');
const windows: { what: string; from: number; back: number; to: number }[] = [];
const injected: { what: string; atSeconds: number; downSeconds?: number; duringLoad: boolean }[] = [];
const horizon = Math.max(20, cleanRun.seconds) * 1000;
const faults = [
  ...Array.from({ length: Number(args.kills) }, () => ({ what: 'worker', at: (0.1 + 0.7 * random()) * horizon })),
  { what: 'postgres', at: (0.2 + 0.5 * random()) * horizon },
  { what: 'temporal', at: (0.2 + 0.5 * random()) * horizon },
].sort((a, b) => a.at - b.at);
let loadEnded: number | null = null;
const load = replay(faulty, path.join(root, 'faulty')).then((r) => { loadEnded = r.ended; return r; });
const began = Date.now();
for (const f of faults) {
  const wait = began + f.at - Date.now();
  if (wait > 0) await sleep(wait);
  const from = Date.now();
  say(`fault at ${((from - began) / 1000).toFixed(1)} s: ${f.what}${loadEnded ? ' (after the load ended)' : ''}`);
  if (f.what === 'worker') {
    await faulty.killWorker();
    injected.push({ what: f.what, atSeconds: +((from - began) / 1000).toFixed(1), duringLoad: loadEnded === null });
    continue;
  }
  if (f.what === 'postgres') await faulty.restartPostgres();
  else await faulty.restartTemporal();
  // down from the moment it is stopped until the API says both dependencies answer again
  const back = await healthy(faulty);
  windows.push({ what: f.what, from, back, to: back + graceMs });
  injected.push({ what: f.what, atSeconds: +((from - began) / 1000).toFixed(1), downSeconds: +((back - from) / 1000).toFixed(1), duringLoad: loadEnded === null || from < loadEnded });
  say(`${f.what} back after ${((back - from) / 1000).toFixed(1)} s`);
}
const faultyRun = await load;
const faultyFacts = await settle(faulty, cleanFacts);
const faultyExits = faulty.unexpectedExits();
await faulty.stop();
live.delete(faulty);

// --- the checks ---
const failed = (r: LoggedRequest) => r.error !== undefined || (r.status ?? 0) >= 500 || r.status === 429;
const inWindow = (r: LoggedRequest) => windows.some((w) => r.sent <= w.to && r.answered >= w.from);
const errorsOf = (run: Run) => run.requests.filter(failed);
const faultyErrors = errorsOf(faultyRun);
const outside = faultyErrors.filter((r) => !inWindow(r));

// accepted writes: every 2xx to a write. A POST that answers an id started or moved that process:
// it must be in the database at the end. (PUTs of master data answer their own keys. Shipments and
// payments answer no process id: they are counted by the replay's outcomes and the documents.)
const accepted = (run: Run) => run.requests.filter((r) => r.method !== 'GET' && r.status !== undefined && r.status >= 200 && r.status < 300);
const lostOf = (run: Run, f: Facts) => [...new Set(accepted(run).filter((r) => r.method === 'POST' && r.id).map((r) => r.id!))].filter((id) => !(id in f.processes));

// the replay's own outcome per order and core return; and whether the database holds what the API last answered it
type Outcome = { id: string; status?: string; finalStatus?: string };
const outcomesOf = (run: Run) => Object.fromEntries([
  ...(run.report?.outcomes.orders ?? []).map((o) => [`order ${o.orderNo}`, o]),
  ...(run.report?.outcomes.coreReturns ?? []).map((c) => [`core-return ${c.batchNo}`, c]),
]) as Record<string, Outcome>;
// a process may move on by itself after the replay's last look (a core return closes after its
// credit): then it must have moved to where the fault-free run ended
const sawOtherwise = (run: Run, f: Facts, reference: Facts) => Object.entries(outcomesOf(run))
  .filter(([, o]) => f.processes[o.id] !== (o.finalStatus ?? o.status) && f.processes[o.id] !== reference.processes[o.id])
  .map(([k, o]) => `${k}: replay saw ${o.finalStatus ?? o.status}, database ${f.processes[o.id] ?? 'none'}`);
// the replay's figures per process; the status it last saw depends on when it looked (compared above)
const figuresOf = (run: Run) => Object.fromEntries(Object.entries(outcomesOf(run)).map(([k, o]) => {
  const { status: _s, finalStatus: _f, ...rest } = o;
  return [k, rest];
}));
// which allocation round's picking list delivered an order depends on which of two racing orders
// came first, faults or not: journals are compared with the round number left out of their keys
const byRound = (keys: string[]) => {
  const out: Record<string, number> = {};
  for (const k of keys.map((x) => x.replace(/-\d+(?=(:[a-z-]+)?$)/, '-#'))) out[k] = (out[k] ?? 0) + 1;
  return out;
};

const checks = {
  faultsDuringLoad: injected.length === faults.length && faults.length > 0 && injected.every((f) => f.duringLoad),
  replaysExitedZero: cleanRun.code === 0 && faultyRun.code === 0,
  noUnexpectedExits: Object.values(cleanExits).every((n) => n === 0) && Object.values(faultyExits).every((n) => n === 0),
  sameProcessStates: JSON.stringify(cleanFacts.processes) === JSON.stringify(faultyFacts.processes),
  sameWorkflows: JSON.stringify(cleanFacts.workflows) === JSON.stringify(faultyFacts.workflows),
  sameReplayOutcomes: JSON.stringify(figuresOf(cleanRun)) === JSON.stringify(figuresOf(faultyRun)) && Object.keys(outcomesOf(cleanRun)).length > 0,
  databaseHoldsWhatTheReplaySaw: sawOtherwise(cleanRun, cleanFacts, cleanFacts).length === 0 && sawOtherwise(faultyRun, faultyFacts, cleanFacts).length === 0,
  noAcceptedWriteLost: lostOf(cleanRun, cleanFacts).length === 0 && lostOf(faultyRun, faultyFacts).length === 0,
  sameJournalCounts: JSON.stringify(cleanFacts.journals) === JSON.stringify(faultyFacts.journals) && JSON.stringify(cleanFacts.steps) === JSON.stringify(faultyFacts.steps),
  sameIdempotencyKeys: JSON.stringify(byRound(cleanFacts.keys)) === JSON.stringify(byRound(faultyFacts.keys)),
  idempotencyKeysUnique: faultyFacts.journals.money === faultyFacts.journals.keysMoney && faultyFacts.journals.stock === faultyFacts.journals.keysStock,
  sameDocuments: JSON.stringify(cleanFacts.documents) === JSON.stringify(faultyFacts.documents),
  ledgerClean: cleanFacts.ledgerProblems === 0 && faultyFacts.ledgerProblems === 0,
  noServerErrorsWithoutFaults: errorsOf(cleanRun).length === 0,
  serverErrorsOnlyDuringOutages: outside.length === 0,
};

const keyDiff = (a: string[], b: string[]) => {
  const sa = new Set(a);
  const sb = new Set(b);
  return { onlyClean: a.filter((k) => !sb.has(k)).slice(0, 10), onlyFaulty: b.filter((k) => !sa.has(k)).slice(0, 10) };
};
const figures = {
  seed: Number(args.seed), input: { orderLines: Number(args.limit), claims: Number(args['claims-limit']) },
  faults: injected,
  outageWindows: windows.map((w) => ({ what: w.what, fromSeconds: +((w.from - began) / 1000).toFixed(1), toSeconds: +((w.to - began) / 1000).toFixed(1) })),
  graceSeconds: graceMs / 1000,
  replay: {
    exit: { clean: cleanRun.code, faulty: faultyRun.code }, seconds: { clean: +cleanRun.seconds.toFixed(0), faulty: +faultyRun.seconds.toFixed(0) },
    requests: { clean: cleanRun.requests.length, faulty: faultyRun.requests.length },
    acceptedWrites: { clean: accepted(cleanRun).length, faulty: accepted(faultyRun).length },
  },
  serverErrors: {
    clean: errorsOf(cleanRun).length, faulty: faultyErrors.length, faultyInsideOutages: faultyErrors.length - outside.length, faultyOutsideOutages: outside.length,
    faultyOutsideSample: outside.slice(0, 10).map((r) => ({ ...r, sentSeconds: +((r.sent - began) / 1000).toFixed(1) })),
  },
  processes: { count: Object.keys(faultyFacts.processes).length, statesClean: cleanFacts.states, statesFaulty: faultyFacts.states, differences: diff(cleanFacts.processes, faultyFacts.processes) },
  workflows: { clean: cleanFacts.workflows, differences: diff(cleanFacts.workflows, faultyFacts.workflows) },
  replayOutcomes: { count: Object.keys(outcomesOf(faultyRun)).length, differences: diff(figuresOf(cleanRun), figuresOf(faultyRun)), statusDifferences: diff(outcomesOf(cleanRun), outcomesOf(faultyRun), 5) },
  replaySawOtherwise: { clean: sawOtherwise(cleanRun, cleanFacts, cleanFacts).slice(0, 10), faulty: sawOtherwise(faultyRun, faultyFacts, cleanFacts).slice(0, 10) },
  acceptedWritesLost: { clean: lostOf(cleanRun, cleanFacts), faulty: lostOf(faultyRun, faultyFacts) },
  journals: {
    clean: cleanFacts.journals, faulty: faultyFacts.journals, stepDifferences: diff(cleanFacts.steps, faultyFacts.steps),
    keyDifferences: diff(byRound(cleanFacts.keys), byRound(faultyFacts.keys), 10), exactKeys: keyDiff(cleanFacts.keys, faultyFacts.keys),
  },
  documents: { clean: cleanFacts.documents, differences: diff(cleanFacts.documents, faultyFacts.documents) },
  ledgerProblems: { clean: cleanFacts.ledgerProblems, faulty: faultyFacts.ledgerProblems },
  unexpectedExits: { clean: cleanExits, faulty: faultyExits },
  wallSeconds: Math.round((Date.now() - wallBegan) / 1000),
  checks,
};
console.log(JSON.stringify(figures, null, 2));
fs.writeFileSync(path.join(root, 'figures.json'), JSON.stringify(figures, null, 2));
const ok = Object.values(checks).every(Boolean);
if (ok && !args.keep) fs.rmSync(root, { recursive: true, force: true });
say(ok ? 'PASSED: nothing lost, nothing doubled' : `FAILED: ${Object.entries(checks).filter(([, v]) => !v).map(([k]) => k).join(', ')}; see ${root}`);
process.exit(ok ? 0 : 1);
