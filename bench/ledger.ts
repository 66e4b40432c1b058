import { performance } from 'node:perf_hooks';

import { account } from '../db/accounts.ts';
import { dropDatabase, ensureDatabase } from '../db/database.ts';
import { Ledger } from '../db/ledger.ts';
import * as master from '../db/master.ts';
import { migrate, openOrm, type Orm } from '../db/orm.ts';
import { inTransaction } from '../db/tx.ts';

// `npm run bench:ledger`: postings per second for a 3-line money journal and a 1-line stock
// move, on one connection and on 8, and the latency of a balance read with 1,000,000 journal
// lines in the table. Runs on a database of its own (dropped at the end) on the local server,
// or the one at BENCH_PG_ADMIN_URL.

const adminUrl = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `spareflow_bench_${Date.now().toString(36)}`;
const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
const count = Number(process.env.BENCH_COUNT ?? 2000);

function quantiles(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { p50: +q(0.5).toFixed(2), p95: +q(0.95).toFixed(2), p99: +q(0.99).toFixed(2) };
}

async function rate(label: string, concurrency: number, n: number, one: (i: number) => Promise<unknown>) {
  let next = 0;
  const lat: number[] = [];
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let i = next++; i < n; i = next++) {
      const t0 = performance.now();
      await one(i);
      lat.push(performance.now() - t0);
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  const result = { label, concurrency, postings: n, perSecond: Math.round(n / seconds), ...quantiles(lat) };
  console.log(JSON.stringify(result));
  return result;
}

async function main(orm: Orm) {
  const ledger = new Ledger({ timeZone: 'Asia/Shanghai' });
  await inTransaction(orm, async (em) => {
    await master.upsertDealer(em, { id: 'BENCH', name: 'bench dealer', timeZone: 'Asia/Shanghai' }, 'bench');
    await master.upsertPart(em, { partNo: 'BENCH-P', name: 'bench part', category: 'ordinary', fits: [] }, 'bench');
    for (const bin of ['A', 'B']) await master.upsertBin(em, { warehouse: 'NEW', bin }, 'bench');
  });
  const money = (tag: string) => (i: number) => inTransaction(orm, (em) => ledger.postMoney(em, {
    key: `${tag}:${i}`, step: 'bench', actor: 'bench', description: 'bench',
    lines: [
      { account: account.dealerReceivable('BENCH'), currency: 'CNY', amount: 1130n },
      { account: 'sales', currency: 'CNY', amount: -1000n },
      { account: 'bank', currency: 'CNY', amount: -130n },
    ],
  }));
  const stock = (tag: string) => (i: number) => inTransaction(orm, (em) => ledger.moveStock(em, {
    key: `${tag}:${i}`, step: 'bench', actor: 'bench', reason: 'bench', documentRef: 'bench',
    moves: [{ partNo: 'BENCH-P', from: '@supplier', to: i % 2 ? 'NEW/A' : 'NEW/B', quantity: 1 }],
  }));

  const results = [
    await rate('money journal, 3 lines', 1, count, money('m1')),
    await rate('money journal, 3 lines', 8, count, money('m8')),
    await rate('stock move, 1 line', 1, count, stock('s1')),
    await rate('stock move, 1 line', 8, count, stock('s8')),
  ];

  // fill money_line to 1,000,000 rows with balanced 3-line journals, keeping balances true
  const em = orm.em.fork();
  const [{ n: have }] = (await em.execute('select count(*)::int as n from money_line')) as [{ n: number }];
  const journals = Math.ceil((1_000_000 - have) / 3);
  const t0 = performance.now();
  await em.execute(`insert into money_journal (idempotency_key, content_hash, process_id, step, actor, posted_at, business_date, description)
    select 'fill:' || g, 'x', null, 'fill', 'bench', now(), current_date, 'fill' from generate_series(1, ${journals}) g`);
  await em.execute(`insert into money_line (journal_id, account_code, currency, amount)
    select j.id, a.code, 'CNY', a.amount from money_journal j
    cross join (values ('receivable:BENCH', 300), ('sales', -200), ('bank', -100)) as a(code, amount)
    where j.idempotency_key like 'fill:%'`);
  await em.execute(`update account_balance b set balance = s.total from
    (select account_code, currency, sum(amount) as total from money_line group by 1, 2) s
    where s.account_code = b.account_code and s.currency = b.currency`);
  await em.execute('analyze');
  const [{ n: lines }] = (await em.execute('select count(*)::int as n from money_line')) as [{ n: number }];
  console.log(JSON.stringify({ filled: lines, seconds: +((performance.now() - t0) / 1000).toFixed(1) }));

  const reads: number[] = [];
  const latest: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const r0 = performance.now();
    await ledger.accountBalance(orm.em.fork(), account.dealerReceivable('BENCH'));
    reads.push(performance.now() - r0);
    const l0 = performance.now();
    await orm.em.fork().execute(`select l.journal_id, l.amount from money_line l where l.account_code = ? order by l.id desc limit 50`, ['receivable:BENCH']);
    latest.push(performance.now() - l0);
  }
  const balanceRead = { moneyLines: lines, balance: quantiles(reads), latest50Lines: quantiles(latest) };
  console.log(JSON.stringify({ balanceReadMs: balanceRead }));
  return { results, balanceRead };
}

await ensureDatabase(adminUrl, name);
const orm = await openOrm(url, 10);
try {
  await migrate(orm);
  const out = await main(orm);
  console.log('\n| posting | connections | per second | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- |');
  for (const r of out.results) console.log(`| ${r.label} | ${r.concurrency} | ${r.perSecond} | ${r.p50} | ${r.p99} |`);
  console.log(`\nbalance read with ${out.balanceRead.moneyLines} lines: p50 ${out.balanceRead.balance.p50} ms, p99 ${out.balanceRead.balance.p99} ms; ` +
    `latest 50 lines: p50 ${out.balanceRead.latest50Lines.p50} ms, p99 ${out.balanceRead.latest50Lines.p99} ms`);
} finally {
  await orm.close();
  await dropDatabase(adminUrl, name);
}
