import { createHash } from 'node:crypto';

import type { EntityManager } from '@mikro-orm/postgresql';

import { accountKind } from './accounts.ts';
import { conflict, invalid, notFound, refused } from './errors.ts';
import { isCurrency, POINTS } from './money.ts';
import { isoDay, isoTime } from './sql.ts';

// The posting code of both ledgers. Every function takes the entity manager of a transaction
// that the caller opened (see tx.ts), so that a posting, its balances and the process row that
// records it commit together or not at all.
//
// Idempotency: a journal is inserted under its key with ON CONFLICT DO NOTHING. When the key
// exists the earlier journal is returned, or a conflict is raised if its content differs.
//
// Concurrency: balance rows are locked in (part, location) or (account, currency) order, so two
// transactions touching the same rows queue up instead of deadlocking, and the checks below are
// made on locked rows: two picks can never together take more than is there.

export interface Posting {
  /** unique per business step: `${workflowId}:${step}` */
  key: string;
  processId?: string | null;
  step: string;
  actor: string;
  /** when the posting happened; decides its business day. Defaults to now. */
  at?: Date;
}

export interface MoneyLineInput {
  account: string;
  currency: string;
  /** minor units; debit positive, credit negative */
  amount: bigint;
}

export interface MoneyJournalView {
  id: string;
  key: string;
  description: string;
  processId: string | null;
  step: string;
  actor: string;
  postedAt: string;
  businessDate: string;
  reversesId: string | null;
  lines: { account: string; currency: string; amount: string }[];
  /** true when the key had been posted before and this is the earlier journal */
  replayed: boolean;
}

export interface StockMoveInput {
  partNo: string;
  from: string;
  to: string;
  quantity: number;
  /** take the quantity out of this reservation instead of out of the free stock */
  reservationId?: string | null;
}

export interface StockJournalView {
  id: string;
  key: string;
  reason: string;
  documentRef: string;
  processId: string | null;
  step: string;
  actor: string;
  postedAt: string;
  businessDate: string;
  reversesId: string | null;
  moves: { partNo: string; from: string; to: string; quantity: number; reservationId: string | null }[];
  replayed: boolean;
}

export interface ReservationView {
  id: string;
  key: string;
  documentRef: string;
  partNo: string;
  location: string;
  quantity: number;
  consumed: number;
  released: number;
}

type Row = Record<string, unknown>;

const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
const iso = (v: unknown) => isoTime(v)!;
const dateText = (v: unknown) => isoDay(v)!;
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

function checkPosting(p: Posting) {
  if (!p.key || p.key.length > 300) throw invalid('key', 'must be 1 to 300 characters');
  if (!p.step) throw invalid('step', 'is required');
  if (!p.actor) throw invalid('actor', 'is required');
}

function checkQuantity(q: number, field: string) {
  if (!Number.isSafeInteger(q) || q <= 0) throw invalid(field, 'must be a positive whole number');
}

export class Ledger {
  private readonly dayFormat: Intl.DateTimeFormat;
  // master data that a posting checks: parts and locations are never deleted, and a location
  // never changes between physical and virtual, so what was seen once is remembered
  private readonly knownParts = new Set<string>();
  private readonly locations = new Map<string, boolean>();

  constructor(readonly options: { timeZone: string }) {
    this.dayFormat = new Intl.DateTimeFormat('en-CA', {
      timeZone: options.timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
    });
  }

  /** the business day an instant falls into, in the ledger's time zone */
  businessDate(at: Date): string {
    return this.dayFormat.format(at);
  }

  // ---- money ----------------------------------------------------------------------------

