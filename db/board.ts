import type { EntityManager } from '@mikro-orm/postgresql';

import { processFromRow } from './processes.ts';

// What the back office reads: the process table and the ledger tables, never Temporal, so the
// board stays fast with many processes. Every list is keyset-paginated.

type Row = Record<string, unknown>;
// raw rows carry timestamps as the driver gives them: a Date or PostgreSQL's text
const iso = (v: unknown) => (v instanceof Date ? v : new Date(String(v))).toISOString();

export interface BoardFilter {
  type?: string | undefined;
  status?: string | undefined;
  dealerId?: string | undefined;
  /** a business key, or the start of one; also matches a process id exactly */
  q?: string | undefined;
  limit: number;
  /** the cursor of the last row of the previous page */
  after?: string | undefined;
}

/** the board's cursor: the last row's updated_at (as PostgreSQL prints it, so no precision is lost) and id */
export const encodeCursor = (updatedAt: string, id: string) => Buffer.from(JSON.stringify([updatedAt, id])).toString('base64url');

export function decodeCursor(cursor: string): [string, string] | null {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[0]))) {
      return [v[0], v[1]];
    }
  } catch { /* answered as null below */ }
  return null;
}

const likePrefix = (q: string) => `${q.replace(/[\\%_]/g, '\\$&')}%`;

/** newest change first; a page of rows without their summaries, and the cursor of the next page */
export async function listProcesses(em: EntityManager, f: BoardFilter, after: [string, string] | null) {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const where = (sql: string, ...values: unknown[]) => {
    clauses.push(sql);
    params.push(...values);
  };
  if (f.type) where('type = ?', f.type);
  if (f.status) where('status = ?', f.status);
  if (f.dealerId) where('dealer_id = ?', f.dealerId);
  if (f.q) where(`(business_key like ? escape '\\' or id = ?)`, likePrefix(f.q), f.q);
  if (after) where('(updated_at, id) < (?::timestamptz, ?)', after[0], after[1]);

  const rows = await em.execute(
    `select id, type, business_key, status, dealer_id, amount_minor, currency, due_at, escalation_level, created_at, updated_at,
            updated_at::text as cursor_at
     from process ${clauses.length ? `where ${clauses.join(' and ')}` : ''}
     order by updated_at desc, id desc limit ${f.limit + 1}`, params);
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r: Row) => {
      const { summary: _summary, ...view } = processFromRow({ ...r, summary: {} });
      return view;
    }),
    next: rows.length > f.limit && last ? encodeCursor(String(last.cursor_at), String(last.id)) : null,
  };
}

/** the money and stock journals a process posted, oldest first, with their lines and moves */
export async function postingsOf(em: EntityManager, processId: string) {
  const money = await em.execute(
    `select j.id, j.step, j.actor, j.posted_at, j.business_date::text as business_date, j.description, j.reverses_id,
            coalesce(json_agg(json_build_object('account', l.account_code, 'currency', l.currency, 'amountMinor', l.amount::text) order by l.id)
              filter (where l.id is not null), '[]') as lines
     from money_journal j left join money_line l on l.journal_id = j.id
     where j.process_id = ? group by j.id order by j.id limit 500`, [processId]);
  const stock = await em.execute(
    `select j.id, j.step, j.actor, j.posted_at, j.business_date::text as business_date, j.reason, j.document_ref, j.reverses_id,
            coalesce(json_agg(json_build_object('partNo', m.part_no, 'from', m.from_location, 'to', m.to_location, 'quantity', m.quantity) order by m.id)
              filter (where m.id is not null), '[]') as moves
     from stock_journal j left join stock_move m on m.journal_id = j.id
     where j.process_id = ? group by j.id order by j.id limit 500`, [processId]);
  const head = (r: Row) => ({
    journalId: String(r.id), step: String(r.step), actor: String(r.actor), postedAt: iso(r.posted_at),
    businessDate: String(r.business_date), reversesId: r.reverses_id === null ? null : String(r.reverses_id),
  });
  return {
    money: money.map((r: Row) => ({ ...head(r), description: String(r.description), lines: r.lines })),
    stock: stock.map((r: Row) => ({ ...head(r), reason: String(r.reason), documentRef: String(r.document_ref), moves: r.moves })),
  };
}

/** the ageing buckets of overdue receivables, by days past the overdue instant */
export const AGEING_BUCKETS = [
  { bucket: '1-30', from: 0, to: 30 },
  { bucket: '31-60', from: 30, to: 60 },
  { bucket: '61-90', from: 60, to: 90 },
  { bucket: '90+', from: 90, to: null },
] as const;

