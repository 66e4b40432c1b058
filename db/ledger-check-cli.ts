import { loadConfig } from './config.ts';
import { openDatabase } from './database.ts';
import { checkLedger } from './ledger-check.ts';
import { openOrm } from './orm.ts';

// `npm run ledger:check`: exits 0 only when every ledger invariant holds.
const config = loadConfig();
const db = await openDatabase(config);
const orm = await openOrm(db.url, 2);
let failed: boolean;
try {
  const problems = await checkLedger(orm.em.fork());
  for (const p of problems) console.log(`${p.rule}: ${JSON.stringify(p.detail)}`);
  const [counts] = await orm.em.fork().execute(
    `select (select count(*) from money_journal)::int as money, (select count(*) from stock_journal)::int as stock`);
  console.log(problems.length ? `ledger check FAILED: ${problems.length} problem(s)` :
    `ledger check passed: ${counts?.money} money journals, ${counts?.stock} stock journals`);
  failed = problems.length > 0;
} finally {
  await orm.close();
  await db.stop();
}
process.exit(failed ? 1 : 0);