  async postMoney(em: EntityManager, p: Posting & { description: string; lines: MoneyLineInput[] }):
    Promise<MoneyJournalView> {
    checkPosting(p);
    const lines = p.lines.map((l, i) => {
      accountKind(l.account, `lines[${i}].account`);
      if (!isCurrency(l.currency)) throw invalid(`lines[${i}].currency`, 'must be a three-letter currency code');
      if (typeof l.amount !== 'bigint' || l.amount === 0n) throw invalid(`lines[${i}].amount`, 'must be a non-zero whole number of minor units');
      return { account: l.account, currency: l.currency, amount: l.amount };
    });
    if (lines.length < 2) throw invalid('lines', 'a journal needs two or more lines');
    const sums = new Map<string, bigint>();
    for (const l of lines) sums.set(l.currency, (sums.get(l.currency) ?? 0n) + l.amount);
    for (const [currency, sum] of sums) {
      if (sum !== 0n) throw refused('unbalanced-journal', `the lines in ${currency} sum to ${sum}, not zero`, { currency, sum: sum.toString() });
    }

    const contentHash = hash({ d: p.description, l: lines.map((l) => [l.account, l.currency, l.amount.toString()]) });
    const at = p.at ?? new Date();
    const businessDate = this.businessDate(at);
    const inserted = await em.execute(
      `insert into money_journal (idempotency_key, content_hash, process_id, step, actor, posted_at, business_date, reverses_id, description)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (idempotency_key) do nothing returning id`,
      [p.key, contentHash, p.processId ?? null, p.step, p.actor, at, businessDate, null, p.description],
    );
    if (inserted.length === 0) return this.replayMoney(em, p.key, contentHash);
    const id = String(inserted[0]!.id);
    await this.refuseClosedDay(em, businessDate);
    await this.applyMoneyLines(em, id, lines, at);
    return {
      id, key: p.key, description: p.description, processId: p.processId ?? null, step: p.step, actor: p.actor,
      postedAt: at.toISOString(), businessDate, reversesId: null,
      lines: lines.map((l) => ({ account: l.account, currency: l.currency, amount: l.amount.toString() })), replayed: false,
    };
  }

  /**
   * Writes the lines, creates unseen accounts and moves the balances in one statement. Balance
   * rows are upserted in (account, currency) order, so concurrent journals queue, not deadlock.
   */
  private async applyMoneyLines(em: EntityManager, journalId: string, lines: MoneyLineInput[], at: Date) {
    const accounts = [...new Set(lines.map((l) => l.account))].sort();
    const deltas = new Map<string, { account: string; currency: string; amount: bigint }>();
    for (const l of lines) {
      const k = `${l.account}\u0000${l.currency}`;
      const d = deltas.get(k) ?? { account: l.account, currency: l.currency, amount: 0n };
      d.amount += l.amount;
      deltas.set(k, d);
    }
    const ordered = [...deltas.values()].sort((a, b) =>
      a.account === b.account ? (a.currency < b.currency ? -1 : 1) : a.account < b.account ? -1 : 1);
    await em.execute(
      `with new_accounts as (
         insert into account (code, kind, created_at) values ${accounts.map(() => '(?, ?, ?)').join(', ')} on conflict do nothing),
       new_lines as (
         insert into money_line (journal_id, account_code, currency, amount) values ${lines.map(() => '(?, ?, ?, ?)').join(', ')})
       insert into account_balance (account_code, currency, balance) values ${ordered.map(() => '(?, ?, ?)').join(', ')}
       on conflict (account_code, currency) do update set balance = account_balance.balance + excluded.balance`,
      [
        ...accounts.flatMap((a) => [a, accountKind(a), at]),
        ...lines.flatMap((l) => [journalId, l.account, l.currency, l.amount.toString()]),
        ...ordered.flatMap((d) => [d.account, d.currency, d.amount.toString()]),
      ],
    );
  }

