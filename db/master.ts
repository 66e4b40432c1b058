import type { EntityManager } from '@mikro-orm/postgresql';

import { binLocation, PART_CATEGORIES, WAREHOUSES, type PartCategory } from './entities/master.ts';
import { refused } from './errors.ts';
import { isoDay, isoTime } from './sql.ts';

// Idempotent upserts of master data, with the consistency rules that a schema cannot express:
// a part fits only known vehicle models, a bin belongs to a known warehouse.

type Row = Record<string, unknown>;
const iso = isoTime;
const dateText = isoDay;

export interface VehicleModelInput { code: string; name: string; lifecycle: 'in-production' | 'discontinued'; discontinuedOn?: string | null }
export interface PartInput { partNo: string; name: string; category: PartCategory; fits: string[] }
export interface SupplierInput { id: string; name: string }
export interface DealerInput { id: string; name: string; timeZone: string; currency?: string; termsDays?: number }
export interface BinInput { warehouse: string; bin: string; zone?: string | null }

export const DEFAULT_LADDER = [
  { afterDaysOverdue: 1, action: 'reminder' },
  { afterDaysOverdue: 15, action: 'second-reminder' },
  { afterDaysOverdue: 30, action: 'escalate-to-manager' },
  { afterDaysOverdue: 45, action: 'credit-hold' },
  { afterDaysOverdue: 60, action: 'collection' },
];

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export async function upsertVehicleModel(em: EntityManager, m: VehicleModelInput, actor: string) {
  if (m.lifecycle === 'discontinued' && !m.discontinuedOn) {
    throw refused('discontinued-without-date', `vehicle model ${m.code} is discontinued but has no discontinuedOn date`, { field: 'discontinuedOn' });
  }
  if (m.lifecycle === 'in-production' && m.discontinuedOn) {
    throw refused('in-production-with-date', `vehicle model ${m.code} is in production and cannot have a discontinuedOn date`, { field: 'discontinuedOn' });
  }
  await em.execute(
    `insert into vehicle_model (code, name, lifecycle, discontinued_on, updated_at, updated_by) values (?, ?, ?, ?, ?, ?)
     on conflict (code) do update set name = excluded.name, lifecycle = excluded.lifecycle, discontinued_on = excluded.discontinued_on,
       updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    [m.code, m.name, m.lifecycle, m.discontinuedOn ?? null, new Date(), actor]);
  return getVehicleModel(em, m.code);
}

export async function getVehicleModel(em: EntityManager, code: string) {
  const [r] = await em.execute('select * from vehicle_model where code = ?', [code]);
  return r ? { code: r.code, name: r.name, lifecycle: r.lifecycle, discontinuedOn: dateText(r.discontinued_on), updatedAt: iso(r.updated_at), updatedBy: r.updated_by } : null;
}

export async function upsertPart(em: EntityManager, p: PartInput, actor: string) {
  if (!(PART_CATEGORIES as readonly string[]).includes(p.category)) throw refused('unknown-category', `category ${p.category} is not one of ${PART_CATEGORIES.join(', ')}`);
  const fits = [...new Set(p.fits)].sort();
  if (fits.length) {
    const known = await em.execute(`select code from vehicle_model where code in (${fits.map(() => '?').join(', ')})`, fits);
    const unknown = fits.filter((f) => !known.some((k: Row) => k.code === f));
    if (unknown.length) {
      throw refused('unknown-vehicle-model', `part ${p.partNo} fits unknown vehicle model(s): ${unknown.join(', ')}`, { field: 'fits', unknown });
    }
  }
  await em.execute(
    `insert into part (part_no, name, category, fits, updated_at, updated_by) values (?, ?, ?, ?::text[], ?, ?)
     on conflict (part_no) do update set name = excluded.name, category = excluded.category, fits = excluded.fits,
       updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    [p.partNo, p.name, p.category, `{${fits.map((f) => `"${f.replace(/["\\]/g, '\\$&')}"`).join(',')}}`, new Date(), actor]);
  return getPart(em, p.partNo);
}

