import test from 'ava';

import { inTransaction } from '../db/tx.ts';
import { alertsOf, assertBinsOpen, isBinFrozen } from '../db/warehouse.ts';
import { processId } from '../workflows/ids.ts';
import { ensureDailyCloseSchedule } from '../worker/schedules.ts';
import { assertLedgerClean, keyFor, seedBin, seedPart, seedStock, seedSupplier, stockOf } from './helpers/fixtures.ts';
import { saveHistory } from './helpers/histories.ts';
import { eventually, privateDatabase, testStack, uid, type Stack } from './helpers/stack.ts';

// Warehouse operations: stock counts with frozen bins and finance's approval, the daily close,
// the bin card. Days closed here lie in the 1990s: a closed day refuses every posting dated on
// or before it, and no other test posts that far back.

async function setUp(t: { teardown(fn: () => Promise<void>): void }) {
  const stack = await testStack();
  t.teardown(() => stack.close());
  await stack.startWorker();
  const api = await stack.api();
  const keys = { warehouse: await keyFor(api, 'warehouse'), finance: await keyFor(api, 'finance') };
  return { stack, api, keys };
}

const binCode = (location: string) => location.split('/')[1]!;
const enc = encodeURIComponent;

/** a random day in the 1990s, so that tests closing days do not meet */
function oldDay(): string {
  const d = new Date(Date.UTC(1990, 0, 1) + Math.floor(Math.random() * 3600) * 86_400_000);
  return d.toISOString().slice(0, 10);
}

async function pick(stack: Stack, location: string, partNo: string, quantity: number, reservationId: string) {
  // the pick step of a dealer order: refused while a count holds the bin
  return inTransaction(stack.orm, async (em) => {
    await assertBinsOpen(em, [location]);
    return stack.ledger.moveStock(em, {
      key: uid('pick-'), step: 'pick', actor: 'test', reason: 'pick', documentRef: 'order-test',
      moves: [{ partNo, from: location, to: '@in-transit', quantity, reservationId }],
    });
  });
}

test('a count that finds variances waits for finance, and the approved variances post as count adjustments', async (t) => {
  const { stack, api, keys } = await setUp(t);
  const zone = uid('Z');
  const [b1, b2] = [await seedBin(stack.orm, { zone }), await seedBin(stack.orm, { zone })];
  const [a, b] = [await seedPart(stack.orm), await seedPart(stack.orm)];
  await seedStock(stack.orm, stack.ledger, { partNo: a, location: b1, quantity: 10 });
  await seedStock(stack.orm, stack.ledger, { partNo: b, location: b2, quantity: 5 });

  const opened = await api.call('POST', '/stock-counts', { key: keys.warehouse, body: { warehouse: 'NEW', countNo: uid('C-'), zone } });
  t.is(opened.status, 201, JSON.stringify(opened.body));
  t.is(opened.body.status, 'counting');
  t.deepEqual(opened.body.summary.bins, [b1, b2].sort());
  const id = opened.body.id as string;
  t.true(await isBinFrozen(stack.orm.em.fork(), b1));

  const counted = await api.call('POST', `/stock-counts/${enc(id)}/lines`, {
    key: keys.warehouse, body: { lines: [{ bin: binCode(b1), partNo: a, quantity: 8 }, { bin: binCode(b2), partNo: b, quantity: 6 }] },
  });
  t.is(counted.status, 200, JSON.stringify(counted.body));
  t.is(counted.body.status, 'awaiting-approval');
  const byPart = Object.fromEntries((counted.body.summary.variances as { partNo: string }[]).map((v) => [v.partNo, v]));
  t.like(byPart[a], { location: b1, counted: 8, booked: 10, binCard: 10, difference: -2 });
  t.like(byPart[b], { location: b2, counted: 6, booked: 5, binCard: 5, difference: 1 });
  t.is((await stockOf(stack.orm, a, b1)).onHand, 10, 'nothing posts before finance approves');

  const byKeeper = await api.call('POST', `/stock-counts/${enc(id)}/approval`, { key: keys.warehouse, body: { decision: 'approve' } });
  t.is(byKeeper.status, 403);

  const approved = await api.call('POST', `/stock-counts/${enc(id)}/approval`, { key: keys.finance, body: { decision: 'approve', note: 'ok' } });
  t.is(approved.status, 200, JSON.stringify(approved.body));
  t.is(approved.body.status, 'completed');
  t.is((await stockOf(stack.orm, a, b1)).onHand, 8);
  t.is((await stockOf(stack.orm, b, b2)).onHand, 6);
  t.is((await stockOf(stack.orm, a, '@count-adjustment')).onHand, 2);
  t.is((await stockOf(stack.orm, b, '@count-adjustment')).onHand, -1);
  t.false(await isBinFrozen(stack.orm.em.fork(), b1), 'the bins are released');
  t.deepEqual(approved.body.timeline.map((s: { step: string }) => s.step), ['count-opened', 'bins-counted', 'variances-found', 'variances-approved']);

  await stack.client.workflow.getHandle(id).result();
  await saveHistory(stack.client, id, 'stock-count-variance-approved');
  await assertLedgerClean(t, stack.orm);
});

