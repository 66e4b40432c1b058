import test, { type ExecutionContext } from 'ava';

import { account } from '../db/accounts.ts';
import { assertLedgerClean, balanceOf, keyFor, seedDealer, seedSupplier, stockOf } from './helpers/fixtures.ts';
import { coreWorld, batchBody, cny, fileBatch, path, receive, type CoreWorld } from './helpers/core-returns.ts';
import { saveHistory } from './helpers/histories.ts';
import { eventually, testStack, uid, type Stack } from './helpers/stack.ts';

// A warranty core return batch through every path of issue 5, against the real workflow, the
// real ledger and the API. Each test files its own batch for its own dealer and parts.

const INSPECTION = 'CORE/INSPECTION';

async function world(t: ExecutionContext): Promise<{ stack: Stack; w: CoreWorld }> {
  const stack = await testStack();
  t.teardown(() => stack.close());
  await stack.startWorker();
  return { stack, w: await coreWorld(stack) };
}

const get = async (w: CoreWorld, id: string) => (await w.api.call('GET', path(id))).body;
const closed = (w: CoreWorld, id: string) => eventually(async () => {
  const v = await get(w, id);
  return v.status === 'closed' ? v : undefined;
}, 20_000, `core return ${id} closed`);
const dealerCredit = async (stack: Stack, w: CoreWorld) => -(await balanceOf(stack.orm, account.dealerReceivable(w.dealerId)));

test('the same batch filed twice answers 201 then 200, and other content under its number 409', async (t) => {
  const { w } = await world(t);
  const body = batchBody(w, [{ partNo: w.ordinary }], uid('CR-'));

  const first = await w.api.call('POST', '/core-returns', { key: w.keys.dealer, body });
  const again = await w.api.call('POST', '/core-returns', { key: w.keys.dealer, body });
  const other = await w.api.call('POST', '/core-returns', { key: w.keys.dealer, body: { ...body, cores: [{ ...body.cores[0]!, claimed: cny('99.00') }] } });

  t.is(first.status, 201);
  t.is(again.status, 200);
  t.is(again.body.id, first.body.id);
  t.is(other.status, 409);
  t.is(other.body.error.code, 'batch-number-reused');
});

test('a batch naming an unknown part is refused before anything starts', async (t) => {
  const { w } = await world(t);

  const res = await w.api.call('POST', '/core-returns', { key: w.keys.dealer, body: batchBody(w, [{ partNo: 'NO-SUCH-PART' }], uid('CR-')) });

  t.is(res.status, 422);
  t.is(res.body.error.code, 'unknown-part');
});

test('a core said to be fitted after today is refused', async (t) => {
  const { w } = await world(t);

  const res = await w.api.call('POST', '/core-returns', { key: w.keys.dealer, body: batchBody(w, [{ partNo: w.ordinary, fittedDaysAgo: -3 }], uid('CR-')) });

  t.is(res.status, 422);
  t.is(res.body.error.code, 'fitted-in-future');
});

test('a covered core within the warranty period is approved by rule and credited its claim', async (t) => {
  const { stack, w } = await world(t);
  const id = await fileBatch(w, [{ partNo: w.ordinary, failureCode: 'noise', claimed: '123.45' }]);

  const view = await receive(w, id, { count: 1 });

  const core = view.cores[0];
  t.is(core.stage, 'approved');
  t.is(core.decision.by, 'rule');
  t.is(core.decision.reasonCode, 'covered');
  t.deepEqual(core.credited, cny('123.45'));
  t.is(await dealerCredit(stack, w), 12345n);
  t.is((await stockOf(stack.orm, w.ordinary, INSPECTION)).onHand, 1);
  t.is(view.status, 'awaiting-supplier-return');
  await assertLedgerClean(t, stack.orm);
});

test('a claim above the standard price is approved only up to the standard price', async (t) => {
  const { stack, w } = await world(t);
  const id = await fileBatch(w, [{ partNo: w.ordinary, claimed: '812.50' }]);

  const view = await receive(w, id, { count: 1 });

  t.is(view.cores[0].decision.reasonCode, 'covered-capped-at-standard-price');
  t.deepEqual(view.cores[0].credited, cny('500.00'));
  t.deepEqual(view.statement.lines[0].credited, cny('500.00'));
  t.is(await dealerCredit(stack, w), 50000n);
  await assertLedgerClean(t, stack.orm);
});

