import test from 'ava';
import fc from 'fast-check';

import { account } from '../db/accounts.ts';
import type { DomainError } from '../db/errors.ts';
import { checkLedger } from '../db/ledger-check.ts';
import { parseDecimal, unitShare } from '../db/money.ts';
import { inTransaction } from '../db/tx.ts';
import { assertLedgerClean, balanceOf, seedBin, seedDealer, seedPart, seedStock, stockOf } from './helpers/fixtures.ts';
import { testStack, uid, type Stack } from './helpers/stack.ts';
import { postOnceActivities } from './support/post-once-activities.ts';
import { testWorkflowsPath } from './support/mark-activities.ts';

let stack: Stack;
test.before(async () => {
  stack = await testStack();
});
test.after.always(() => stack.close());

const post = (key: string, lines: { account: string; amount: bigint; currency?: string }[], at?: Date) =>
  inTransaction(stack.orm, (em) => stack.ledger.postMoney(em, {
    key, step: 'test', actor: 'test', description: 'test posting', at,
    lines: lines.map((l) => ({ currency: 'CNY', ...l })),
  }));

async function journalCount(key: string) {
  const [row] = await stack.orm.em.fork().execute('select count(*)::int as n from money_journal where idempotency_key = ?', [key]);
  return Number(row!.n);
}

test('a journal that does not sum to zero is refused and nothing is written', async (t) => {
  const dealer = await seedDealer(stack.orm);
  const key = uid('unbalanced-');

  const err = await t.throwsAsync(post(key, [{ account: account.dealerReceivable(dealer), amount: 1000n }, { account: 'sales', amount: -999n }]));

  t.is((err as DomainError).code, 'unbalanced-journal');
  t.regex(err!.message, /sum to 1, not zero/);
  t.is(await journalCount(key), 0);
  t.is(await balanceOf(stack.orm, account.dealerReceivable(dealer)), 0n);
});

test('the same key posted again returns the first journal; with other content it is a conflict', async (t) => {
  const dealer = await seedDealer(stack.orm);
  const key = uid('idem-');
  const lines = [{ account: account.dealerReceivable(dealer), amount: 500n }, { account: 'sales', amount: -500n }];

  const first = await post(key, lines);
  const again = await post(key, lines);
  const other = await t.throwsAsync(post(key, [{ account: account.dealerReceivable(dealer), amount: 501n }, { account: 'sales', amount: -501n }]));

  t.is(again.id, first.id);
  t.true(again.replayed);
  t.is((other as DomainError).kind, 'conflict');
  t.is(await balanceOf(stack.orm, account.dealerReceivable(dealer)), 500n);
});

test('20 concurrent picks of 2 from a bin holding 25: exactly 12 succeed and 1 is left', async (t) => {
  const partNo = await seedPart(stack.orm);
  const bin = await seedBin(stack.orm);
  await seedStock(stack.orm, stack.ledger, { partNo, location: bin, quantity: 25 });

  const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => inTransaction(stack.orm, (em) => stack.ledger.moveStock(em, {
    key: uid(`pick-${i}-`), step: 'pick', actor: 'test', reason: 'pick', documentRef: 'concurrency',
    moves: [{ partNo, from: bin, to: '@in-transit', quantity: 2 }],
  }))));

  const ok = results.filter((r) => r.status === 'fulfilled');
  const refusedAll = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  t.is(ok.length, 12);
  t.is(refusedAll.length, 8);
  for (const r of refusedAll) t.regex((r.reason as Error).message, /available [01], requested 2/);
  t.true(refusedAll.some((r) => /available 1, requested 2/.test((r.reason as Error).message)));
  t.deepEqual(await stockOf(stack.orm, partNo, bin), { onHand: 1, reserved: 0 });
  await assertLedgerClean(t, stack.orm);
});

