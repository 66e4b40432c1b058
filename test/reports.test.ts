import test from 'ava';

import { account } from '../db/accounts.ts';
import { saveProcess } from '../db/processes.ts';
import { inTransaction } from '../db/tx.ts';
import { processId } from '../workflows/ids.ts';
import { assertLedgerClean, keyFor, seedBin, seedDealer, seedPart, seedSupplier, seedVehicleModel } from './helpers/fixtures.ts';
import { testStack, uid, type Stack } from './helpers/stack.ts';

// Each report against a data set built here, checked number by number. Stock and money are
// posted on days of their own (2010–2019, after every day the close tests lock and before any
// other test's postings), and the stock summary is compared before and after, so that what
// other files post does not change the numbers checked. The tests of this file run one at a
// time, as each one's back-dated stock would count in the other's summary.

const day = (base: string, plus: number) => {
  const d = new Date(`${base}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + plus);
  return d.toISOString().slice(0, 10);
};
/** noon in Shanghai of a date, safely inside that business day */
const noon = (date: string) => new Date(`${date}T04:00:00Z`);

function randomMonday(fromYear: number, years: number): string {
  const start = Date.UTC(fromYear, 0, 4); // 4 January is in ISO week 1
  const monday = start - ((new Date(start).getUTCDay() + 6) % 7) * 86_400_000;
  return new Date(monday + Math.floor(Math.random() * years * 52) * 7 * 86_400_000).toISOString().slice(0, 10);
}

async function move(stack: Stack, m: { partNo: string; from: string; to: string; quantity: number; date: string; processId?: string }) {
  return inTransaction(stack.orm, (em) => stack.ledger.moveStock(em, {
    key: uid('m-'), step: 'report-data', actor: 'test', reason: 'report-data', documentRef: 'report-data', at: noon(m.date),
    processId: m.processId ?? null, moves: [{ partNo: m.partNo, from: m.from, to: m.to, quantity: m.quantity }],
  }));
}

test.serial('the stock summary gives quantity and variety per warehouse at a date', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();
  const date = day(randomMonday(2015, 4), 2);
  const before = await api.call('GET', `/reports/stock-summary?date=${date}`);
  const [newBin, newBin2, coreBin, promoBin] = [
    await seedBin(stack.orm), await seedBin(stack.orm), await seedBin(stack.orm, { warehouse: 'CORE' }), await seedBin(stack.orm, { warehouse: 'PROMO' }),
  ];
  const [p1, p2, p3, p4, p5] = await Promise.all([1, 2, 3, 4, 5].map(() => seedPart(stack.orm))) as [string, string, string, string, string];

  await move(stack, { partNo: p1, from: '@supplier', to: newBin, quantity: 7, date: day(date, -1) });
  await move(stack, { partNo: p1, from: '@supplier', to: newBin2, quantity: 2, date });
  await move(stack, { partNo: p2, from: '@supplier', to: newBin, quantity: 3, date });
  await move(stack, { partNo: p2, from: newBin, to: '@scrap', quantity: 3, date });
  await move(stack, { partNo: p3, from: '@dealer', to: coreBin, quantity: 4, date });
  await move(stack, { partNo: p4, from: '@supplier', to: promoBin, quantity: 5, date: day(date, 1) });
  await move(stack, { partNo: p5, from: '@supplier', to: promoBin, quantity: 6, date: day(date, -3) });
  const after = await api.call('GET', `/reports/stock-summary?date=${date}`);
  const csv = await api.call('GET', `/reports/stock-summary?date=${date}&format=csv`);

  t.is(after.status, 200);
  const delta = (code: string) => {
    const [b, a] = [before, after].map((r) => r.body.warehouses.find((w: { warehouse: string }) => w.warehouse === code));
    return { quantity: a.quantity - b.quantity, variety: a.variety - b.variety };
  };
  t.deepEqual(delta('NEW'), { quantity: 9, variety: 1 }, 'p1 in two bins is one part; p2 came and went');
  t.deepEqual(delta('CORE'), { quantity: 4, variety: 1 });
  t.deepEqual(delta('PROMO'), { quantity: 6, variety: 1 }, 'p4 arrives the day after');
  t.is(csv.status, 200);
  t.regex(csv.headers.get('content-type') ?? '', /^text\/csv/);
  const lines = (csv.body as string).trim().split('\r\n');
  t.is(lines[0], 'date,warehouse,name,quantity,variety');
  const newRow = after.body.warehouses.find((w: { warehouse: string }) => w.warehouse === 'NEW');
  t.is(lines[1], `${date},NEW,new parts,${newRow.quantity},${newRow.variety}`);
  await assertLedgerClean(t, stack.orm);
});

test.serial('the warranty report counts cores received, approved, rejected, objected, credited and recovered per week and month', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();
  const monday = randomMonday(2010, 4);
  const [dealer, supplier] = [await seedDealer(stack.orm), await seedSupplier(stack.orm)];
  const coreBin = await seedBin(stack.orm, { warehouse: 'CORE' });
  const part = await seedPart(stack.orm);
  const batch1 = processId('core-return', dealer, uid('RB-'));
  const batch2 = processId('core-return', dealer, uid('RB-'));
  const money = (processIdOf: string, date: string, lines: { account: string; amount: bigint }[]) => inTransaction(stack.orm, (em) =>
    stack.ledger.postMoney(em, {
      key: uid('w-'), step: 'report-data', actor: 'test', processId: processIdOf, at: noon(date), description: 'report data',
      lines: lines.map((l) => ({ ...l, currency: 'CNY' })),
    }));

  // week 1: batch 1 brings 3 cores; 2 approved, 1 rejected and objected to; credited 25.00
  await move(stack, { partNo: part, from: '@dealer', to: coreBin, quantity: 3, date: day(monday, 1), processId: batch1 });
  // week 2: batch 2 brings 2 cores; 1 approved after an objection, 1 rejected; the supplier pays batch 1's recovery
  await move(stack, { partNo: part, from: '@dealer', to: coreBin, quantity: 2, date: day(monday, 8), processId: batch2 });
  await move(stack, { partNo: part, from: coreBin, to: '@supplier', quantity: 2, date: day(monday, 9), processId: batch1 });
  // the process rows as workflows/core-return.ts saves them, with only the fields the report reads
  const decided = (decision: 'approve' | 'reject', date: string) => ({ decision, at: noon(date).toISOString() });
  const core = (o: { decision?: ReturnType<typeof decided>; objection?: string; finalDecision?: ReturnType<typeof decided> }) => ({
    partNo: part, decision: o.decision ?? null, objection: o.objection ? { reason: 'not misuse', at: noon(o.objection).toISOString() } : null,
    finalDecision: o.finalDecision ?? null,
  });
  await inTransaction(stack.orm, async (em) => {
    await saveProcess(em, {
      id: batch1, type: 'core-return', businessKey: batch1, status: 'credited', dealerId: dealer, summary: {
        batch: {
          cores: [
            core({ decision: decided('approve', day(monday, 2)) }),
            core({ decision: decided('approve', day(monday, 2)) }),
            core({ decision: decided('reject', day(monday, 3)), objection: day(monday, 4) }),
          ],
        },
      },
    });
    await saveProcess(em, {
      id: batch2, type: 'core-return', businessKey: batch2, status: 'appraised', dealerId: dealer, summary: {
        batch: {
          cores: [
            // rejected in week 1 of its own, objected in week 2, finally approved in week 2: counts once, as approved
            core({ decision: decided('reject', day(monday, 6)), objection: day(monday, 8), finalDecision: decided('approve', day(monday, 9)) }),
            core({ decision: decided('reject', day(monday, 10)) }),
            core({}),
          ],
        },
      },
    });
  });
  await money(batch1, day(monday, 4), [{ account: account.warrantyExpense, amount: 2500n }, { account: account.dealerReceivable(dealer), amount: -2500n }]);
  await money(batch1, day(monday, 4), [{ account: account.supplierRecovery(supplier), amount: 2000n }, { account: account.warrantyExpense, amount: -2000n }]);
  await money(batch1, day(monday, 11), [{ account: account.bank, amount: 2000n }, { account: account.supplierRecovery(supplier), amount: -2000n }]);
  await money(batch2, day(monday, 12), [{ account: account.warrantyExpense, amount: 1250n }, { account: account.dealerReceivable(dealer), amount: -1250n }]);

  const weekly = await api.call('GET', `/reports/warranty?period=week&from=${monday}&to=${day(monday, 13)}`);
  const csv = await api.call('GET', `/reports/warranty?period=week&from=${monday}&to=${day(monday, 13)}`, { headers: { accept: 'text/csv' } });
  const monthly = await api.call('GET', `/reports/warranty?period=month&from=${monday}&to=${day(monday, 13)}`);

  t.is(weekly.status, 200, JSON.stringify(weekly.body));
  t.deepEqual(weekly.body.rows, [
    { periodStart: monday, received: 3, approved: 2, rejected: 1, objected: 1, credited: [{ amount: '25.00', currency: 'CNY' }], recovered: [] },
    { periodStart: day(monday, 7), received: 2, approved: 1, rejected: 1, objected: 1, credited: [{ amount: '12.50', currency: 'CNY' }], recovered: [{ amount: '20.00', currency: 'CNY' }] },
  ], 'the recovery booked in week 1 is recovered when the supplier pays in week 2');
  t.is((csv.body as string).split('\r\n')[2], `${day(monday, 7)},2,1,1,1,12.50 CNY,20.00 CNY`);
  const sum = (k: string) => monthly.body.rows.reduce((s: number, r: Record<string, number>) => s + r[k]!, 0);
  t.deepEqual(['received', 'approved', 'rejected', 'objected'].map(sum), [5, 3, 2, 2], 'months regroup the same cores');
  t.is((await api.call('GET', `/reports/warranty?period=week&from=${day(monday, 13)}&to=${monday}`)).status, 400);
  const auditor = await keyFor(api, 'auditor');
  t.is((await api.call('GET', `/reports/warranty?period=week&from=${monday}&to=${monday}`, { key: auditor })).status, 200);
  t.is((await api.call('GET', `/reports/warranty?period=week&from=${monday}&to=${monday}`, { key: await keyFor(api, 'dealer', dealer) })).status, 403);
  await assertLedgerClean(t, stack.orm);
});

async function orderLines(stack: Stack, o: { dealerId: string; submitted: Date; lines: { partNo: string; ordered: number; shipped: number; cancelled?: number; backordered?: number }[] }) {
  const id = processId('dealer-order', o.dealerId, uid('O-'));
  await inTransaction(stack.orm, async (em) => {
    await saveProcess(em, { id, type: 'dealer-order', businessKey: id, status: 'report-data', dealerId: o.dealerId }, o.submitted);
    for (const [i, l] of o.lines.entries()) {
      await em.execute(
        `insert into dealer_order_line (order_id, line_no, part_no, currency, unit_price_minor, ordered, shipped, cancelled, backordered)
         values (?, ?, ?, 'CNY', 100, ?, ?, ?, ?)`, [id, i + 1, l.partNo, l.ordered, l.shipped, l.cancelled ?? 0, l.backordered ?? 0]);
    }
  });
  return id;
}

test.serial('the fill rate counts lines delivered in full per vehicle model and lifecycle group, and the models never purchased', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();
  const from = randomMonday(2012, 6);
  const to = day(from, 30);
  const inProduction = await seedVehicleModel(stack.orm);
  const recent = await seedVehicleModel(stack.orm, { lifecycle: 'discontinued', discontinuedOn: day(to, -365) });
  const old = await seedVehicleModel(stack.orm, { lifecycle: 'discontinued', discontinuedOn: day(to, -3 * 365) });
  const unsold = await seedVehicleModel(stack.orm);
  const [pa, pb, pc, pd] = [
    await seedPart(stack.orm, { fits: [inProduction, recent] }), await seedPart(stack.orm, { fits: [inProduction] }),
    await seedPart(stack.orm, { fits: [old] }), await seedPart(stack.orm, { fits: [unsold] }),
  ];
  const dealerId = await seedDealer(stack.orm);

  await orderLines(stack, { dealerId, submitted: noon(day(from, 2)), lines: [
    { partNo: pa, ordered: 5, shipped: 5 }, { partNo: pb, ordered: 4, shipped: 2, backordered: 2 }, { partNo: pc, ordered: 1, shipped: 1 },
  ] });
  await orderLines(stack, { dealerId, submitted: noon(to), lines: [{ partNo: pa, ordered: 2, shipped: 0, cancelled: 2 }] });
  await orderLines(stack, { dealerId, submitted: noon(day(from, -1)), lines: [{ partNo: pd, ordered: 1, shipped: 1 }] });
  const res = await api.call('GET', `/reports/fill-rate?from=${from}&to=${to}`);
  const csv = await api.call('GET', `/reports/fill-rate?from=${from}&to=${to}&format=csv`);

  t.is(res.status, 200, JSON.stringify(res.body));
  const model = (code: string) => res.body.models.find((m: { model: string }) => m.model === code);
  t.like(model(inProduction), { group: 'in-production', lines: 3, fullLines: 1, fillRate: '0.3333' });
  t.like(model(recent), { group: 'discontinued', lines: 2, fullLines: 1, fillRate: '0.5000' });
  t.like(model(old), { group: 'discontinued-over-two-years', lines: 1, fullLines: 1, fillRate: '1.0000' });
  t.is(model(unsold), undefined, 'the order of the unsold model part lies before the period');
  t.deepEqual(res.body.groups, [
    { group: 'in-production', models: 1, lines: 3, fullLines: 1, fillRate: '0.3333' },
    { group: 'discontinued', models: 1, lines: 2, fullLines: 1, fillRate: '0.5000' },
    { group: 'discontinued-over-two-years', models: 1, lines: 1, fullLines: 1, fillRate: '1.0000' },
  ]);
  t.like(res.body.neverPurchased.find((m: { model: string }) => m.model === unsold), { group: 'in-production' });
  t.false(res.body.neverPurchased.some((m: { model: string }) => [inProduction, recent, old].includes(m.model)));
  t.true((csv.body as string).includes(`\r\nmodel,discontinued,${recent},model ${recent},${day(to, -365)},2,1,0.5000\r\n`));
  t.true((csv.body as string).includes(`\r\ngroup,in-production,,,,3,1,0.3333\r\n`));
});

test.serial('the backorder report lists the open backorder lines, oldest first, with their age and follow-up', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();
  const dealerId = await seedDealer(stack.orm);
  const supplierId = await seedSupplier(stack.orm);
  const [pa, pb] = [await seedPart(stack.orm), await seedPart(stack.orm)];
  const orderId = await orderLines(stack, { dealerId, submitted: new Date(), lines: [
    { partNo: pa, ordered: 6, shipped: 2, backordered: 4 }, { partNo: pb, ordered: 3, shipped: 0, backordered: 3 },
  ] });
  const now = Date.now();
  await inTransaction(stack.orm, async (em) => {
    const followUp = (line: number, partNo: string, quantity: number, daysAgo: number, status: string) => em.execute(
      `insert into purchase_follow_up (order_id, order_line_no, part_no, quantity, supplier_id, raised_at, status) values (?, ?, ?, ?, ?, ?, ?)`,
      [orderId, line, partNo, quantity, supplierId, new Date(now - daysAgo * 86_400_000 - 3_600_000), status]);
    await followUp(2, pb, 3, 3, 'open');
    await followUp(1, pa, 4, 10, 'open');
    await followUp(1, pa, 1, 20, 'fulfilled');
  });

  const res = await api.call('GET', '/reports/backorders');
  const csv = await api.call('GET', '/reports/backorders', { headers: { accept: 'text/csv' } });

  t.is(res.status, 200, JSON.stringify(res.body));
  const mine = res.body.lines.filter((l: { orderId: string }) => l.orderId === orderId);
  t.deepEqual(mine.map((l: { lineNo: number; partNo: string; ordered: number; missing: number; ageDays: number; supplierId: string; dealerId: string }) =>
    [l.lineNo, l.partNo, l.ordered, l.missing, l.ageDays, l.supplierId, l.dealerId]),
  [[1, pa, 6, 4, 10, supplierId, dealerId], [2, pb, 3, 3, 3, supplierId, dealerId]]);
  const csvLines = (csv.body as string).split('\r\n');
  t.is(csvLines[0], 'orderId,dealerId,lineNo,partNo,ordered,missing,ageDays,raisedAt,followUpId,supplierId');
  t.is(csvLines.filter((l) => l.startsWith(`${orderId},`)).length, 2);
});