  private async replayMoney(em: EntityManager, key: string, contentHash: string): Promise<MoneyJournalView> {
    const rows = await em.execute('select id, content_hash from money_journal where idempotency_key = ?', [key]);
    const row = rows[0];
    if (!row) throw new Error(`journal ${key} vanished after a key conflict`);
    if (row.content_hash !== contentHash) {
      throw conflict('idempotency-key-reused', `key ${key} was already posted with different content`, { key });
    }
    return { ...(await this.getMoneyJournal(em, String(row.id))), replayed: true };
  }

  async getMoneyJournal(em: EntityManager, id: string): Promise<MoneyJournalView> {
    if (!/^\d{1,18}$/.test(id)) throw notFound('journal', id);
    const [j] = await em.execute('select * from money_journal where id = ?', [id]);
    if (!j) throw notFound('journal', id);
    const lines = await em.execute('select account_code, currency, amount from money_line where journal_id = ? order by id', [id]);
    return {
      id: String(j.id), key: String(j.idempotency_key), description: String(j.description),
      processId: str(j.process_id), step: String(j.step), actor: String(j.actor),
      postedAt: iso(j.posted_at), businessDate: dateText(j.business_date), reversesId: str(j.reverses_id),
      lines: lines.map((l: Row) => ({ account: String(l.account_code), currency: String(l.currency), amount: String(l.amount) })),
      replayed: false,
    };
  }

  /** posts the mirror image of a journal, pointing back at it; a journal is reversed once */
  async reverseMoney(em: EntityManager, p: Posting & { journalId: string; description?: string }): Promise<MoneyJournalView> {
    checkPosting(p);
    const original = await this.getMoneyJournal(em, p.journalId);
    if (original.reversesId) throw refused('reversal-of-reversal', `journal ${p.journalId} is itself a reversal`);
    const description = p.description ?? `reversal of journal ${original.id}`;
    const lines = original.lines.map((l) => ({ account: l.account, currency: l.currency, amount: -BigInt(l.amount) }));
    const contentHash = hash({ reverses: original.id, d: description });
    const at = p.at ?? new Date();
    const businessDate = this.businessDate(at);
    const inserted = await em.execute(
      `insert into money_journal (idempotency_key, content_hash, process_id, step, actor, posted_at, business_date, reverses_id, description)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing returning id`,
      [p.key, contentHash, p.processId ?? original.processId, p.step, p.actor, at, businessDate, original.id, description],
    );
    if (inserted.length === 0) {
      const [byKey] = await em.execute('select id from money_journal where idempotency_key = ?', [p.key]);
      if (byKey) return this.replayMoney(em, p.key, contentHash);
      throw conflict('already-reversed', `journal ${original.id} has already been reversed`, { journalId: original.id });
    }
    const id = String(inserted[0]!.id);
    await this.refuseClosedDay(em, businessDate);
    await this.applyMoneyLines(em, id, lines, at);
    return this.getMoneyJournal(em, id);
  }

  async accountBalance(em: EntityManager, account: string): Promise<{ currency: string; balance: string }[]> {
    const rows = await em.execute('select currency, balance from account_balance where account_code = ? order by currency', [account]);
    return rows.map((r: Row) => ({ currency: String(r.currency), balance: String(r.balance) }));
  }

  // ---- stock ----------------------------------------------------------------------------

