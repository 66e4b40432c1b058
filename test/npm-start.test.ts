import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import test from 'ava';

import { freePort, stopChild, waitFor } from '../scripts/services.ts';
import { uid } from './helpers/stack.ts';

// `npm start` as a user runs it: its own Temporal dev server persisting to SQLite in its data
// folder, the worker and the API. Stopped and started again, a dealer order begun before the
// restart takes its next steps after it.

const adminKey = 'sf_restart_test_admin_key_123';

async function startService(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn('bash', ['scripts/start.sh'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { out += String(d); });
  await waitFor('npm start', async () => {
    const res = await fetch(`http://127.0.0.1:${env.PORT}/health`).catch(() => null);
    return res?.status === 200;
  }, 120_000, child).catch((err) => {
    throw new Error(`${(err as Error).message}\n${out.slice(-3000)}`);
  });
  return { child, output: () => out };
}

test('npm start stopped and started again finds an open dealer order and carries it on', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spareflow-start-'));
  const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env, PORT: String(port), SPAREFLOW_DATA_DIR: dataDir, DATABASE_URL: process.env.SPAREFLOW_TEST_DATABASE_URL,
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`, TEMPORAL_UI_URL: `http://127.0.0.1:${uiPort}`, TEMPORAL_TASK_QUEUE: uid('start-'),
    SPAREFLOW_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn', WORKER_METRICS_ADDRESS: 'off',
  };
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${p}`, {
      method, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  let service = await startService(env);
  t.teardown(() => stopChild(service.child));
  const [dealerId, partNo, bin, supplierId] = [uid('D-'), uid('P-'), uid('B-'), uid('S-')];
  await call('PUT', `/suppliers/${supplierId}`, { name: 'restart supplier' });
  await call('PUT', `/dealers/${dealerId}`, { name: 'restart dealer', timeZone: 'Asia/Shanghai' });
  await call('PUT', `/parts/${partNo}`, { name: 'restart part', category: 'ordinary', fits: [] });
  await call('PUT', `/parts/${partNo}/prices/CNY`, { unitPrice: '10.00' });
  await call('PUT', `/warehouses/NEW/bins/${bin}`, {});
  const receipt = await call('POST', '/inbound-receipts', { supplierId, deliveryNoteNo: uid('DN-'), lines: [{ partNo, quantity: 5 }] });
  const receiptPath = `/inbound-receipts/${encodeURIComponent(receipt.body.id)}`;
  await call('POST', `${receiptPath}/count`, { lines: [{ lineNo: 1, counted: 5 }] });
  await call('POST', `${receiptPath}/inspection`, { lines: [{ lineNo: 1, accepted: 5, rejected: 0 }] });
  await call('POST', `${receiptPath}/putaway`, { lines: [{ lineNo: 1, bin: `NEW/${bin}`, quantity: 5 }] });
  const created = await call('POST', '/dealer-orders', { dealerId, orderNo: uid('O-'), lines: [{ partNo, quantity: 2 }] });
  const orderPath = `/dealer-orders/${encodeURIComponent(created.body.id)}`;
  const issued = await waitFor('a picking list', async () => (await call('GET', orderPath)).body.pickingLists?.length > 0, 30_000).then(() => call('GET', orderPath));

  await stopChild(service.child);
  t.true(/stopped/.test(service.output()), 'npm start said it stopped');
  service = await startService(env);
  const list = issued.body.pickingLists[0];
  const picked = await call('POST', `${orderPath}/picks`, { pickingListNo: list.pickingListNo, lines: list.lines });
  const shipped = await call('POST', `${orderPath}/shipments`, { pickingListNo: list.pickingListNo, carrier: 'test', consignmentNo: uid('C-') });

  t.is(created.status, 201);
  t.is(picked.status, 200);
  t.true([200, 201].includes(shipped.status));
  const after = (await call('GET', orderPath)).body;
  t.is(after.shipments.length, 1);
  t.is(after.lines[0].shipped, 2);
});
