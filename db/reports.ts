import type { EntityManager } from '@mikro-orm/postgresql';

import { WAREHOUSES } from './entities/master.ts';
import { formatMinor } from './money.ts';
import { isoDay } from './sql.ts';

// The reports of P7 that do not depend on dealer orders. Each returns plain rows; the API
// serves them as JSON or CSV (api/routes/reports.ts).

type Row = Record<string, unknown>;
const dateText = (v: unknown) => isoDay(v)!;

/**
 * Stock on hand at the end of a business day, per warehouse: quantity (units) and variety
 * (distinct parts with a positive quantity). Recomputed from the moves dated up to that day,
 * so it is exact for any date, closed or not.
 */
export async function stockSummary(em: EntityManager, date: string) {
  const rows = await em.execute(
    `with m as (
       select mv.part_no, mv.to_location as location, mv.quantity as q
         from stock_move mv join stock_journal j on j.id = mv.journal_id where j.business_date <= ?
       union all
       select mv.part_no, mv.from_location, -mv.quantity
         from stock_move mv join stock_journal j on j.id = mv.journal_id where j.business_date <= ?),
     per_part as (
       select l.warehouse, m.part_no, sum(m.q) as qty from m join location l on l.code = m.location
       where l.physical group by l.warehouse, m.part_no)
     select warehouse, coalesce(sum(qty) filter (where qty > 0), 0)::bigint as quantity,
            count(*) filter (where qty > 0)::int as variety
     from per_part group by warehouse`,
    [date, date]);
  return {
    date,
    warehouses: Object.entries(WAREHOUSES).map(([code, name]) => {
      const r = rows.find((x: Row) => x.warehouse === code);
      return { warehouse: code, name, quantity: Number(r?.quantity ?? 0), variety: Number(r?.variety ?? 0) };
    }),
  };
}

/**
 * Warranty core returns by week (ISO weeks, from Monday) or month, on business dates in the
 * ledger's time zone. What is read, from the process rows of type 'core-return'
 * (workflows/core-return.ts) and the ledger:
 * - received: units moved by a core-return process's stock journals into a location of the
 *   CORE warehouse (its inspection bin), on the journal's business date; unlisted cores too;
 * - approved / rejected: the cores of `summary.batch.cores[]` by their last decision
 *   (`finalDecision` after an objection, else `decision`; 'approve' or 'reject'), on the date
 *   of that decision's `at`;
 * - objected: the cores with an `objection`, on the date of its `at`;
 * - credited: the credits to dealer receivable accounts (receivable:*) of the process's money
 *   journals, i.e. the warranty credits given to the dealer;
 * - recovered: the credits to supplier recovery accounts (recovery:*) of the process's money
 *   journals, i.e. what suppliers paid or credited against the recovery receivable.
 * Money is per currency, as decimal strings.
 */
export async function warrantyReport(em: EntityManager, r: { period: 'week' | 'month'; from: string; to: string; timeZone: string }) {
  const unit = r.period;
  const periods = await em.execute(
    `select generate_series(date_trunc('${unit}', ?::date), date_trunc('${unit}', ?::date), interval '1 ${unit}')::date as start`,
    [r.from, r.to]);

  const received = await em.execute(
    `select date_trunc('${unit}', j.business_date)::date as start, sum(m.quantity)::bigint as n
     from stock_journal j join stock_move m on m.journal_id = j.id join location l on l.code = m.to_location
     where j.process_id like 'core-return:%' and l.warehouse = 'CORE' and j.business_date between ? and ?
     group by 1`, [r.from, r.to]);

  const cores = `select coalesce(nullif(c->'finalDecision', 'null'::jsonb), nullif(c->'decision', 'null'::jsonb)) as last,
                        nullif(c->'objection', 'null'::jsonb) as objection
                 from process p cross join lateral jsonb_array_elements(coalesce(p.summary->'batch'->'cores', '[]'::jsonb)) c
                 where p.type = 'core-return'`;
  const decisions = await em.execute(
    `with cores as (${cores}), decided as (
       select ((last->>'at')::timestamptz at time zone ?)::date as day, last->>'decision' as decision from cores where last is not null)
     select date_trunc('${unit}', day)::date as start, decision, count(*)::bigint as n
     from decided where decision in ('approve', 'reject') and day between ? and ? group by 1, 2`,
    [r.timeZone, r.from, r.to]);

  const objected = await em.execute(
    `with cores as (${cores}), objected as (
       select ((objection->>'at')::timestamptz at time zone ?)::date as day from cores where objection is not null)
     select date_trunc('${unit}', day)::date as start, count(*)::bigint as n from objected where day between ? and ? group by 1`,
    [r.timeZone, r.from, r.to]);

  const money = await em.execute(
    `select date_trunc('${unit}', j.business_date)::date as start, l.currency,
            coalesce(-sum(l.amount) filter (where l.account_code like 'receivable:%' and l.amount < 0), 0)::bigint as credited,
            coalesce(-sum(l.amount) filter (where l.account_code like 'recovery:%' and l.amount < 0), 0)::bigint as recovered
     from money_journal j join money_line l on l.journal_id = j.id
     where j.process_id like 'core-return:%' and j.business_date between ? and ?
     group by 1, 2 order by 2`, [r.from, r.to]);

  const at = (rows: Row[], start: string) => rows.filter((x) => dateText(x.start) === start);
  const count = (rows: Row[]) => rows.reduce((s, x) => s + Number(x.n), 0);
  return {
    period: r.period, from: r.from, to: r.to,
    rows: periods.map((p: Row) => {
      const start = dateText(p.start);
      const m = at(money, start);
      return {
        periodStart: start,
        received: count(at(received, start)),
        approved: count(at(decisions, start).filter((x) => x.decision === 'approve')),
        rejected: count(at(decisions, start).filter((x) => x.decision === 'reject')),
        objected: count(at(objected, start)),
        credited: m.filter((x) => BigInt(String(x.credited)) !== 0n).map((x) => ({ amount: formatMinor(String(x.credited)), currency: String(x.currency) })),
        recovered: m.filter((x) => BigInt(String(x.recovered)) !== 0n).map((x) => ({ amount: formatMinor(String(x.recovered)), currency: String(x.currency) })),
      };
    }),
  };
}

/** rows of objects as CSV text: a header of the keys, values quoted when needed */
export function toCsv(rows: Record<string, unknown>[], columns?: string[]): string {
  const cols = columns ?? Object.keys(rows[0] ?? {});
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : Array.isArray(v)
      ? v.map((x) => (typeof x === 'object' && x && 'amount' in x ? `${String(x.amount)} ${String((x as { currency?: string }).currency ?? '')}`.trim() : String(x))).join('; ')
      : String(v);
    // a leading = + - @ would be taken as a formula by spreadsheets
    const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
    return /[",\n\r;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