  async moveStock(em: EntityManager, p: Posting & { reason: string; documentRef: string; moves: StockMoveInput[] }):
    Promise<StockJournalView> {
    checkPosting(p);
    if (p.moves.length === 0) throw invalid('moves', 'a stock journal needs at least one move');
    p.moves.forEach((m, i) => {
      checkQuantity(m.quantity, `moves[${i}].quantity`);
      if (m.from === m.to) throw invalid(`moves[${i}]`, 'from and to must be different locations');
    });
    const moves = p.moves.map((m) => ({ ...m, reservationId: m.reservationId ?? null }));
    const contentHash = hash({ r: p.reason, d: p.documentRef, m: moves.map((m) => [m.partNo, m.from, m.to, m.quantity, m.reservationId]) });
    const at = p.at ?? new Date();
    const businessDate = this.businessDate(at);
    const inserted = await em.execute(
      `insert into stock_journal (idempotency_key, content_hash, process_id, step, actor, posted_at, business_date, reverses_id, reason, document_ref)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (idempotency_key) do nothing returning id`,
      [p.key, contentHash, p.processId ?? null, p.step, p.actor, at, businessDate, null, p.reason, p.documentRef],
    );
    if (inserted.length === 0) return this.replayStock(em, p.key, contentHash);
    const id = String(inserted[0]!.id);
    await this.refuseClosedDay(em, businessDate);
    await this.applyMoves(em, id, moves);
    return {
      id, key: p.key, reason: p.reason, documentRef: p.documentRef, processId: p.processId ?? null, step: p.step, actor: p.actor,
      postedAt: at.toISOString(), businessDate, reversesId: null,
      moves: moves.map((m) => ({ partNo: m.partNo, from: m.from, to: m.to, quantity: m.quantity, reservationId: m.reservationId })),
      replayed: false,
    };
  }

  private async applyMoves(em: EntityManager, journalId: string, moves: Required<StockMoveInput>[]) {
    const parts = [...new Set(moves.map((m) => m.partNo))];
    const unseenParts = parts.filter((pn) => !this.knownParts.has(pn));
    if (unseenParts.length) {
      const found = await em.execute(`select part_no from part where part_no in (${unseenParts.map(() => '?').join(', ')})`, unseenParts);
      const missingPart = unseenParts.find((pn) => !found.some((r: Row) => r.part_no === pn));
      if (missingPart) throw refused('unknown-part', `part ${missingPart} is not in the master data`, { partNo: missingPart });
      for (const pn of unseenParts) this.knownParts.add(pn);
    }

    const codes = [...new Set(moves.flatMap((m) => [m.from, m.to]))];
    const unseenCodes = codes.filter((c) => !this.locations.has(c));
    if (unseenCodes.length) {
      const locs = await em.execute(`select code, physical from location where code in (${unseenCodes.map(() => '?').join(', ')})`, unseenCodes);
      for (const r of locs) this.locations.set(String(r.code), Boolean(r.physical));
      const missingLoc = unseenCodes.find((c) => !this.locations.has(c));
      if (missingLoc) throw refused('unknown-location', `location ${missingLoc} does not exist`, { location: missingLoc });
    }
    const physical = this.locations;

    // make sure every touched balance row exists, then lock them all in key order
    const keys = [...new Map(moves.flatMap((m) => [[m.partNo, m.from], [m.partNo, m.to]]).map((k) => [k.join('\u0000'), k])).values()]
      .sort((a, b) => (a[0] === b[0] ? (a[1]! < b[1]! ? -1 : 1) : a[0]! < b[0]! ? -1 : 1));
    await em.execute(
      `insert into stock_balance (part_no, location, physical, on_hand, reserved) values ${keys.map(() => '(?, ?, ?, 0, 0)').join(', ')}
       on conflict do nothing`,
      keys.flatMap(([pn, loc]) => [pn, loc, physical.get(loc!)]),
    );
    const locked = await em.execute(
      `select part_no, location, on_hand, reserved from stock_balance where (part_no, location) in (${keys.map(() => '(?, ?)').join(', ')})
       order by part_no, location for update`,
      keys.flat(),
    );
    const balances = new Map<string, { onHand: number; reserved: number }>(
      locked.map((r: Row) => [`${r.part_no}\u0000${r.location}`, { onHand: Number(r.on_hand), reserved: Number(r.reserved) }]));

    const reservationIds = [...new Set(moves.map((m) => m.reservationId).filter((r): r is string => r !== null))].sort();
    const reservations = new Map<string, ReservationView>();
    if (reservationIds.length) {
      const rows = await em.execute(
        `select * from reservation where id in (${reservationIds.map(() => '?').join(', ')}) order by id for update`, reservationIds);
      for (const r of rows) reservations.set(String(r.id), reservationRow(r));
    }

    for (const [i, m] of moves.entries()) {
      const from = balances.get(`${m.partNo}\u0000${m.from}`)!;
      const to = balances.get(`${m.partNo}\u0000${m.to}`)!;
      if (m.reservationId) {
        const r = reservations.get(m.reservationId);
        if (!r) throw refused('unknown-reservation', `reservation ${m.reservationId} does not exist`);
        if (r.partNo !== m.partNo || r.location !== m.from) {
          throw refused('reservation-mismatch', `reservation ${r.id} holds ${r.partNo} in ${r.location}, not ${m.partNo} in ${m.from}`);
        }
        const open = r.quantity - r.consumed - r.released;
        if (open < m.quantity) {
          throw refused('reservation-exhausted', `reservation ${r.id} has ${open} left, requested ${m.quantity}`, { open, requested: m.quantity });
        }
        r.consumed += m.quantity;
        from.reserved -= m.quantity;
      } else if (physical.get(m.from)) {
        const available = from.onHand - from.reserved;
        if (available < m.quantity) {
          throw refused('insufficient-stock', `part ${m.partNo} in ${m.from}: available ${available}, requested ${m.quantity}`,
            { partNo: m.partNo, location: m.from, available, requested: m.quantity, move: i });
        }
      }
      from.onHand -= m.quantity;
      to.onHand += m.quantity;
    }

    // the moves, the reservations they use and the balances, in one statement
    const used = [...reservations.values()];
    await em.execute(
      `with new_moves as (
         insert into stock_move (journal_id, part_no, from_location, to_location, quantity, reservation_id)
         values ${moves.map(() => '(?, ?, ?, ?, ?, ?::bigint)').join(', ')})${used.length ? `,
       used as (
         update reservation r set consumed = u.consumed from (values ${used.map(() => '(?::bigint, ?::int)').join(', ')}) as u(id, consumed)
          where r.id = u.id)` : ''}
       update stock_balance b set on_hand = v.on_hand, reserved = v.reserved
       from (values ${keys.map(() => '(?, ?, ?::int, ?::int)').join(', ')}) as v(part_no, location, on_hand, reserved)
       where b.part_no = v.part_no and b.location = v.location`,
      [
        ...moves.flatMap((m) => [journalId, m.partNo, m.from, m.to, m.quantity, m.reservationId]),
        ...used.flatMap((r) => [r.id, r.consumed]),
        ...keys.flatMap(([pn, loc]) => {
          const b = balances.get(`${pn}\u0000${loc}`)!;
          return [pn, loc, b.onHand, b.reserved];
        }),
      ],
    );
  }