test('cores outside the warranty period or with an excluded cause are rejected by rule and credit nothing', async (t) => {
  const { stack, w } = await world(t);
  const id = await fileBatch(w, [
    { partNo: w.ordinary, fittedDaysAgo: 400 },
    { partNo: w.ordinary, failureCode: 'wear' },
    { partNo: w.ordinary },
  ]);

  const view = await receive(w, id, { count: 3, conditions: { 3: 'accident' } });

  t.deepEqual(view.cores.map((c: { stage: string }) => c.stage), ['rejected', 'rejected', 'rejected']);
  t.deepEqual(view.cores.map((c: { decision: { reasonCode: string } }) => c.decision.reasonCode), ['outside-warranty-period', 'excluded-cause', 'excluded-cause']);
  t.truthy(view.cores[0].objectionDueAt);
  t.is(view.status, 'objection-period');
  t.is(await dealerCredit(stack, w), 0n);
  await assertLedgerClean(t, stack.orm);
});

test('a core the rule cannot decide waits for an appraiser, who approves an amount of their own', async (t) => {
  const { stack, w } = await world(t);
  const id = await fileBatch(w, [{ partNo: w.ordinary, failureCode: 'intermittent', claimed: '300.00' }]);
  const received = await receive(w, id, { count: 1 });

  const res = await w.api.call('POST', path(id, 'appraisals'), {
    key: w.keys.appraiser, body: { lineNo: 1, decision: 'approve', reasonCode: 'manufacturing-defect', approvedAmount: cny('250.10') },
  });

  t.is(received.cores[0].stage, 'awaiting-appraisal');
  t.is(received.cores[0].ruleNote, 'failure-not-covered-by-rule');
  t.is(res.status, 200);
  t.is(res.body.cores[0].stage, 'approved');
  t.deepEqual(res.body.cores[0].credited, cny('250.10'));
  t.is(await dealerCredit(stack, w), 25010n);
  await assertLedgerClean(t, stack.orm);
});

test('an appraiser cannot approve more than the standard price, and the same appraisal sent twice counts once', async (t) => {
  const { stack, w } = await world(t);
  const id = await fileBatch(w, [{ partNo: w.ordinary, failureCode: 'intermittent', claimed: '900.00' }]);
  await receive(w, id, { count: 1 });
  const appraise = (amount: string) => w.api.call('POST', path(id, 'appraisals'), {
    key: w.keys.appraiser, body: { lineNo: 1, decision: 'approve', reasonCode: 'manufacturing-defect', approvedAmount: cny(amount) },
  });

  const above = await appraise('600.00');
  const ok = await appraise('480.00');
  const twice = await appraise('480.00');

  t.is(above.status, 422);
  t.is(above.body.error.code, 'above-standard-price');
  t.is(ok.status, 200);
  t.is(twice.status, 200);
  t.is(await dealerCredit(stack, w), 48000n);
  await assertLedgerClean(t, stack.orm);
});

test('a rejection objected to is approved by a second appraiser, and the final decision credits the dealer', async (t) => {
  const { stack, w } = await world(t);
  const id = await fileBatch(w, [{ partNo: w.ordinary, failureCode: 'intermittent', claimed: '200.00' }]);
  await receive(w, id, { count: 1 });
  const rejected = await w.api.call('POST', path(id, 'appraisals'), { key: w.keys.appraiser, body: { lineNo: 1, decision: 'reject', reasonCode: 'no-fault-found' } });

  const objected = await w.api.call('POST', path(id, 'objections'), { key: w.keys.dealer, body: { lineNo: 1, reason: 'the fault is intermittent; see the attached log' } });
  const final = await w.api.call('POST', path(id, 'final-appraisals'), {
    key: w.keys.secondAppraiser, body: { lineNo: 1, decision: 'approve', reasonCode: 'intermittent-fault-confirmed', disposition: 'scrap' },
  });

  t.is(rejected.body.cores[0].stage, 'rejected');
  t.is(objected.status, 200);
  t.is(objected.body.cores[0].stage, 'objected');
  t.is(final.status, 200);
  t.is(final.body.cores[0].finalDecision.decision, 'approve');
  t.deepEqual(final.body.cores[0].credited, cny('200.00'));
  t.is(await dealerCredit(stack, w), 20000n);
  const done = await closed(w, id);
  t.is(done.cores[0].disposition, 'scrapped');
  t.is((await stockOf(stack.orm, w.ordinary, '@scrap')).onHand, 1);
  t.true(done.statement.lines[0].finalAfterObjection);
  await assertLedgerClean(t, stack.orm);
  await saveHistory(stack.client, id, 'core-return-objection-approved');
});

