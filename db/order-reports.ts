import type { EntityManager } from '@mikro-orm/postgresql';
import { isoDay } from './sql.ts';

// The reports of P7 that read the dealer-order tables (dealer_order_line, purchase_follow_up,
// written by activities/dealer-orders.ts) and the process rows of type 'dealer-order'.

type Row = Record<string, unknown>;
const dateText = isoDay;
const iso = (v: unknown) => (v instanceof Date ? v : new Date(String(v))).toISOString();

export type ModelGroup = 'in-production' | 'discontinued' | 'discontinued-over-two-years';

/** share as a decimal with four places, "0.6667"; null when there is nothing to share */
function share(full: number, lines: number): string | null {
  if (lines === 0) return null;
  const tenThousandths = Math.round((full * 10_000) / lines);
  return (tenThousandths / 10_000).toFixed(4);
}

/**
 * Fill rate of dealer orders submitted between `from` and `to` (business dates in the ledger's
 * time zone, of the process row's creation). A line is delivered in full when its first-time
 * shipped quantity reaches the ordered quantity (a cancelled or backordered remainder is not in
 * full). A line counts for every vehicle model its part fits. Models are grouped by lifecycle
 * as of `to`: in production, discontinued, or discontinued more than two years before `to`.
 * `neverPurchased` lists the vehicle models no part of which was on an order line in the period.
 */
export async function fillRate(em: EntityManager, r: { from: string; to: string; timeZone: string }) {
  const rows = await em.execute(
    `with lines as (
       select l.order_id, l.line_no, l.part_no, (l.shipped >= l.ordered) as full_line
       from dealer_order_line l join process p on p.id = l.order_id
       where p.type = 'dealer-order' and (p.created_at at time zone ?)::date between ? and ?)
     select m.code, m.name, m.lifecycle, m.discontinued_on,
            count(x.line_no)::int as lines, count(x.line_no) filter (where x.full_line)::int as full_lines
     from vehicle_model m
     left join (select lines.*, unnest(pt.fits) as model from lines join part pt on pt.part_no = lines.part_no) x on x.model = m.code
     group by m.code, m.name, m.lifecycle, m.discontinued_on
     order by m.code`,
    [r.timeZone, r.from, r.to]);
  const twoYearsBefore = `${Number(r.to.slice(0, 4)) - 2}${r.to.slice(4)}`;
  const groupOf = (m: Row): ModelGroup => (m.lifecycle !== 'discontinued' ? 'in-production'
    : (dateText(m.discontinued_on) ?? r.to) < twoYearsBefore ? 'discontinued-over-two-years' : 'discontinued');

  const models = rows.filter((m: Row) => Number(m.lines) > 0).map((m: Row) => ({
    model: String(m.code), name: String(m.name), group: groupOf(m), discontinuedOn: dateText(m.discontinued_on),
    lines: Number(m.lines), fullLines: Number(m.full_lines), fillRate: share(Number(m.full_lines), Number(m.lines)),
  }));
  const groups = (['in-production', 'discontinued', 'discontinued-over-two-years'] as const).map((group) => {
    const of = models.filter((m) => m.group === group);
    const lines = of.reduce((s, m) => s + m.lines, 0);
    const fullLines = of.reduce((s, m) => s + m.fullLines, 0);
    return { group, models: of.length, lines, fullLines, fillRate: share(fullLines, lines) };
  });
  const neverPurchased = rows.filter((m: Row) => Number(m.lines) === 0)
    .map((m: Row) => ({ model: String(m.code), name: String(m.name), group: groupOf(m) }));
  return { from: r.from, to: r.to, groups, models, neverPurchased };
}

/** open backorder lines: the open purchase follow-ups, oldest first, with their age in whole days */
export async function backorders(em: EntityManager, now: Date, limit = 1000) {
  const rows = await em.execute(
    `select f.id, f.order_id, f.order_line_no, f.part_no, f.quantity, f.supplier_id, f.raised_at, p.dealer_id,
            l.ordered, l.backordered
     from purchase_follow_up f
     left join dealer_order_line l on l.order_id = f.order_id and l.line_no = f.order_line_no
     left join process p on p.id = f.order_id
     where f.status = 'open' order by f.raised_at, f.id limit ${Math.max(1, Math.min(limit, 10_000))}`);
  return {
    asOf: now.toISOString(),
    lines: rows.map((f: Row) => ({
      orderId: String(f.order_id), dealerId: f.dealer_id === null ? null : String(f.dealer_id), lineNo: Number(f.order_line_no),
      partNo: String(f.part_no), ordered: f.ordered === null ? null : Number(f.ordered), missing: Number(f.quantity),
      followUpId: String(f.id), supplierId: f.supplier_id === null ? null : String(f.supplier_id), raisedAt: iso(f.raised_at),
      ageDays: Math.floor((now.getTime() - new Date(iso(f.raised_at)).getTime()) / 86_400_000),
    })),
  };
}