  private async replayStock(em: EntityManager, key: string, contentHash: string): Promise<StockJournalView> {
    const rows = await em.execute('select id, content_hash from stock_journal where idempotency_key = ?', [key]);
    const row = rows[0];
    if (!row) throw new Error(`journal ${key} vanished after a key conflict`);
    if (row.content_hash !== contentHash) {
      throw conflict('idempotency-key-reused', `key ${key} was already posted with different content`, { key });
    }
    return { ...(await this.getStockJournal(em, String(row.id))), replayed: true };
  }

  async getStockJournal(em: EntityManager, id: string): Promise<StockJournalView> {
    if (!/^\d{1,18}$/.test(id)) throw notFound('journal', id);
    const [j] = await em.execute('select * from stock_journal where id = ?', [id]);
    if (!j) throw notFound('journal', id);
    const moves = await em.execute('select * from stock_move where journal_id = ? order by id', [id]);
    return {
      id: String(j.id), key: String(j.idempotency_key), reason: String(j.reason), documentRef: String(j.document_ref),
      processId: str(j.process_id), step: String(j.step), actor: String(j.actor),
      postedAt: iso(j.posted_at), businessDate: dateText(j.business_date), reversesId: str(j.reverses_id),
      moves: moves.map((m: Row) => ({
        partNo: String(m.part_no), from: String(m.from_location), to: String(m.to_location),
        quantity: Number(m.quantity), reservationId: str(m.reservation_id),
      })),
      replayed: false,
    };
  }

