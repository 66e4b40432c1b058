import test, { type ExecutionContext } from 'ava';

import { assertLedgerClean, stockOf } from './helpers/fixtures.ts';
import { coreWorld, fileBatch, path, receive, type CoreWorld } from './helpers/core-returns.ts';
import { saveHistory } from './helpers/histories.ts';
import { eventually, testStack, type Stack } from './helpers/stack.ts';

// The deadlines of a core return on the time-skipping server: the objection period (15 days by
// default) and the appraisal deadline (5 days by default) that escalates to a supervisor.

async function world(t: ExecutionContext): Promise<{ stack: Stack; w: CoreWorld }> {
  const stack = await testStack({ timeSkipping: true });
  t.teardown(() => stack.close());
  await stack.startWorker();
  return { stack, w: await coreWorld(stack) };
}

const get = async (w: CoreWorld, id: string) => (await w.api.call('GET', path(id))).body;
const until = <T>(w: CoreWorld, id: string, check: (v: any) => T | undefined, what: string) => // eslint-disable-line @typescript-eslint/no-explicit-any
  eventually(async () => check(await get(w, id)), 20_000, what);

test('an objection after the objection period is refused, and the rejection becomes final', async (t) => {
  const { stack, w } = await world(t);
  // line 2 waits for an appraiser, so the batch stays open after line 1's period ends
  const id = await fileBatch(w, [{ partNo: w.ordinary, fittedDaysAgo: 400 }, { partNo: w.ordinary, failureCode: 'intermittent' }]);
  await receive(w, id, { count: 2 });

  await stack.testEnv!.sleep('16 days');
  await until(w, id, (v) => (v.cores[0].stage === 'finally-rejected' ? true : undefined), 'line 1 finally rejected');
  const late = await w.api.call('POST', path(id, 'objections'), { key: w.keys.dealer, body: { lineNo: 1, reason: 'sorry, we were late' } });

  t.is(late.status, 422);
  t.is(late.body.error.code, 'objection-period-over');
  const v = await get(w, id);
  t.is(v.cores[0].disposition, 'returned-to-dealer');
  t.is(v.statement.lines[0].reason, 'outside-warranty-period');
  t.true(v.timeline.some((s: { step: string }) => s.step === 'objection-period-ended'));

  const approved = await w.api.call('POST', path(id, 'appraisals'), {
    key: w.keys.appraiser, body: { lineNo: 2, decision: 'approve', reasonCode: 'manufacturing-defect', disposition: 'scrap' },
  });
  t.is(approved.status, 200);
  await until(w, id, (x) => (x.status === 'closed' ? true : undefined), 'batch closed');
  t.is((await stockOf(stack.orm, w.ordinary, 'CORE/INSPECTION')).onHand, 0);
  await assertLedgerClean(t, stack.orm);
  await saveHistory(stack.client, id, 'core-return-objection-period-over');
});

test('an objection on the fourteenth day of the period is accepted', async (t) => {
  const { stack, w } = await world(t);
  const id = await fileBatch(w, [{ partNo: w.ordinary, failureCode: 'wear' }]);
  await receive(w, id, { count: 1 });

  await stack.testEnv!.sleep('14 days');
  const res = await w.api.call('POST', path(id, 'objections'), { key: w.keys.dealer, body: { lineNo: 1, reason: 'it is not wear, it is a defect' } });

  t.is(res.status, 200);
  t.is(res.body.cores[0].stage, 'objected');
  await assertLedgerClean(t, stack.orm);
  // an open batch would hold the shared time-skipping server's clock for the files after this one
  await stack.client.workflow.getHandle(id).terminate('test finished');
});

test('a core left unappraised past the appraisal deadline escalates the batch to a supervisor', async (t) => {
  const { stack, w } = await world(t);
  const id = await fileBatch(w, [{ partNo: w.ordinary, failureCode: 'intermittent', claimed: '42.00' }]);
  await receive(w, id, { count: 1 });

  await stack.testEnv!.sleep('6 days');
  const escalated = await until(w, id, (v) => (v.escalationLevel === 1 ? v : undefined), 'escalation');

  t.true(escalated.cores[0].escalated);
  t.true(escalated.timeline.some((s: { step: string; detail: { to?: string } }) => s.step === 'appraisal-escalated' && s.detail.to === 'supervisor'));
  const approved = await w.api.call('POST', path(id, 'appraisals'), {
    key: w.keys.appraiser, body: { lineNo: 1, decision: 'approve', reasonCode: 'manufacturing-defect', disposition: 'scrap' },
  });
  t.is(approved.status, 200);
  await until(w, id, (x) => (x.status === 'closed' ? true : undefined), 'batch closed');
  await assertLedgerClean(t, stack.orm);
  await saveHistory(stack.client, id, 'core-return-appraisal-escalated');
});