test('a posting whose activity throws after the commit is retried by Temporal and posts once', async (t) => {
  const dealer = await seedDealer(stack.orm);
  const receivable = account.dealerReceivable(dealer);
  await stack.startWorker({ workflowsPath: testWorkflowsPath, extraActivities: postOnceActivities(stack.orm, stack.ledger, receivable) });
  const workflowId = uid('post-once-');

  const journalId = await stack.client.workflow.execute('postOnceWorkflow', { taskQueue: stack.config.taskQueue, workflowId, args: [1234] });

  t.is(await journalCount(`${workflowId}:post`), 1);
  t.is(await balanceOf(stack.orm, receivable), 1234n);
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const started = history.events!.filter((e) => e.activityTaskStartedEventAttributes);
  t.is(started[started.length - 1]!.activityTaskStartedEventAttributes!.attempt, 2, 'the activity ran twice');
  t.truthy(journalId);
});

test('a correction is a reversing journal pointing at the original; journals are never updated or deleted', async (t) => {
  const dealer = await seedDealer(stack.orm);
  const receivable = account.dealerReceivable(dealer);
  const original = await post(uid('orig-'), [{ account: receivable, amount: 700n }, { account: 'sales', amount: -700n }]);

  const reversal = await inTransaction(stack.orm, (em) => stack.ledger.reverseMoney(em, { key: uid('rev-'), step: 'correct', actor: 'test', journalId: original.id }));
  const twice = await t.throwsAsync(inTransaction(stack.orm, (em) => stack.ledger.reverseMoney(em, { key: uid('rev-'), step: 'correct', actor: 'test', journalId: original.id })));
  const update = await t.throwsAsync(stack.orm.em.fork().execute('update money_journal set description = ? where id = ?', ['edited', original.id]));
  const remove = await t.throwsAsync(stack.orm.em.fork().execute('delete from money_line where journal_id = ?', [original.id]));

  t.is(reversal.reversesId, original.id);
  t.deepEqual(reversal.lines.map((l) => l.amount), ['-700', '700']);
  t.is(await balanceOf(stack.orm, receivable), 0n);
  t.is((twice as DomainError).code, 'already-reversed');
  t.regex(update!.message, /append-only/);
  t.regex(remove!.message, /append-only/);
  await assertLedgerClean(t, stack.orm);
});

test('a source amount of "199.9900055" becomes 199.99, and 10.00 for 3 units credits 3.33 + 3.33 + 3.34', async (t) => {
  const dealer = await seedDealer(stack.orm);
  const receivable = account.dealerReceivable(dealer);
  const total = parseDecimal('10.00');
  await post(uid('sale-'), [{ account: receivable, amount: total }, { account: 'sales', amount: -total }]);

  const credits = [0, 1, 2].map((returned) => unitShare(total, 3, returned, 1));
  for (const credit of credits) await post(uid('credit-'), [{ account: 'sales', amount: credit }, { account: receivable, amount: -credit }]);

  t.is(parseDecimal('199.9900055'), 19999n);
  t.is(parseDecimal('0.005'), 1n);
  t.is(parseDecimal('-2.345'), -235n);
  t.deepEqual(credits, [333n, 333n, 334n]);
  t.is(await balanceOf(stack.orm, receivable), 0n);
});

test('a posting dated into a closed day is refused, and one dated after it is taken', async (t) => {
  const dealer = await seedDealer(stack.orm);
  const receivable = account.dealerReceivable(dealer);
  // a day far in the past, so closing it does not disturb other tests that post today
  const day = '2001-02-03';
  await inTransaction(stack.orm, (em) => stack.ledger.closeDay(em, { businessDate: day, actor: 'test' }));
  const key = uid('late-');

  const err = await t.throwsAsync(post(key, [{ account: receivable, amount: 100n }, { account: 'sales', amount: -100n }], new Date('2001-02-03T10:00:00+08:00')));
  const later = await post(uid('today-'), [{ account: receivable, amount: 100n }, { account: 'sales', amount: -100n }]);

  t.is((err as DomainError).code, 'day-closed');
  t.is(await journalCount(key), 0);
  t.truthy(later.id);
});