  /** moves the same quantities back; reservations that the original consumed stay consumed */
  async reverseStock(em: EntityManager, p: Posting & { journalId: string }): Promise<StockJournalView> {
    checkPosting(p);
    const original = await this.getStockJournal(em, p.journalId);
    if (original.reversesId) throw refused('reversal-of-reversal', `journal ${p.journalId} is itself a reversal`);
    const moves = original.moves.map((m) => ({ partNo: m.partNo, from: m.to, to: m.from, quantity: m.quantity, reservationId: null }));
    const contentHash = hash({ reverses: original.id });
    const at = p.at ?? new Date();
    const businessDate = this.businessDate(at);
    const inserted = await em.execute(
      `insert into stock_journal (idempotency_key, content_hash, process_id, step, actor, posted_at, business_date, reverses_id, reason, document_ref)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing returning id`,
      [p.key, contentHash, p.processId ?? original.processId, p.step, p.actor, at, businessDate, original.id, 'reversal', original.documentRef],
    );
    if (inserted.length === 0) {
      const [byKey] = await em.execute('select id from stock_journal where idempotency_key = ?', [p.key]);
      if (byKey) return this.replayStock(em, p.key, contentHash);
      throw conflict('already-reversed', `journal ${original.id} has already been reversed`, { journalId: original.id });
    }
    const id = String(inserted[0]!.id);
    await this.refuseClosedDay(em, businessDate);
    await this.applyMoves(em, id, moves);
    return this.getStockJournal(em, id);
  }

  // ---- reservations ---------------------------------------------------------------------

  /**
   * Reserves up to `quantity` of a part from the bins of a warehouse (or of one zone of it),
   * bin by bin in code order, and returns what was reserved. Called again with the same key it
   * returns the reservations it made the first time.
   */
  async allocate(em: EntityManager, a: { key: string; documentRef: string; partNo: string; quantity: number; warehouse: string; zone?: string | null; at?: Date }):
    Promise<{ reservations: ReservationView[]; reserved: number; short: number }> {
    checkQuantity(a.quantity, 'quantity');
    const earlier = await em.execute('select * from reservation where key like ? order by id', [`${escapeLike(a.key)}#%`]);
    if (earlier.length) return summarise(earlier.map(reservationRow), a.quantity);

    const zoneFilter = a.zone ? 'and l.zone = ?' : '';
    const rows = await em.execute(
      `select b.location, b.on_hand, b.reserved from stock_balance b join location l on l.code = b.location
       where b.part_no = ? and l.warehouse = ? and l.physical ${zoneFilter} and b.on_hand > b.reserved
       order by b.location for update of b`,
      a.zone ? [a.partNo, a.warehouse, a.zone] : [a.partNo, a.warehouse],
    );
    const made: ReservationView[] = [];
    let left = a.quantity;
    for (const r of rows) {
      if (left === 0) break;
      const take = Math.min(left, Number(r.on_hand) - Number(r.reserved));
      if (take <= 0) continue;
      const [res] = await em.execute(
        `insert into reservation (key, document_ref, part_no, location, quantity, consumed, released, created_at)
         values (?, ?, ?, ?, ?, 0, 0, ?) returning *`,
        [`${a.key}#${r.location}`, a.documentRef, a.partNo, r.location, take, a.at ?? new Date()],
      );
      await em.execute('update stock_balance set reserved = reserved + ? where part_no = ? and location = ?', [take, a.partNo, r.location]);
      made.push(reservationRow(res!));
      left -= take;
    }
    return summarise(made, a.quantity);
  }