test('a rejection objected to and rejected again is final and the core goes back to the dealer', async (t) => {
  const { stack, w } = await world(t);
  const id = await fileBatch(w, [{ partNo: w.ordinary, failureCode: 'intermittent' }]);
  await receive(w, id, { count: 1 });
  await w.api.call('POST', path(id, 'appraisals'), { key: w.keys.appraiser, body: { lineNo: 1, decision: 'reject', reasonCode: 'no-fault-found' } });
  await w.api.call('POST', path(id, 'objections'), { key: w.keys.dealer, body: { lineNo: 1, reason: 'please test again' } });

  const final = await w.api.call('POST', path(id, 'final-appraisals'), { key: w.keys.secondAppraiser, body: { lineNo: 1, decision: 'reject', reasonCode: 'no-fault-found' } });
  const again = await w.api.call('POST', path(id, 'objections'), { key: w.keys.dealer, body: { lineNo: 1, reason: 'and again' } });

  t.is(final.status, 200);
  t.is(final.body.cores[0].stage, 'finally-rejected');
  t.is(again.status, 409);
  const done = await closed(w, id);
  t.is(done.cores[0].disposition, 'returned-to-dealer');
  t.is(done.statement.lines[0].outcome, 'rejected');
  t.is((await stockOf(stack.orm, w.ordinary, INSPECTION)).onHand, 0);
  t.is(await dealerCredit(stack, w), 0n);
  await assertLedgerClean(t, stack.orm);
  await saveHistory(stack.client, id, 'core-return-objection-rejected');
});

test('the appraiser who rejected a core cannot make its final appraisal', async (t) => {
  const { stack, w } = await world(t);
  const id = await fileBatch(w, [{ partNo: w.ordinary, failureCode: 'intermittent' }]);
  await receive(w, id, { count: 1 });
  await w.api.call('POST', path(id, 'appraisals'), { key: w.keys.appraiser, body: { lineNo: 1, decision: 'reject', reasonCode: 'no-fault-found' } });
  await w.api.call('POST', path(id, 'objections'), { key: w.keys.dealer, body: { lineNo: 1, reason: 'please test again' } });

  const res = await w.api.call('POST', path(id, 'final-appraisals'), { key: w.keys.appraiser, body: { lineNo: 1, decision: 'approve', reasonCode: 'changed-my-mind' } });

  t.is(res.status, 422);
  t.is(res.body.error.code, 'second-appraiser-required');
  t.regex(res.body.error.message, /other than/);
  t.is((await get(w, id)).cores[0].stage, 'objected');
  t.is(await dealerCredit(stack, w), 0n);
  await assertLedgerClean(t, stack.orm);
});

test('three cores announced, two received and one approved credit one core, and missing and unlisted cores are reported', async (t) => {
  const { stack, w } = await world(t);
  const id = await fileBatch(w, [
    { partNo: w.ordinary, claimed: '150.00' },
    { partNo: w.ordinary, claimed: '150.00' },
    { partNo: w.ordinary, failureCode: 'misuse', claimed: '150.00' },
  ]);

  const view = await receive(w, id, { count: 3, missing: [2], extra: [{ partNo: w.plastic, condition: 'ok', note: 'in the box, not on the list' }] });

  t.deepEqual(view.cores.map((c: { stage: string }) => c.stage), ['approved', 'missing', 'rejected']);
  t.deepEqual(view.credited, cny('150.00'));
  t.is(await dealerCredit(stack, w), 15000n);
  t.deepEqual(view.statement.missing, [{ lineNo: 2, partNo: w.ordinary }]);
  t.is(view.statement.unlisted[0].partNo, w.plastic);
  t.like(view.statement.totals, { announced: 3, received: 2, approved: 1, rejected: 1 });
  t.deepEqual(view.statement.totals.claimedReceived, cny('300.00'));
  t.is((await stockOf(stack.orm, w.ordinary, INSPECTION)).onHand, 2);
  t.is((await stockOf(stack.orm, w.plastic, INSPECTION)).onHand, 1);
  await assertLedgerClean(t, stack.orm);
});

test('approved cores returned to the supplier open a recovery that the supplier credit closes', async (t) => {
  const { stack, w } = await world(t);
  const supplierId = await seedSupplier(stack.orm);
  const id = await fileBatch(w, [{ partNo: w.ordinary, claimed: '100.00' }, { partNo: w.ordinary, claimed: '33.33' }]);
  await receive(w, id, { count: 2 });
  const rmaNo = uid('RMA-');

  const shipped = await w.api.call('POST', path(id, 'supplier-returns'), { key: w.keys.backOffice, body: { supplierId, lineNos: [1, 2], rmaNo } });
  const recoveryOpen = await balanceOf(stack.orm, account.supplierRecovery(supplierId));
  const credited = await w.api.call('POST', path(id, 'supplier-credits'), { key: w.keys.backOffice, body: { rmaNo, amount: cny('133.33') } });

  t.is(shipped.status, 200);
  t.is(recoveryOpen, 13333n);
  t.is((await stockOf(stack.orm, w.ordinary, INSPECTION)).onHand, 0);
  t.is(credited.status, 200);
  t.is(await balanceOf(stack.orm, account.supplierRecovery(supplierId)), 0n);
  const done = await closed(w, id);
  t.deepEqual(done.recovered, cny('133.33'));
  t.deepEqual(done.cores.map((c: { recovered: unknown }) => c.recovered), [cny('100.00'), cny('33.33')]);
  t.is(await dealerCredit(stack, w), 13333n);
  await assertLedgerClean(t, stack.orm);
  await saveHistory(stack.client, id, 'core-return-supplier-credit');
});

