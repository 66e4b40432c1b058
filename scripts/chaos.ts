import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { checkLedger } from '../db/ledger-check.ts';
import { openOrm } from '../db/orm.ts';
import { startOwnStack, type OwnStack } from './stack.ts';

// `npm run chaos`: the replay's load twice over the same input, on two stacks of their own.
// The first run has no faults; during the second the worker is SIGKILLed several times,
// PostgreSQL is restarted once and the Temporal server once, at random moments. Then it checks
// that every process reached the same state as without faults, the ledger is clean, no journal
// was posted twice (the same journal counts), and the API answered 5xx only while a dependency
// was down. It prints these figures and exits 1 when any of them fails.

const { values: args } = parseArgs({
  options: {
    limit: { type: 'string', default: '300' },
    'claims-limit': { type: 'string', default: '100' },
    kills: { type: 'string', default: '3' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
  },
});
const say = (m: string) => console.log(`[chaos] ${m}`);
let seed = Number(args.seed);
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

interface Facts {
  states: Record<string, number>;
  journals: { money: number; stock: number; keysMoney: number; keysStock: number };
  ledgerProblems: number;
}

async function facts(stack: OwnStack): Promise<Facts> {
  const orm = await openOrm(stack.databaseUrl, 2);
  try {
    const em = orm.em.fork();
    const rows = await em.execute(`select type, status, count(*)::int as n from process group by 1, 2 order by 1, 2`);
    const [j] = await em.execute(`select (select count(*) from money_journal)::int as money, (select count(*) from stock_journal)::int as stock,
      (select count(distinct idempotency_key) from money_journal)::int as keys_money, (select count(distinct idempotency_key) from stock_journal)::int as keys_stock`);
    return {
      states: Object.fromEntries(rows.map((r) => [`${r.type}/${r.status}`, Number(r.n)])),
      journals: { money: Number(j!.money), stock: Number(j!.stock), keysMoney: Number(j!.keys_money), keysStock: Number(j!.keys_stock) },
      ledgerProblems: (await checkLedger(em)).length,
    };
  } finally {
    await orm.close();
  }
}

function replay(stack: OwnStack, errorLog: string): Promise<{ code: number; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'replay/main.ts', '--api', stack.apiUrl, '--key', stack.adminKey,
      '--limit', args.limit!, '--claims-limit', args['claims-limit']!, '--out', path.dirname(errorLog)], {
      env: { ...process.env, REPLAY_5XX_LOG: errorLog }, stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('exit', (code) => resolve({ code: code ?? 1, seconds: (Date.now() - started) / 1000 }));
  });
}

async function settle(stack: OwnStack, previous: Facts | null): Promise<Facts> {
  // timers and retries may still be finishing the last steps; wait until the states stop moving
  let last = await facts(stack);
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 2000));
    const now = await facts(stack);
    if (JSON.stringify(now) === JSON.stringify(last) && (!previous || JSON.stringify(now.states) === JSON.stringify(previous.states))) return now;
    last = now;
  }
  return last;
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spareflow-chaos-'));
say(`working in ${root}; seed ${args.seed}`);

say('fault-free run');
const clean = await startOwnStack(path.join(root, 'clean'), { log: say });
const cleanRun = await replay(clean, path.join(root, 'clean', '5xx.log'));
const cleanFacts = await settle(clean, null);
await clean.stop();
say(`fault-free: replay exit ${cleanRun.code} in ${cleanRun.seconds.toFixed(0)} s; ${JSON.stringify(cleanFacts.journals)}`);

say('run with faults');
const faulty = await startOwnStack(path.join(root, 'faulty'), { log: say });
const errorLog = path.join(root, 'faulty', '5xx.log');
const down: { what: string; from: number; to: number }[] = [];
const horizon = Math.max(20, cleanRun.seconds) * 1000;
const faults = [
  ...Array.from({ length: Number(args.kills) }, () => ({ what: 'worker', at: (0.1 + 0.7 * random()) * horizon })),
  { what: 'postgres', at: (0.2 + 0.5 * random()) * horizon },
  { what: 'temporal', at: (0.2 + 0.5 * random()) * horizon },
].sort((a, b) => a.at - b.at);
const load = replay(faulty, errorLog);
const began = Date.now();
for (const f of faults) {
  const wait = began + f.at - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const from = Date.now();
  say(`fault at ${((from - began) / 1000).toFixed(1)} s: ${f.what}`);
  if (f.what === 'worker') await faulty.killWorker();
  else if (f.what === 'postgres') await faulty.restartPostgres();
  else await faulty.restartTemporal();
  // a dependency counts as down until it is back, plus the time the clients need to reconnect
  if (f.what !== 'worker') down.push({ what: f.what, from, to: Date.now() + 15_000 });
}
const faultyRun = await load;
const faultyFacts = await settle(faulty, cleanFacts);
await faulty.stop();

const errors = fs.existsSync(errorLog) ? fs.readFileSync(errorLog, 'utf8').trim().split('\n').filter(Boolean).map(Number) : [];
const outside = errors.filter((t) => !down.some((d) => t >= d.from && t <= d.to));
const sameStates = JSON.stringify(cleanFacts.states) === JSON.stringify(faultyFacts.states);
const sameJournals = JSON.stringify(cleanFacts.journals) === JSON.stringify(faultyFacts.journals);
const uniqueKeys = faultyFacts.journals.money === faultyFacts.journals.keysMoney && faultyFacts.journals.stock === faultyFacts.journals.keysStock;

const figures = {
  seed: Number(args.seed), input: { orderLines: Number(args.limit), claims: Number(args['claims-limit']) },
  faults: faults.map((f) => ({ what: f.what, atSeconds: +(f.at / 1000).toFixed(1) })),
  replayExit: { clean: cleanRun.code, faulty: faultyRun.code }, seconds: { clean: +cleanRun.seconds.toFixed(0), faulty: +faultyRun.seconds.toFixed(0) },
  sameFinalStates: sameStates, statesClean: cleanFacts.states, statesFaulty: faultyFacts.states,
  journalsClean: cleanFacts.journals, journalsFaulty: faultyFacts.journals, sameJournalCounts: sameJournals, idempotencyKeysUnique: uniqueKeys,
  ledgerProblems: { clean: cleanFacts.ledgerProblems, faulty: faultyFacts.ledgerProblems },
  serverErrors: errors.length, serverErrorsWhileNothingWasDown: outside.length,
};
console.log(JSON.stringify(figures, null, 2));
const ok = sameStates && sameJournals && uniqueKeys && faultyFacts.ledgerProblems === 0 && outside.length === 0 && faultyRun.code === 0;
say(ok ? 'PASSED: nothing lost, nothing doubled' : 'FAILED: see the figures above');
process.exit(ok ? 0 : 1);