  /** releases whatever is still open on the reservations of a document line; idempotent */
  async release(em: EntityManager, r: { documentRef: string }): Promise<number> {
    const open = await em.execute(
      `select * from reservation where document_ref = ? and quantity > consumed + released order by part_no, location, id for update`,
      [r.documentRef],
    );
    let total = 0;
    for (const row of open) {
      const v = reservationRow(row);
      const left = v.quantity - v.consumed - v.released;
      await em.execute('update stock_balance set reserved = reserved - ? where part_no = ? and location = ?', [left, v.partNo, v.location]);
      await em.execute('update reservation set released = released + ? where id = ?', [left, v.id]);
      total += left;
    }
    return total;
  }

  async reservationsOf(em: EntityManager, documentRef: string): Promise<ReservationView[]> {
    const rows = await em.execute('select * from reservation where document_ref = ? order by id', [documentRef]);
    return rows.map(reservationRow);
  }

  // ---- days -----------------------------------------------------------------------------

  private async refuseClosedDay(em: EntityManager, businessDate: string) {
    // checked after the journal row is inserted: closeDay locks the journal tables first, so a
    // posting either commits before the close reads, or sees the close and is refused
    const closed = await em.execute('select business_date from closed_day where business_date = ?', [businessDate]);
    if (closed.length) {
      throw refused('day-closed', `business day ${businessDate} is closed; post into an open day`, { businessDate });
    }
  }

  /**
   * Closes a business day: waits for postings in flight, snapshots every balance, and records
   * the day as closed. Returns what was snapshotted. Closing a closed day returns it again.
   */
  async closeDay(em: EntityManager, c: { businessDate: string; actor: string; at?: Date; summary?: Record<string, unknown> }):
    Promise<{ businessDate: string; stockRows: number; moneyRows: number; alreadyClosed: boolean }> {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(c.businessDate)) throw invalid('businessDate', 'must be a date YYYY-MM-DD');
    await em.execute('lock table stock_journal, money_journal in share mode');
    const [existing] = await em.execute('select summary from closed_day where business_date = ?', [c.businessDate]);
    if (existing) {
      const s = existing.summary as { stockRows?: number; moneyRows?: number };
      return { businessDate: c.businessDate, stockRows: s.stockRows ?? 0, moneyRows: s.moneyRows ?? 0, alreadyClosed: true };
    }
    const stock = await em.execute(
      `insert into balance_snapshot (business_date, kind, ref, unit, quantity, reserved)
       select ?, 'stock', location, part_no, on_hand, reserved from stock_balance`, [c.businessDate], 'run');
    const money = await em.execute(
      `insert into balance_snapshot (business_date, kind, ref, unit, quantity, reserved)
       select ?, 'money', account_code, currency, balance, 0 from account_balance`, [c.businessDate], 'run');
    const stockRows = Number((stock as { affectedRows?: number }).affectedRows ?? 0);
    const moneyRows = Number((money as { affectedRows?: number }).affectedRows ?? 0);
    await em.execute('insert into closed_day (business_date, closed_at, actor, summary) values (?, ?, ?, ?)', [
      c.businessDate, c.at ?? new Date(), c.actor, JSON.stringify({ ...c.summary, stockRows, moneyRows }),
    ]);
    return { businessDate: c.businessDate, stockRows, moneyRows, alreadyClosed: false };
  }
}

function escapeLike(s: string) {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function reservationRow(r: Row): ReservationView {
  return {
    id: String(r.id), key: String(r.key), documentRef: String(r.document_ref), partNo: String(r.part_no),
    location: String(r.location), quantity: Number(r.quantity), consumed: Number(r.consumed), released: Number(r.released),
  };
}

function summarise(reservations: ReservationView[], requested: number) {
  const reserved = reservations.reduce((s, r) => s + r.quantity, 0);
  return { reservations, reserved, short: requested - reserved };
}

export { POINTS };
