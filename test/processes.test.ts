import test from 'ava';

import { recordStep, saveProcess } from '../db/processes.ts';
import { inTransaction } from '../db/tx.ts';
import { processId } from '../workflows/ids.ts';
import { keyFor, seedDealer } from './helpers/fixtures.ts';
import { testStack, uid } from './helpers/stack.ts';

// The board's routes read the process table: keyset pages, filters, dealer scope, one process.

test('the board pages through a dealer\'s processes newest first, each exactly once', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();
  const dealerId = await seedDealer(stack.orm);
  const base = Date.now() - 3_600_000;
  const ids: string[] = [];
  await inTransaction(stack.orm, async (em) => {
    for (let i = 0; i < 7; i += 1) {
      const no = uid('ORD-');
      ids.push(processId('dealer-order', no));
      // two rows share each instant, so the id must break the tie
      await saveProcess(em, { id: ids[i]!, type: 'dealer-order', businessKey: no, status: 'open', dealerId }, new Date(base + Math.floor(i / 2) * 1000));
    }
  });

  const seen: string[] = [];
  let after: string | null = null;
  do {
    const res = await api.call('GET', `/processes?dealerId=${dealerId}&limit=3${after ? `&after=${after}` : ''}`);
    t.is(res.status, 200);
    seen.push(...res.body.items.map((p: { id: string }) => p.id));
    after = res.body.next;
  } while (after);

  t.is(seen.length, 7);
  t.deepEqual([...seen].sort(), [...ids].sort());
  t.deepEqual(seen.slice(0, 3).sort(), ids.slice(4).sort(), 'the newest changes come first');
});

test('the board filters by type and status and finds a process by the start of its business key', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();
  const stem = uid('CR-');
  await inTransaction(stack.orm, async (em) => {
    await saveProcess(em, { id: processId('core-return', `${stem}-1`), type: 'core-return', businessKey: `${stem}-1`, status: 'appraisal' });
    await saveProcess(em, { id: processId('core-return', `${stem}-2`), type: 'core-return', businessKey: `${stem}-2`, status: 'credited' });
    await saveProcess(em, { id: processId('dealer-order', `${stem}-3`), type: 'dealer-order', businessKey: `${stem}-3`, status: 'appraisal' });
  });

  const byKey = await api.call('GET', `/processes?q=${stem}`);
  const filtered = await api.call('GET', `/processes?q=${stem}&type=core-return&status=appraisal`);

  t.is(byKey.body.items.length, 3);
  t.deepEqual(filtered.body.items.map((p: { businessKey: string }) => p.businessKey), [`${stem}-1`]);
});

test('a dealer key sees only its own dealer\'s processes, on the board and one by one', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();
  const [mine, other] = [await seedDealer(stack.orm), await seedDealer(stack.orm)];
  const [myOrder, otherOrder] = [processId('dealer-order', uid('ORD-')), processId('dealer-order', uid('ORD-'))];
  await inTransaction(stack.orm, async (em) => {
    await saveProcess(em, { id: myOrder, type: 'dealer-order', businessKey: myOrder, status: 'open', dealerId: mine });
    await saveProcess(em, { id: otherOrder, type: 'dealer-order', businessKey: otherOrder, status: 'open', dealerId: other });
  });
  const key = await keyFor(api, 'dealer', mine);

  const board = await api.call('GET', `/processes?dealerId=${other}`, { key });
  const own = await api.call('GET', `/processes/${encodeURIComponent(myOrder)}`, { key });
  const foreign = await api.call('GET', `/processes/${encodeURIComponent(otherOrder)}`, { key });

  t.true(board.body.items.every((p: { dealerId: string }) => p.dealerId === mine));
  t.is(own.status, 200);
  t.is(foreign.status, 404);
});

test('a process is read with its timeline, its postings and the actions of the caller\'s role', async (t) => {
  const stack = await testStack();
  t.teardown(() => stack.close());
  const api = await stack.api();
  const dealerId = await seedDealer(stack.orm);
  const id = processId('dealer-account', dealerId);
  await inTransaction(stack.orm, async (em) => {
    await saveProcess(em, { id, type: 'dealer-account', businessKey: dealerId, status: 'open', dealerId });
    await recordStep(em, { processId: id, step: 'opened', actor: 'test', key: `${id}:opened` });
    await stack.ledger.postMoney(em, { key: `${id}:credit`, step: 'credit', actor: 'test', processId: id, description: 'goodwill credit', lines: [
      { account: `receivable:${dealerId}`, currency: 'CNY', amount: -500n }, { account: 'sales', currency: 'CNY', amount: 500n }] });
  });

  const asBackOffice = await api.call('GET', `/processes/${encodeURIComponent(id)}`, { key: await keyFor(api, 'back-office') });
  const asAuditor = await api.call('GET', `/processes/${encodeURIComponent(id)}`, { key: await keyFor(api, 'auditor') });

  t.is(asBackOffice.status, 200);
  t.deepEqual(asBackOffice.body.timeline.map((s: { step: string }) => s.step), ['opened']);
  t.is(asBackOffice.body.postings.money[0].description, 'goodwill credit');
  t.deepEqual(asBackOffice.body.postings.money[0].lines.map((l: { amountMinor: string }) => l.amountMinor), ['-500', '500']);
  const actions = asBackOffice.body.actions as { method: string; path: string; roles: string[] }[];
  t.true(actions.some((a) => `${a.method} ${a.path}` === `PUT /dealers/${dealerId}`), JSON.stringify(actions.map((a) => a.path)));
  t.true(actions.every((a) => a.path.startsWith(`/dealers/${dealerId}`) && a.roles.includes('back-office')), 'only what the back office may do, on this dealer');
  t.deepEqual(asAuditor.body.actions, [], 'an auditor reads only');
});