test('a count with a pick in flight freezes the bin: the pick is refused until the count ends, and reserved stock counts as on hand', async (t) => {
  const { stack, api, keys } = await setUp(t);
  const bin = await seedBin(stack.orm);
  const part = await seedPart(stack.orm);
  await seedStock(stack.orm, stack.ledger, { partNo: part, location: bin, quantity: 10 });
  const allocation = await inTransaction(stack.orm, (em) => stack.ledger.allocate(em, {
    key: uid('alloc-'), documentRef: uid('order-line-'), partNo: part, quantity: 4, warehouse: 'NEW',
  }));
  const reservation = allocation.reservations.find((r) => r.location === bin)!;

  const opened = await api.call('POST', '/stock-counts', { key: keys.warehouse, body: { warehouse: 'NEW', countNo: uid('C-'), bins: [binCode(bin)] } });
  t.is(opened.status, 201, JSON.stringify(opened.body));
  const id = opened.body.id as string;

  const refusedPick = await t.throwsAsync(pick(stack, bin, part, 4, reservation.id));
  t.is((refusedPick as { code?: string }).code, 'bin-frozen');
  t.deepEqual(await stockOf(stack.orm, part, bin), { onHand: 10, reserved: 4 }, 'the refused pick moved nothing');

  const counted = await api.call('POST', `/stock-counts/${enc(id)}/lines`, {
    key: keys.warehouse, body: { lines: [{ bin: binCode(bin), partNo: part, quantity: 10 }] },
  });
  t.is(counted.body.status, 'completed', 'the 4 reserved units are on the shelf and agree with the ledger');
  t.deepEqual(counted.body.summary.variances, []);

  await pick(stack, bin, part, 4, reservation.id);
  t.deepEqual(await stockOf(stack.orm, part, bin), { onHand: 6, reserved: 0 });
  await stack.client.workflow.getHandle(id).result();
  await saveHistory(stack.client, id, 'stock-count-agrees');
  await assertLedgerClean(t, stack.orm);
});