test('a supplier credit short of the recovery closes it and leaves the difference as warranty expense', async (t) => {
  const { stack, w } = await world(t);
  const supplierId = await seedSupplier(stack.orm);
  const id = await fileBatch(w, [{ partNo: w.ordinary, claimed: '100.00' }]);
  await receive(w, id, { count: 1 });
  const rmaNo = uid('RMA-');
  await w.api.call('POST', path(id, 'supplier-returns'), { key: w.keys.backOffice, body: { supplierId, lineNos: [1], rmaNo } });

  const above = await w.api.call('POST', path(id, 'supplier-credits'), { key: w.keys.backOffice, body: { rmaNo, amount: cny('100.01') } });
  const short = await w.api.call('POST', path(id, 'supplier-credits'), { key: w.keys.backOffice, body: { rmaNo, amount: cny('60.00') } });

  t.is(above.status, 422);
  t.is(short.status, 200);
  t.is(await balanceOf(stack.orm, account.supplierRecovery(supplierId)), 0n);
  const [journal] = await stack.orm.em.fork().execute(
    `select sum(l.amount) filter (where l.account_code = 'warranty-expense') as expense from money_journal j join money_line l on l.journal_id = j.id
     where j.process_id = ?`, [id]);
  t.is(BigInt(String(journal!.expense)), 4000n, 'credit 100.00, recovered 60.00: 40.00 stays expense');
  await closed(w, id);
  await assertLedgerClean(t, stack.orm);
});

test('an approved core of a category that scraps its cores is scrapped and the batch closes', async (t) => {
  const { stack, w } = await world(t);
  const id = await fileBatch(w, [{ partNo: w.plastic, failureCode: 'crack', claimed: '95.00' }]);

  await receive(w, id, { count: 1, extra: [{ partNo: w.ordinary }] });

  const done = await closed(w, id);
  t.is(done.cores[0].disposition, 'scrapped');
  t.deepEqual(done.cores[0].credited, cny('80.00'));
  t.is((await stockOf(stack.orm, w.plastic, '@scrap')).onHand, 1);
  t.is((await stockOf(stack.orm, w.plastic, INSPECTION)).onHand, 0);
  t.is((await stockOf(stack.orm, w.ordinary, INSPECTION)).onHand, 0, 'the unlisted core went back to the dealer');
  t.true(done.statement.unlisted[0].returnedToDealer);
  t.is(done.timeline.at(-1).step, 'closed');
  t.is(await dealerCredit(stack, w), 8000n);
  await assertLedgerClean(t, stack.orm);
  await saveHistory(stack.client, id, 'core-return-scrap');
});

test('a dealer key sees only its own batches', async (t) => {
  const { stack, w } = await world(t);
  const id = await fileBatch(w, [{ partNo: w.ordinary }]);
  const otherDealer = await seedDealer(stack.orm);
  const otherKey = await keyFor(w.api, 'dealer', otherDealer);

  const own = await w.api.call('GET', path(id), { key: w.keys.dealer });
  const foreign = await w.api.call('GET', path(id), { key: otherKey });
  const objection = await w.api.call('POST', path(id, 'objections'), { key: otherKey, body: { lineNo: 1, reason: 'not mine' } });
  const filing = await w.api.call('POST', '/core-returns', { key: otherKey, body: batchBody(w, [{ partNo: w.ordinary }], uid('CR-')) });

  t.is(own.status, 200);
  t.is(foreign.status, 404);
  t.is(objection.status, 404);
  t.is(filing.status, 404);
});

test('a dealer cannot appraise its own cores', async (t) => {
  const { w } = await world(t);
  const id = await fileBatch(w, [{ partNo: w.ordinary, failureCode: 'intermittent' }]);
  await receive(w, id, { count: 1 });

  const res = await w.api.call('POST', path(id, 'appraisals'), { key: w.keys.dealer, body: { lineNo: 1, decision: 'approve', reasonCode: 'self' } });

  t.is(res.status, 403);
});