test('random sequences of postings, reservations and moves keep every ledger invariant', async (t) => {
  const partNo = await seedPart(stack.orm);
  const bins = [await seedBin(stack.orm), await seedBin(stack.orm)];
  const dealer = await seedDealer(stack.orm);
  const op = fc.oneof(
    fc.record({ kind: fc.constant('receive' as const), bin: fc.nat(1), qty: fc.integer({ min: 1, max: 20 }) }),
    fc.record({ kind: fc.constant('move' as const), from: fc.nat(1), qty: fc.integer({ min: 1, max: 15 }) }),
    fc.record({ kind: fc.constant('ship' as const), from: fc.nat(1), qty: fc.integer({ min: 1, max: 15 }) }),
    fc.record({ kind: fc.constant('reserve' as const), qty: fc.integer({ min: 1, max: 15 }) }),
    fc.record({ kind: fc.constant('consume' as const), qty: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ kind: fc.constant('release' as const) }),
    fc.record({ kind: fc.constant('money' as const), minor: fc.bigInt({ min: -100_000n, max: 100_000n }), split: fc.boolean() }),
    fc.record({ kind: fc.constant('reverse' as const) }),
  );

  await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
    const doc = uid('doc-');
    const moneyJournals: string[] = [];
    for (const o of ops) {
      const key = uid('prop-');
      const attempt = inTransaction(stack.orm, async (em) => {
        const base = { key, step: o.kind, actor: 'property', reason: o.kind, documentRef: doc };
        switch (o.kind) {
          case 'receive': return stack.ledger.moveStock(em, { ...base, moves: [{ partNo, from: '@supplier', to: bins[o.bin]!, quantity: o.qty }] });
          case 'move': return stack.ledger.moveStock(em, { ...base, moves: [{ partNo, from: bins[o.from]!, to: bins[1 - o.from]!, quantity: o.qty }] });
          case 'ship': return stack.ledger.moveStock(em, { ...base, moves: [{ partNo, from: bins[o.from]!, to: '@in-transit', quantity: o.qty }] });
          case 'reserve': return stack.ledger.allocate(em, { key, documentRef: doc, partNo, quantity: o.qty, warehouse: 'NEW' });
          case 'consume': {
            const open = (await stack.ledger.reservationsOf(em, doc)).find((r) => r.quantity - r.consumed - r.released >= o.qty);
            if (!open) return null;
            return stack.ledger.moveStock(em, { ...base, moves: [{ partNo, from: open.location, to: '@in-transit', quantity: o.qty, reservationId: open.id }] });
          }
          case 'release': return stack.ledger.release(em, { documentRef: doc });
          case 'money': {
            if (o.minor === 0n) return null;
            const lines = o.split
              ? [{ account: account.dealerReceivable(dealer), currency: 'CNY', amount: o.minor }, { account: 'sales', currency: 'CNY', amount: -o.minor / 2n }, { account: 'bank', currency: 'CNY', amount: -(o.minor - o.minor / 2n) }]
              : [{ account: account.dealerReceivable(dealer), currency: 'CNY', amount: o.minor }, { account: 'sales', currency: 'CNY', amount: -o.minor }];
            const j = await stack.ledger.postMoney(em, { ...base, description: 'property', lines: lines.filter((l) => l.amount !== 0n) });
            moneyJournals.push(j.id);
            return j;
          }
          case 'reverse': {
            const target = moneyJournals.shift();
            return target ? stack.ledger.reverseMoney(em, { ...base, journalId: target }) : null;
          }
        }
      });
      // a refusal (not enough stock, too few lines) is allowed; it must leave the ledger intact
      await attempt.catch((err: { kind?: string }) => {
        if (err.kind !== 'refused' && err.kind !== 'invalid') throw err;
      });
    }
    const problems = await checkLedger(stack.orm.em.fork());
    if (problems.length) throw new Error(JSON.stringify(problems));
  }), { numRuns: 25 });

  await assertLedgerClean(t, stack.orm);
});