test('a recount asked for by finance counts the bins again, and a recount that agrees posts nothing', async (t) => {
  const { stack, api, keys } = await setUp(t);
  const bin = await seedBin(stack.orm);
  const part = await seedPart(stack.orm);
  await seedStock(stack.orm, stack.ledger, { partNo: part, location: bin, quantity: 7 });
  const opened = await api.call('POST', '/stock-counts', { key: keys.warehouse, body: { warehouse: 'NEW', countNo: uid('C-'), bins: [binCode(bin)] } });
  const id = opened.body.id as string;
  const line = (quantity: number) => ({ key: keys.warehouse, body: { lines: [{ bin: binCode(bin), partNo: part, quantity }] } });

  t.is((await api.call('POST', `/stock-counts/${enc(id)}/lines`, line(3))).body.status, 'awaiting-approval');
  const recount = await api.call('POST', `/stock-counts/${enc(id)}/approval`, { key: keys.finance, body: { decision: 'recount', note: 'too far off' } });
  t.is(recount.body.status, 'counting');
  const again = await api.call('POST', `/stock-counts/${enc(id)}/lines`, line(7));

  t.is(again.body.status, 'completed');
  t.is((await stockOf(stack.orm, part, bin)).onHand, 7);
  t.is((await stockOf(stack.orm, part, '@count-adjustment')).onHand, 0);
  t.false(await isBinFrozen(stack.orm.em.fork(), bin));
  await stack.client.workflow.getHandle(id).result();
  await saveHistory(stack.client, id, 'stock-count-recount');
  await assertLedgerClean(t, stack.orm);
});

test('a bin that another count holds cannot be counted twice, and the same count sent again answers the first', async (t) => {
  const { stack, api, keys } = await setUp(t);
  const bin = await seedBin(stack.orm);
  const countNo = uid('C-');
  const first = await api.call('POST', '/stock-counts', { key: keys.warehouse, body: { warehouse: 'NEW', countNo, bins: [binCode(bin)] } });
  t.is(first.status, 201);

  const repeat = await api.call('POST', '/stock-counts', { key: keys.warehouse, body: { warehouse: 'NEW', countNo, bins: [binCode(bin)] } });
  const other = await api.call('POST', '/stock-counts', { key: keys.warehouse, body: { warehouse: 'NEW', countNo: uid('C-'), bins: [binCode(bin)] } });

  t.is(repeat.status, 200);
  t.is(repeat.body.id, first.body.id);
  t.is(other.status, 422, JSON.stringify(other.body));
  t.is(other.body.error.code, 'bin-frozen');
  const lateLine = await api.call('POST', `/stock-counts/${enc(first.body.id)}/lines`, {
    key: keys.warehouse, body: { lines: [{ bin: 'NOT-THERE', partNo: 'X', quantity: 1 }] },
  });
  t.is(lateLine.status, 422);
  t.is(lateLine.body.error.code, 'bin-not-in-count');
  await assertLedgerClean(t, stack.orm);
});

test('a closed day takes no more postings, and closing it again changes nothing', async (t) => {
  const { stack, api, keys } = await setUp(t);
  const day = oldDay();
  const part = await seedPart(stack.orm);

  const byKeeper = await api.call('POST', `/days/${day}/close`, { key: keys.warehouse });
  const closed = await api.call('POST', `/days/${day}/close`, { key: keys.finance });
  const again = await api.call('POST', `/days/${day}/close`, { key: keys.finance });
  const posting = inTransaction(stack.orm, (em) => stack.ledger.moveStock(em, {
    key: uid('late-'), step: 'late', actor: 'test', reason: 'opening-stock', documentRef: 'late', at: new Date(`${day}T04:00:00Z`),
    moves: [{ partNo: part, from: '@supplier', to: '@inspection', quantity: 1 }],
  }));

  t.is(byKeeper.status, 403);
  t.is(closed.status, 200, JSON.stringify(closed.body));
  t.like(closed.body, { businessDate: day, closed: true, alreadyClosed: false, problems: 0 });
  t.is(closed.body.process.status, 'closed');
  t.like(again.body, { closed: true, alreadyClosed: true });
  t.is(((await t.throwsAsync(posting)) as { code?: string }).code, 'day-closed');
  const [snap] = await stack.orm.em.fork().execute('select count(*)::int as n from balance_snapshot where business_date = ?', [day]);
  t.is(Number(snap!.n), closed.body.stockRows + closed.body.moneyRows);
  const future = await api.call('POST', `/days/${stack.ledger.businessDate(new Date())}/close`, { key: keys.finance });
  t.is(future.status, 422);
  t.is(future.body.error.code, 'day-not-over');
  await saveHistory(stack.client, processId('daily-close', day), 'daily-close-closed');
  await assertLedgerClean(t, stack.orm);
});

