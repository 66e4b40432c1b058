import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import test from 'ava';

import { privateDatabase, testStack, ADMIN_KEY } from './helpers/stack.ts';

// The replay of the public data sets, run as `npm run replay` runs it, against a stack of the
// test's own, on the first 300 DataCo lines and the first 100 claims. The expected figures are
// computed here from the CSV files by code of the test's own, not by the replay's.

const ORDERS = path.resolve('../shared/data/dataco/orders.csv');
const CLAIMS = path.resolve('../shared/data/warranty-claims/claims.csv');

/** a plain CSV split: the first 300 DataCo lines and 100 claims hold no quoted commas */
function rows(file: string, n: number): Record<string, string>[] {
  const [head, ...lines] = fs.readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean);
  const cols = head!.split(',');
  return lines.slice(0, n).map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

const cents = (text: string) => Math.round(Number(text) * 100);

function expectedOrders() {
  const lines = rows(ORDERS, 300);
  const priceOf = new Map<string, number>();
  const orders = new Map<string, { status: string; lines: { product: string; qty: number }[] }>();
  for (const l of lines) {
    if (!priceOf.has(l['Product Card Id']!)) priceOf.set(l['Product Card Id']!, cents(l['Order Item Product Price']!));
    const o = orders.get(l['Order Id']!) ?? { status: l['Order Status']!, lines: [] };
    o.lines.push({ product: l['Product Card Id']!, qty: Number(l['Order Item Quantity']) });
    orders.set(l['Order Id']!, o);
  }
  let invoiced = 0;
  let paid = 0;
  let cancelled = 0;
  for (const o of orders.values()) {
    if (o.status === 'CANCELED' || o.status === 'SUSPECTED_FRAUD') { cancelled++; continue; }
    const amount = o.lines.reduce((s, l) => s + priceOf.get(l.product)! * l.qty, 0);
    invoiced += amount;
    if (['COMPLETE', 'CLOSED', 'PENDING', 'PROCESSING'].includes(o.status)) paid += amount;
  }
  return { orders: orders.size, cancelled, completed: orders.size - cancelled, invoiced, paid };
}

function expectedWarranty() {
  let approved = 0;
  let rejected = 0;
  let credited = 0;
  for (const c of rows(CLAIMS, 100)) {
    const codes = ['AC_1001', 'AC_1002', 'AC_1003', 'TV_2001', 'TV_2002', 'TV_2003'].map((k) => c[`${k}_Issue`]).filter((v) => v === '1' || v === '2');
    if (codes.length === 0) continue;
    const value = cents(c.Claim_Value!);
    codes.forEach((_code, i) => {
      const share = Math.floor((value * (i + 1)) / codes.length) - Math.floor((value * i) / codes.length);
      if (Number(c.Product_Age) > 365 || c.Fraud === '1') rejected++;
      else { approved++; credited += Math.min(share, 5_000_000); }
    });
  }
  return { approved, rejected, credited };
}

function runReplay(apiUrl: string, out: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'replay/main.ts', '--api', apiUrl, '--key', ADMIN_KEY,
      '--limit', '300', '--claims-limit', '100', '--out', out, '--concurrency', '8'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += String(d); });
    child.stderr.on('data', (d) => { output += String(d); });
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

const latestReport = (dir: string) => {
  const file = fs.readdirSync(dir).filter((f) => f.startsWith('report-') && f.endsWith('.json')).sort().pop()!;
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
};

test('the replay of 300 DataCo lines and 100 claims reconciles with figures computed from the files', async (t) => {
  const db = await privateDatabase();
  const stack = await testStack({ databaseUrl: db.url, config: { rateLimitPerMinute: 0 } });
  t.teardown(async () => { await stack.close(); await db.drop(); });
  await stack.startWorker();
  const api = await stack.api();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'spareflow-replay-'));
  const orders = expectedOrders();
  const warranty = expectedWarranty();

  const first = await runReplay(api.url, out);
  const report = latestReport(out);

  t.is(first.code, 0, first.output.slice(-3000));
  t.is(report.rows.orderLinesRead, 300);
  t.is(report.processes.orders, orders.orders);
  t.is(report.processes.byFinalState.cancelled ?? 0, orders.cancelled);
  t.is(report.processes.byFinalState.completed ?? 0, orders.completed);
  t.is(report.money.invoiced, (orders.invoiced / 100).toFixed(2));
  t.is(report.money.paid, (orders.paid / 100).toFixed(2));
  t.is(report.warranty.approved, warranty.approved);
  t.is(report.warranty.rejected, warranty.rejected);
  t.is(report.warranty.credited, (warranty.credited / 100).toFixed(2));
  t.true(report.ledger.ok, JSON.stringify(report.ledger.problems));
  t.true(report.stock.holds, JSON.stringify(report.stock.broken));

  const second = await runReplay(api.url, out);
  const again = latestReport(out);

  t.is(second.code, 0, second.output.slice(-3000));
  t.true(again.idempotency.secondRun, 'the second run posted no journal');
  t.deepEqual(again.ledger.journals, report.ledger.journals);
});
