import type { EntityManager } from '@mikro-orm/postgresql';

import type { AlertAudience } from './entities/warehouse.ts';
import { invalid, refused } from './errors.ts';

// Warehouse reads and the small records beside the ledger: bin freezes of stock counts, the
// alert outbox, booked quantities per bin and the daily bin card.
//
// Stock counts FREEZE their bins (they do not try to net out picks in flight): while a count
// holds a bin, no pick and no putaway may move stock in or out of it, so the booked quantity
// the count compares with cannot change under the counter's feet. Stock reserved for an order
// but not yet picked is still on the shelf, so it is counted and compared as on hand. Every
// step that moves stock out of or into a bin checks `isBinFrozen` / `assertBinsOpen` first: the
// putaway of inbound receipts and the pick confirmation of dealer orders.
// TODO: units picked before the count opened but not yet shipped are off the shelf yet booked
// in the bin, so they show as a shortfall; subtract confirmed, unshipped picking-list lines from
// the booked quantity when comparing.

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v instanceof Date ? v : new Date(String(v))).toISOString();

/** how a bin is named in a URL: `NEW~A-01` for the location `NEW/A-01` (a slash cannot be a path segment) */
export function locationFromBinRef(ref: string): string {
  const m = /^([A-Z]{1,8})~([A-Za-z0-9][A-Za-z0-9._\- ]{0,63})$/.exec(ref);
  if (!m) throw invalid('bin', 'must name warehouse and bin as WAREHOUSE~BIN, e.g. NEW~A-01');
  return `${m[1]}/${m[2]}`;
}

export async function isBinFrozen(em: EntityManager, location: string): Promise<boolean> {
  const rows = await em.execute('select 1 from bin_freeze where location = ?', [location]);
  return rows.length > 0;
}

/**
 * Refuses (422 `bin-frozen`) when any of the locations is held by a stock count. Takes a share
 * lock on the freeze rows it finds nothing in, so call it inside the transaction of the move.
 */
export async function assertBinsOpen(em: EntityManager, locations: string[]): Promise<void> {
  const bins = [...new Set(locations)].filter((l) => !l.startsWith('@'));
  if (!bins.length) return;
  const rows = await em.execute(
    `select location, process_id from bin_freeze where location in (${bins.map(() => '?').join(', ')}) order by location for share`, bins);
  if (rows.length) {
    const first = rows[0]!;
    throw refused('bin-frozen', `bin ${String(first.location)} is frozen by stock count ${String(first.process_id)}; try again after the count`,
      { location: first.location, countId: first.process_id });
  }
}

/** freezes bins for a count; refuses when another count holds one of them */
export async function freezeBins(em: EntityManager, processId: string, locations: string[], at: Date): Promise<void> {
  const bins = [...new Set(locations)].sort();
  await em.execute(
    `insert into bin_freeze (location, process_id, frozen_at) values ${bins.map(() => '(?, ?, ?)').join(', ')} on conflict do nothing`,
    bins.flatMap((b) => [b, processId, at]));
  const taken = await em.execute(
    `select location, process_id from bin_freeze where location in (${bins.map(() => '?').join(', ')}) and process_id <> ?`, [...bins, processId]);
  if (taken.length) {
    throw refused('bin-frozen', `bin ${String(taken[0]!.location)} is being counted by ${String(taken[0]!.process_id)}`,
      { location: taken[0]!.location, countId: taken[0]!.process_id });
  }
}

export async function releaseBins(em: EntityManager, processId: string): Promise<void> {
  await em.execute('delete from bin_freeze where process_id = ?', [processId]);
}

/** writes a notice for finance or purchasing once per key */
export async function raiseAlert(em: EntityManager, a: {
  key: string; audience: AlertAudience; kind: string; processId: string; detail: Record<string, unknown>; at: Date;
}): Promise<void> {
  await em.execute(
    `insert into warehouse_alert (idempotency_key, audience, kind, process_id, detail, created_at) values (?, ?, ?, ?, ?, ?)
     on conflict (idempotency_key) do nothing`,
    [a.key, a.audience, a.kind, a.processId, JSON.stringify(a.detail), a.at]);
}