/** outstanding overdue amounts by ageing bucket, by dealer and bucket, and the dealers on credit hold */
export async function arrears(em: EntityManager, now: Date) {
  const bucketSql = `case ${AGEING_BUCKETS.filter((b) => b.to !== null).map((b) => `when ?::timestamptz - overdue_at < interval '${b.to} days' then '${b.bucket}'`).join(' ')} else '90+' end`;
  const rows = await em.execute(
    `select dealer_id, currency, ${bucketSql} as bucket, sum(amount_minor - paid_minor)::text as outstanding, count(*)::int as invoices
     from invoice where amount_minor > paid_minor and overdue_at <= ?::timestamptz
     group by 1, 2, 3 order by 1, 2, 3`,
    [...AGEING_BUCKETS.filter((b) => b.to !== null).map(() => now), now]);
  const byBucket = new Map<string, { bucket: string; currency: string; outstandingMinor: bigint; invoices: number }>();
  for (const r of rows) {
    const k = `${r.bucket}|${r.currency}`;
    const acc = byBucket.get(k) ?? { bucket: String(r.bucket), currency: String(r.currency), outstandingMinor: 0n, invoices: 0 };
    acc.outstandingMinor += BigInt(String(r.outstanding));
    acc.invoices += Number(r.invoices);
    byBucket.set(k, acc);
  }
  const holds = await em.execute(
    'select id, name, credit_hold_reason, updated_at from dealer where credit_hold order by id limit 1000');
  return {
    buckets: AGEING_BUCKETS.map((b) => b.bucket),
    byBucket: [...byBucket.values()].map((b) => ({ ...b, outstandingMinor: b.outstandingMinor.toString() })),
    byDealer: rows.map((r: Row) => ({
      dealerId: String(r.dealer_id), currency: String(r.currency), bucket: String(r.bucket),
      outstandingMinor: String(r.outstanding), invoices: Number(r.invoices),
    })),
    creditHold: holds.map((d: Row) => ({
      dealerId: String(d.id), name: String(d.name), reason: d.credit_hold_reason === null ? null : String(d.credit_hold_reason),
      since: iso(d.updated_at),
    })),
  };
}

/**
 * Core returns by the week they were filed, with the decisions on their cores. Rows come from
 * the process table, written by the core-return process; the summary is read defensively:
 * `summary.cores` an array of objects whose `decision` is 'approved' or 'rejected' (anything
 * else, or no decision yet, counts as pending).
 */
export async function warrantyByWeek(em: EntityManager, weeks: number, now: Date) {
  const rows = await em.execute(
    `select to_char(date_trunc('week', p.created_at at time zone 'UTC'), 'YYYY-MM-DD') as week,
            count(distinct p.id)::int as returns,
            count(c.core)::int as cores,
            count(c.core) filter (where c.core->>'decision' = 'approved')::int as approved,
            count(c.core) filter (where c.core->>'decision' = 'rejected')::int as rejected
     from process p
     left join lateral jsonb_array_elements(
       case when jsonb_typeof(p.summary->'cores') = 'array' then p.summary->'cores' else '[]'::jsonb end) as c(core)
       on jsonb_typeof(c.core) = 'object'
     where p.type = 'core-return' and p.created_at >= ?::timestamptz - (? * interval '1 week')
     group by 1 order by 1`, [now, weeks]);
  return rows.map((r: Row) => ({
    week: String(r.week), returns: Number(r.returns), cores: Number(r.cores),
    approved: Number(r.approved), rejected: Number(r.rejected), pending: Number(r.cores) - Number(r.approved) - Number(r.rejected),
  }));
}

/** stock on hand by warehouse and bin (physical locations only) */
export async function stockByBin(em: EntityManager, f: { warehouse?: string | undefined; partNo?: string | undefined; limit: number; after?: string | undefined }) {
  const clauses = ['b.physical', '(b.on_hand > 0 or b.reserved > 0)'];
  const params: unknown[] = [];
  if (f.warehouse) {
    clauses.push('l.warehouse = ?');
    params.push(f.warehouse);
  }
  if (f.partNo) {
    clauses.push('b.part_no = ?');
    params.push(f.partNo);
  }
  if (f.after) {
    clauses.push(`(b.location || '|' || b.part_no) > ?`);
    params.push(f.after);
  }
  const rows = await em.execute(
    `select l.warehouse, l.bin, l.zone, b.location, b.part_no, b.on_hand, b.reserved
     from stock_balance b join location l on l.code = b.location
     where ${clauses.join(' and ')} order by b.location || '|' || b.part_no limit ${f.limit + 1}`, params);
  const totals = await em.execute(
    `select l.warehouse, count(distinct b.part_no)::int as parts, sum(b.on_hand)::int as on_hand, sum(b.reserved)::int as reserved
     from stock_balance b join location l on l.code = b.location where b.physical group by 1 order by 1`);
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    byWarehouse: totals.map((t: Row) => ({ warehouse: String(t.warehouse), parts: Number(t.parts), onHand: Number(t.on_hand), reserved: Number(t.reserved) })),
    items: page.map((r: Row) => ({
      warehouse: String(r.warehouse), bin: String(r.bin), zone: r.zone === null ? null : String(r.zone), location: String(r.location),
      partNo: String(r.part_no), onHand: Number(r.on_hand), reserved: Number(r.reserved), available: Number(r.on_hand) - Number(r.reserved),
    })),
    next: rows.length > f.limit && last ? `${String(last.location)}|${String(last.part_no)}` : null,
  };
}