test('the nightly schedule is created once and closes the day it points at', async (t) => {
  const { stack } = await setUp(t);
  const day = oldDay();
  const today = stack.ledger.businessDate(new Date());
  const lagDays = Math.round((Date.parse(today) - Date.parse(day)) / 86_400_000);
  const scheduleId = uid('daily-close-');
  const options = { scheduleId, taskQueue: stack.config.taskQueue, timeZone: stack.config.ledgerTimeZone, lagDays };

  t.true(await ensureDailyCloseSchedule(stack.client, options));
  t.false(await ensureDailyCloseSchedule(stack.client, options), 'a second worker start leaves it as it is');
  const schedule = stack.client.schedule.getHandle(scheduleId);
  t.teardown(() => schedule.delete());
  await schedule.trigger();

  const id = processId('daily-close', day);
  const row = await eventually(async () => {
    const [r] = await stack.orm.em.fork().execute('select status from process where id = ?', [id]);
    return r?.status === 'closed' ? r : undefined;
  }, 90_000, 'the scheduled close');
  t.is(row.status, 'closed');
  const parent = await eventually(async () => (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId, 60_000);
  await stack.client.workflow.getHandle(parent).result();
  await saveHistory(stack.client, parent, 'scheduled-daily-close');
  await assertLedgerClean(t, stack.orm);
});

test('a day whose ledger check fails stays open and alerts finance', async (t) => {
  // a ledger broken on purpose needs a database of its own: the shared one must stay clean
  const db = await privateDatabase();
  const stack = await testStack({ databaseUrl: db.url });
  t.teardown(async () => {
    await stack.close();
    await db.drop();
  });
  await stack.startWorker();
  const api = await stack.api();
  await stack.orm.em.fork().execute(`insert into account_balance (account_code, currency, balance) values ('cash', 'CNY', 100)`);
  const day = oldDay();
  const id = processId('daily-close', day);

  const res = await api.call('POST', `/days/${day}/close`, { key: await keyFor(api, 'finance') });

  t.is(res.status, 422, JSON.stringify(res.body));
  t.like(res.body.error, { code: 'ledger-check-failed', details: { problems: 1 } });
  const em = stack.orm.em.fork();
  t.deepEqual(await em.execute('select * from closed_day where business_date = ?', [day]), []);
  const [row] = await em.execute('select status from process where id = ?', [id]);
  t.is(row!.status, 'check-failed');
  const alerts = await alertsOf(em, id);
  t.is(alerts.length, 1);
  t.like(alerts[0], { audience: 'finance', kind: 'ledger-check-failed' });
  t.is((await api.call('GET', `/days/${day}`)).body.closed, false);
});

test('the bin card lists the opening, every move of the day with its running balance, and the closing', async (t) => {
  const { stack, api } = await setUp(t);
  const bin = await seedBin(stack.orm);
  const part = await seedPart(stack.orm);
  const now = new Date();
  const today = stack.ledger.businessDate(now);
  const move = (key: string, from: string, to: string, quantity: number, at: Date) => inTransaction(stack.orm, (em) => stack.ledger.moveStock(em, {
    key: uid(key), step: key, actor: 'test', reason: key, documentRef: `doc-${key}`, at, moves: [{ partNo: part, from, to, quantity }],
  }));
  await move('receipt', '@supplier', bin, 10, new Date(now.getTime() - 86_400_000));
  await move('putaway', '@inspection', bin, 5, now);
  await move('pick', bin, '@in-transit', 3, now);

  const card = await api.call('GET', `/bins/${bin.replace('/', '~')}/card?date=${today}`);

  t.is(card.status, 200, JSON.stringify(card.body));
  t.is(card.body.location, bin);
  t.is(card.body.parts.length, 1);
  const p = card.body.parts[0];
  t.is(p.opening, 10);
  t.deepEqual(p.movements.map((m: { reason: string; in: number; out: number; balance: number }) => [m.reason, m.in, m.out, m.balance]),
    [['putaway', 5, 0, 15], ['pick', 0, 3, 12]]);
  t.is(p.closing, 12);
  t.is((await stockOf(stack.orm, part, bin)).onHand, 12, 'the card closes on the ledger balance');
  t.is((await api.call('GET', '/bins/NEW~NO-SUCH-BIN/card')).status, 404);
  t.is((await api.call('GET', '/bins/bad/card')).status, 400);
  await assertLedgerClean(t, stack.orm);
});

test('a delivery with a short, an over and a rejected line is counted, inspected and put away, and purchasing hears of the differences', async (t) => {
  const { stack, api, keys } = await setUp(t);
  const supplierId = await seedSupplier(stack.orm);
  const [a, b, c] = [await seedPart(stack.orm), await seedPart(stack.orm), await seedPart(stack.orm)];
  const [bin1, bin2] = [await seedBin(stack.orm), await seedBin(stack.orm)];
  const note = { supplierId, deliveryNoteNo: uid('DN-'), lines: [{ partNo: a, quantity: 10 }, { partNo: b, quantity: 5 }, { partNo: c, quantity: 4 }] };

  const registered = await api.call('POST', '/inbound-receipts', { key: keys.warehouse, body: note });
  t.is(registered.status, 201, JSON.stringify(registered.body));
  const id = registered.body.id as string;
  const path = `/inbound-receipts/${enc(id)}`;
  t.is((await api.call('POST', '/inbound-receipts', { key: keys.warehouse, body: note })).status, 200, 'the same note again answers the receipt');
  const reused = await api.call('POST', '/inbound-receipts', { key: keys.warehouse, body: { ...note, lines: note.lines.slice(1) } });
  t.is(reused.status, 409);

  const counted = await api.call('POST', `${path}/count`, {
    key: keys.warehouse, body: { lines: [{ lineNo: 1, counted: 8 }, { lineNo: 2, counted: 6 }, { lineNo: 3, counted: 4 }] },
  });
  t.is(counted.body.status, 'awaiting-inspection', JSON.stringify(counted.body));
  t.is((await stockOf(stack.orm, b, '@inspection')).onHand, 6);
  const noReason = await api.call('POST', `${path}/inspection`, {
    key: keys.warehouse, body: { lines: [{ lineNo: 1, accepted: 8, rejected: 0 }, { lineNo: 2, accepted: 6, rejected: 0 }, { lineNo: 3, accepted: 1, rejected: 3 }] },
  });
  t.is(noReason.status, 422);
  t.is(noReason.body.error.code, 'reason-required');
  const inspected = await api.call('POST', `${path}/inspection`, {
    key: keys.warehouse,
    body: { lines: [{ lineNo: 1, accepted: 8, rejected: 0 }, { lineNo: 2, accepted: 6, rejected: 0 }, { lineNo: 3, accepted: 1, rejected: 3, reason: 'cracked housing' }] },
  });
  t.is(inspected.body.status, 'awaiting-putaway', JSON.stringify(inspected.body));
  t.deepEqual(inspected.body.summary.lines.map((l: { outcome: string }) => l.outcome), ['short', 'over', 'rejected']);
  t.is(inspected.body.summary.returnDocumentNo, `RTN/${supplierId}/${note.deliveryNoteNo}`);
  const notice = inspected.body.notices.find((n: { audience: string }) => n.audience === 'purchasing');
  t.deepEqual(notice.detail.differences.map((d: { lineNo: number; outcome: string; noted: number; counted: number; rejected: number }) =>
    [d.lineNo, d.outcome, d.noted, d.counted, d.rejected]), [[1, 'short', 10, 8, 0], [2, 'over', 5, 6, 0], [3, 'rejected', 4, 4, 3]]);

  const wrong = await api.call('POST', `${path}/putaway`, { key: keys.warehouse, body: { lines: [{ lineNo: 1, bin: bin1, quantity: 7 }] } });
  t.is(wrong.status, 422);
  t.is(wrong.body.error.code, 'putaway-mismatch');
  const putaway = await api.call('POST', `${path}/putaway`, {
    key: keys.warehouse,
    body: { lines: [{ lineNo: 1, bin: bin1, quantity: 8 }, { lineNo: 2, bin: bin1, quantity: 4 }, { lineNo: 2, bin: bin2, quantity: 2 }, { lineNo: 3, bin: bin2, quantity: 1 }] },
  });
  t.is(putaway.status, 200, JSON.stringify(putaway.body));
  t.is(putaway.body.status, 'completed');
  t.deepEqual([await stockOf(stack.orm, a, bin1), await stockOf(stack.orm, b, bin1), await stockOf(stack.orm, b, bin2), await stockOf(stack.orm, c, bin2)]
    .map((s) => s.onHand), [8, 4, 2, 1]);
  t.deepEqual([a, b, c].map(() => 0), await Promise.all([a, b, c].map(async (p) => (await stockOf(stack.orm, p, '@inspection')).onHand)));
  t.is((await stockOf(stack.orm, c, '@supplier')).onHand, -1, '4 came, 3 went back on the return document');

  const card = await api.call('GET', `/bins/${bin1.replace('/', '~')}/card?date=${stack.ledger.businessDate(new Date())}`);
  t.deepEqual(card.body.parts.map((p: { partNo: string; opening: number; closing: number; movements: { reason: string; in: number }[] }) =>
    [p.partNo, p.opening, p.movements.map((m) => [m.reason, m.in]), p.closing]).sort(),
  [[a, 0, [['putaway', 8]], 8], [b, 0, [['putaway', 4]], 4]].sort());

  await stack.client.workflow.getHandle(id).result();
  await saveHistory(stack.client, id, 'inbound-receipt-short-over-rejected');
  await assertLedgerClean(t, stack.orm);
});

test('putaway into a bin that a count holds is refused and moves nothing', async (t) => {
  const { stack, api, keys } = await setUp(t);
  const supplierId = await seedSupplier(stack.orm);
  const part = await seedPart(stack.orm);
  const bin = await seedBin(stack.orm);
  const registered = await api.call('POST', '/inbound-receipts', {
    key: keys.warehouse, body: { supplierId, deliveryNoteNo: uid('DN-'), lines: [{ partNo: part, quantity: 3 }] },
  });
  const path = `/inbound-receipts/${enc(registered.body.id)}`;
  await api.call('POST', `${path}/count`, { key: keys.warehouse, body: { lines: [{ lineNo: 1, counted: 3 }] } });
  await api.call('POST', `${path}/inspection`, { key: keys.warehouse, body: { lines: [{ lineNo: 1, accepted: 3, rejected: 0 }] } });
  const count = await api.call('POST', '/stock-counts', { key: keys.warehouse, body: { warehouse: 'NEW', countNo: uid('C-'), bins: [binCode(bin)] } });
  t.is(count.status, 201);

  const putaway = await api.call('POST', `${path}/putaway`, { key: keys.warehouse, body: { lines: [{ lineNo: 1, bin, quantity: 3 }] } });

  t.is(putaway.status, 422, JSON.stringify(putaway.body));
  t.is(putaway.body.error.code, 'bin-frozen');
  t.is((await stockOf(stack.orm, part, bin)).onHand, 0);
  t.is((await stockOf(stack.orm, part, '@inspection')).onHand, 3);
  t.is((await api.call('GET', path)).body.status, 'awaiting-putaway');
  await assertLedgerClean(t, stack.orm);
});
