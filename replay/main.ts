import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { formatMinor } from '../db/money.ts';
import { driveClaims, planClaims } from './claims.ts';
import { ApiClient } from './client.ts';
import { readCsv } from './csv.ts';
import { planDataCo, type Reject } from './dataco.ts';
import { OrderDriver, pool, seedDataCo } from './orders.ts';
import { Progress } from './progress.ts';
import { reconcile, writeReport } from './report.ts';
import { SimClock } from './sim-clock.ts';

// `npm run replay -- [--orders FILE] [--claims FILE] [--limit N] [--day-seconds S]`: replays the
// public data sets through a running spareflow over HTTP, then reconciles. Every step is
// idempotent on its business key, so a second run against the same database changes nothing.

const { values: args } = parseArgs({
  options: {
    orders: { type: 'string', default: '../shared/data/dataco/orders.csv' },
    claims: { type: 'string', default: '../shared/data/warranty-claims/claims.csv' },
    limit: { type: 'string' },
    'claims-limit': { type: 'string' },
    'day-seconds': { type: 'string', default: '0' },
    api: { type: 'string', default: process.env.SPAREFLOW_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}` },
    key: { type: 'string', default: process.env.SPAREFLOW_ADMIN_KEY },
    concurrency: { type: 'string', default: '16' },
    out: { type: 'string', default: '.data/replay' },
  },
});

const limit = args.limit ? Number(args.limit) : undefined;
const claimsLimit = args['claims-limit'] ? Number(args['claims-limit']) : limit;
const daySeconds = Number(args['day-seconds']);
const concurrency = Number(args.concurrency);
for (const [name, v] of [['limit', limit], ['claims-limit', claimsLimit], ['day-seconds', daySeconds], ['concurrency', concurrency]] as const) {
  if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new Error(`--${name} must be a non-negative number`);
}
const key = args.key ?? (fs.existsSync('.data/admin-key') ? fs.readFileSync('.data/admin-key', 'utf8').trim() : undefined);
if (!key) throw new Error('no API key: pass --key or set SPAREFLOW_ADMIN_KEY (npm start keeps one in .data/admin-key)');

const api = new ApiClient(args.api.replace(/\/$/, ''), key);
const health = await api.call('GET', '/health', undefined, { attempts: 3 }).catch(() => null);
if (health?.status !== 200) throw new Error(`spareflow does not answer healthy at ${args.api}: start it with npm start`);
const before = (await api.expect('GET', '/ledger/check', undefined, [200])).body;

const progress = new Progress();
const rejects: Reject[] = [];
const ordersCsv = readCsv(args.orders);
const plan = planDataCo(ordersCsv.records, args.orders, limit);
rejects.push(...plan.rejects);
const claimsCsv = readCsv(args.claims);
const claimsPlan = planClaims(claimsCsv.records, args.claims, claimsLimit);
rejects.push(...claimsPlan.rejects);
progress.rowsRead = plan.rowsRead + claimsPlan.rowsRead;
progress.note(`read ${plan.rowsRead} order lines (${plan.orders.length} orders) and ${claimsPlan.rowsRead} claims; ${rejects.length} rows rejected`);

await api.expect('PUT', '/settings/day-seconds', { daySeconds: daySeconds > 0 ? daySeconds : 86_400 }, [200]);
const flowsBefore = (await api.expect('GET', '/ledger/stock-flows?partPrefix=DC-P', undefined, [200])).body.items;
await seedDataCo(api, plan, progress, concurrency);

progress.start(plan.orders.length + claimsPlan.batches.length);
const clock = new SimClock(plan.orders[0]?.orderedAt ?? new Date(), daySeconds);
const driver = new OrderDriver(api, plan, clock, progress, concurrency);
// The orders go on in date order without waiting for each other's weeks; when every order of a
// week has been driven, one inbound receipt per supplier brings what that week left backordered.
const weekOf = (d: Date) => Math.floor(d.getTime() / (7 * 86_400_000));
const weeks = new Map<number, { left: number; done: Promise<void>; resolve: () => void }>();
for (const o of plan.orders) {
  const w = weekOf(o.orderedAt);
  if (!weeks.has(w)) {
    let resolve!: () => void;
    const done = new Promise<void>((r) => { resolve = r; });
    weeks.set(w, { left: 0, done, resolve });
  }
  weeks.get(w)!.left++;
}
const claimsRun = driveClaims(api, claimsPlan, progress, concurrency);
const backorders = (async () => {
  for (const [week, w] of [...weeks].sort((a, b) => a[0] - b[0])) {
    await w.done;
    await driver.receiveBackorders(`W${week}`);
  }
})();
await pool(plan.orders.map((o) => async () => {
  await driver.drive(o);
  const w = weeks.get(weekOf(o.orderedAt))!;
  if (--w.left === 0) w.resolve();
}), concurrency);
await backorders;
await driver.drain();
for (let round = 0; round < 5 && driver.waitingForStock.size > 0; round++) {
  await driver.receiveBackorders(`FINAL${round}`);
  await driver.drain();
}
const claimOutcomes = await claimsRun;
progress.stop();

const report = await reconcile({
  api, plan, claimsPlan, claimOutcomes, outcomes: [...driver.outcomes.values()], rejects, before, flowsBefore,
  seconds: progress.seconds, daySeconds,
});
const files = writeReport(report, path.resolve(args.out));
console.log(report.markdown);
console.log(`\nreport written to ${files.json} and ${files.md}; rejects in ${files.rejects}`);
console.log(`orders ${formatMinor(report.money.invoicedMinor)} invoiced; ledger ${report.ledger.ok ? 'clean' : 'NOT clean'}`);
process.exit(report.ledger.ok && report.failures === 0 ? 0 : 1);