export async function alertsOf(em: EntityManager, processId: string) {
  const rows = await em.execute('select audience, kind, detail, created_at from warehouse_alert where process_id = ? order by id', [processId]);
  return rows.map((r: Row) => ({ audience: String(r.audience), kind: String(r.kind), detail: r.detail as Record<string, unknown> }));
}

export interface BookedQuantity {
  location: string;
  partNo: string;
  /** on hand in stock_balance, the ledger's running balance */
  booked: number;
  /** the same quantity recomputed from every move of the bin (the bin card's closing) */
  binCard: number;
}

/** what the ledger and the bin card say is in each of the locations, per part */
export async function bookedQuantities(em: EntityManager, locations: string[]): Promise<BookedQuantity[]> {
  if (!locations.length) return [];
  const marks = locations.map(() => '?').join(', ');
  const rows = await em.execute(
    `with card as (
       select part_no, location, sum(q)::int as qty from (
         select part_no, to_location as location, quantity as q from stock_move where to_location in (${marks})
         union all select part_no, from_location, -quantity from stock_move where from_location in (${marks})) m
       group by part_no, location)
     select coalesce(b.location, c.location) as location, coalesce(b.part_no, c.part_no) as part_no,
            coalesce(b.on_hand, 0) as booked, coalesce(c.qty, 0) as bin_card
     from (select * from stock_balance where location in (${marks})) b
     full join card c on c.part_no = b.part_no and c.location = b.location
     order by 1, 2`,
    [...locations, ...locations, ...locations]);
  return rows.map((r: Row) => ({ location: String(r.location), partNo: String(r.part_no), booked: Number(r.booked), binCard: Number(r.bin_card) }));
}

export interface BinCard {
  location: string;
  date: string;
  parts: {
    partNo: string;
    opening: number;
    movements: {
      journalId: string; postedAt: string; reason: string; documentRef: string; processId: string | null; actor: string;
      from: string; to: string; in: number; out: number; balance: number;
    }[];
    closing: number;
  }[];
}

/**
 * The daily record card of a bin: for each part that was in it at the start of the day or moved
 * through it during the day, the opening quantity, every move of the day in posting order, and
 * the closing quantity. Days are business days of the ledger (stock_journal.business_date).
 */
export async function binCard(em: EntityManager, location: string, date: string): Promise<BinCard> {
  const opening = await em.execute(
    `select part_no, sum(q)::int as qty from (
       select m.part_no, m.quantity as q from stock_move m join stock_journal j on j.id = m.journal_id
         where m.to_location = ? and j.business_date < ?
       union all select m.part_no, -m.quantity from stock_move m join stock_journal j on j.id = m.journal_id
         where m.from_location = ? and j.business_date < ?) x
     group by part_no having sum(q) <> 0`,
    [location, date, location, date]);
  const moves = await em.execute(
    `select j.id as journal_id, j.posted_at, j.reason, j.document_ref, j.process_id, j.actor,
            m.part_no, m.from_location, m.to_location, m.quantity
     from stock_move m join stock_journal j on j.id = m.journal_id
     where (m.to_location = ? or m.from_location = ?) and j.business_date = ?
     order by j.id, m.id`,
    [location, location, date]);

  const parts = new Map<string, BinCard['parts'][number]>();
  const part = (partNo: string) => {
    let p = parts.get(partNo);
    if (!p) {
      p = { partNo, opening: 0, movements: [], closing: 0 };
      parts.set(partNo, p);
    }
    return p;
  };
  for (const r of opening) {
    const p = part(String(r.part_no));
    p.opening = Number(r.qty);
    p.closing = p.opening;
  }
  for (const m of moves) {
    const p = part(String(m.part_no));
    const q = Number(m.quantity);
    const incoming = m.to_location === location;
    p.closing += incoming ? q : -q;
    p.movements.push({
      journalId: String(m.journal_id), postedAt: iso(m.posted_at), reason: String(m.reason),
      documentRef: String(m.document_ref), processId: m.process_id === null ? null : String(m.process_id), actor: String(m.actor),
      from: String(m.from_location), to: String(m.to_location), in: incoming ? q : 0, out: incoming ? 0 : q, balance: p.closing,
    });
  }
  return { location, date, parts: [...parts.values()].sort((a, b) => (a.partNo < b.partNo ? -1 : 1)) };
}
