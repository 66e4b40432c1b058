import type { EntityManager } from '@mikro-orm/postgresql';

// Recomputes the ledger from its journals and lists every way the stored state disagrees.
// Used by `npm run ledger:check`, the daily close, and the tests' invariant checks.

export interface LedgerProblem {
  rule: string;
  detail: Record<string, unknown>;
}

const CHECKS: { rule: string; sql: string }[] = [
  {
    rule: 'money journal does not sum to zero per currency',
    sql: `select journal_id, currency, sum(amount)::text as sum from money_line group by journal_id, currency having sum(amount) <> 0`,
  },
  {
    rule: 'money journal has fewer than two lines',
    sql: `select j.id as journal_id, count(l.id)::int as lines from money_journal j left join money_line l on l.journal_id = j.id
          group by j.id having count(l.id) < 2`,
  },
  {
    rule: 'account balance differs from its journal lines',
    sql: `select coalesce(b.account_code, s.account_code) as account, coalesce(b.currency, s.currency) as currency,
                  b.balance::text as stored, s.total::text as recomputed
          from account_balance b
          full join (select account_code, currency, sum(amount) as total from money_line group by account_code, currency) s
            on s.account_code = b.account_code and s.currency = b.currency
          where coalesce(b.balance, 0) <> coalesce(s.total, 0)`,
  },
  {
    rule: 'stock journal has no moves',
    sql: `select j.id as journal_id from stock_journal j where not exists (select 1 from stock_move m where m.journal_id = j.id)`,
  },
  {
    rule: 'stock balance differs from its moves',
    sql: `select coalesce(b.part_no, s.part_no) as part_no, coalesce(b.location, s.location) as location,
                  b.on_hand as stored, s.total::int as recomputed
          from stock_balance b
          full join (
            select part_no, location, sum(q) as total from (
              select part_no, to_location as location, quantity as q from stock_move
              union all select part_no, from_location, -quantity from stock_move) m
            group by part_no, location) s
            on s.part_no = b.part_no and s.location = b.location
          where coalesce(b.on_hand, 0) <> coalesce(s.total, 0)`,
  },
  {
    rule: 'physical stock balance is negative or over-reserved',
    sql: `select b.part_no, b.location, b.on_hand, b.reserved from stock_balance b join location l on l.code = b.location
          where l.physical and (b.on_hand < 0 or b.reserved < 0 or b.reserved > b.on_hand)`,
  },
  {
    rule: 'reserved quantity differs from open reservations',
    sql: `select coalesce(b.part_no, r.part_no) as part_no, coalesce(b.location, r.location) as location,
                  b.reserved as stored, r.open::int as recomputed
          from stock_balance b
          full join (select part_no, location, sum(quantity - consumed - released) as open from reservation
                     group by part_no, location) r on r.part_no = b.part_no and r.location = b.location
          where coalesce(b.reserved, 0) <> coalesce(r.open, 0)`,
  },
  {
    rule: 'reversal does not point at an existing journal',
    sql: `select j.id as journal_id, j.reverses_id from money_journal j where j.reverses_id is not null
            and not exists (select 1 from money_journal o where o.id = j.reverses_id)
          union all
          select j.id, j.reverses_id from stock_journal j where j.reverses_id is not null
            and not exists (select 1 from stock_journal o where o.id = j.reverses_id)`,
  },
];

export async function checkLedger(em: EntityManager, limitPerRule = 20): Promise<LedgerProblem[]> {
  const problems: LedgerProblem[] = [];
  for (const check of CHECKS) {
    const rows = await em.execute(`${check.sql} limit ${limitPerRule}`);
    for (const row of rows) problems.push({ rule: check.rule, detail: { ...row } });
  }
  return problems;
}