export async function getPart(em: EntityManager, partNo: string) {
  const [r] = await em.execute('select * from part where part_no = ?', [partNo]);
  return r ? { partNo: r.part_no, name: r.name, category: r.category, fits: r.fits, updatedAt: iso(r.updated_at), updatedBy: r.updated_by } : null;
}

export async function upsertSupplier(em: EntityManager, s: SupplierInput, actor: string) {
  await em.execute(
    `insert into supplier (id, name, updated_at, updated_by) values (?, ?, ?, ?)
     on conflict (id) do update set name = excluded.name, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    [s.id, s.name, new Date(), actor]);
  return getSupplier(em, s.id);
}

export async function getSupplier(em: EntityManager, id: string) {
  const [r] = await em.execute('select * from supplier where id = ?', [id]);
  return r ? { id: r.id, name: r.name, updatedAt: iso(r.updated_at), updatedBy: r.updated_by } : null;
}

/** creates or updates a dealer; its payment policy and credit hold are kept as they are */
export async function upsertDealer(em: EntityManager, d: DealerInput, actor: string) {
  if (!isTimeZone(d.timeZone)) throw refused('unknown-time-zone', `time zone ${d.timeZone} is not an IANA zone`, { field: 'timeZone' });
  await em.execute(
    `insert into dealer (id, name, time_zone, currency, terms_days, ladder, credit_hold, credit_hold_reason, updated_at, updated_by)
     values (?, ?, ?, ?, ?, ?, false, null, ?, ?)
     on conflict (id) do update set name = excluded.name, time_zone = excluded.time_zone, currency = excluded.currency,
       terms_days = case when ? then excluded.terms_days else dealer.terms_days end,
       updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    [d.id, d.name, d.timeZone, d.currency ?? 'CNY', d.termsDays ?? 30, JSON.stringify(DEFAULT_LADDER), new Date(), actor, d.termsDays !== undefined]);
  return getDealer(em, d.id);
}

export async function getDealer(em: EntityManager, id: string) {
  const [r] = await em.execute('select * from dealer where id = ?', [id]);
  return r ? dealerView(r) : null;
}

export function dealerView(r: Row) {
  return {
    id: String(r.id), name: String(r.name), timeZone: String(r.time_zone), currency: String(r.currency),
    termsDays: Number(r.terms_days), ladder: r.ladder as { afterDaysOverdue: number; action: string }[],
    creditHold: Boolean(r.credit_hold), creditHoldReason: (r.credit_hold_reason as string | null) ?? null,
    updatedAt: iso(r.updated_at), updatedBy: String(r.updated_by),
  };
}

export async function upsertBin(em: EntityManager, b: BinInput, actor: string) {
  if (!(b.warehouse in WAREHOUSES)) {
    throw refused('unknown-warehouse', `warehouse ${b.warehouse} does not exist; it is one of ${Object.keys(WAREHOUSES).join(', ')}`, { field: 'warehouse' });
  }
  const code = binLocation(b.warehouse, b.bin);
  await em.execute(
    `insert into location (code, physical, warehouse, bin, zone, updated_at, updated_by) values (?, true, ?, ?, ?, ?, ?)
     on conflict (code) do update set zone = excluded.zone, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    [code, b.warehouse, b.bin, b.zone ?? null, new Date(), actor]);
  return getBin(em, b.warehouse, b.bin);
}

export async function getBin(em: EntityManager, warehouse: string, bin: string) {
  const [r] = await em.execute('select * from location where code = ?', [binLocation(warehouse, bin)]);
  return r ? { code: r.code, warehouse: r.warehouse, bin: r.bin, zone: r.zone, updatedAt: iso(r.updated_at), updatedBy: r.updated_by } : null;
}
