import type { EntityManager } from '@mikro-orm/postgresql';

import { PART_CATEGORIES, type PartCategory } from './entities/master.ts';
import { refused } from './errors.ts';

// Warranty standards per part category and the rule appraisal that reads them (DESIGN.md P2
// step 3). A clear case is decided here; anything the rule cannot decide waits for an appraiser.

type Row = Record<string, unknown>;

export const DISPOSITIONS = ['return-to-supplier', 'scrap'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export interface WarrantyStandardInput {
  category: PartCategory;
  warrantyDays: number;
  coveredFailures: string[];
  excludedCauses: string[];
  standardPriceMinor: bigint;
  currency: string;
  disposition: Disposition;
}

export interface WarrantyStandardView {
  category: string;
  warrantyDays: number;
  coveredFailures: string[];
  excludedCauses: string[];
  standardPriceMinor: number;
  currency: string;
  disposition: Disposition;
  updatedAt: string;
  updatedBy: string;
}

const textArray = (items: string[]) => `{${[...new Set(items)].sort().map((f) => `"${f.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

export async function upsertWarrantyStandard(em: EntityManager, s: WarrantyStandardInput, actor: string, at = new Date()) {
  if (!(PART_CATEGORIES as readonly string[]).includes(s.category)) {
    throw refused('unknown-category', `category ${s.category} is not one of ${PART_CATEGORIES.join(', ')}`, { field: 'category' });
  }
  const both = s.coveredFailures.filter((f) => s.excludedCauses.includes(f));
  if (both.length) {
    throw refused('covered-and-excluded', `failure code(s) ${both.join(', ')} cannot be both covered and excluded`, { field: 'coveredFailures', both });
  }
  await em.execute(
    `insert into warranty_standard (category, warranty_days, covered_failures, excluded_causes, standard_price_minor, currency, disposition, updated_at, updated_by)
     values (?, ?, ?::text[], ?::text[], ?, ?, ?, ?, ?)
     on conflict (category) do update set warranty_days = excluded.warranty_days, covered_failures = excluded.covered_failures,
       excluded_causes = excluded.excluded_causes, standard_price_minor = excluded.standard_price_minor, currency = excluded.currency,
       disposition = excluded.disposition, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    [s.category, s.warrantyDays, textArray(s.coveredFailures), textArray(s.excludedCauses), s.standardPriceMinor.toString(),
      s.currency, s.disposition, at, actor]);
  return (await getWarrantyStandard(em, s.category))!;
}

function standardView(r: Row): WarrantyStandardView {
  return {
    category: String(r.category), warrantyDays: Number(r.warranty_days),
    coveredFailures: r.covered_failures as string[], excludedCauses: r.excluded_causes as string[],
    standardPriceMinor: Number(r.standard_price_minor), currency: String(r.currency), disposition: r.disposition as Disposition,
    updatedAt: r.updated_at instanceof Date ? r.updated_at.toISOString() : String(r.updated_at), updatedBy: String(r.updated_by),
  };
}

export async function getWarrantyStandard(em: EntityManager, category: string): Promise<WarrantyStandardView | null> {
  const [r] = await em.execute('select * from warranty_standard where category = ?', [category]);
  return r ? standardView(r) : null;
}

/** the standard that applies to each part, by the part's category; null where none is set */
export async function standardsForParts(em: EntityManager, partNos: string[]): Promise<Map<string, WarrantyStandardView | null>> {
  const unique = [...new Set(partNos)];
  if (unique.length === 0) return new Map();
  const rows = await em.execute(
    `select p.part_no, w.* from part p left join warranty_standard w on w.category = p.category
     where p.part_no in (${unique.map(() => '?').join(', ')})`, unique);
  const found = new Map<string, WarrantyStandardView | null>(
    rows.map((r: Row) => [String(r.part_no), r.category === null ? null : standardView(r)]));
  return new Map(unique.map((pn) => [pn, found.get(pn) ?? null]));
}

export interface CoreClaim {
  failureCode: string;
  /** what the warehouse saw on receipt, e.g. `ok`, `accident`; an excluded cause rejects */
  condition: string | null;
  fittedOn: string;
  claimedMinor: number;
  currency: string;
}

export type RuleOutcome =
  | { outcome: 'approve'; reasonCode: 'covered' | 'covered-capped-at-standard-price'; approvedMinor: number; standardPriceMinor: number; disposition: Disposition }
  | { outcome: 'reject'; reasonCode: 'outside-warranty-period' | 'excluded-cause'; standardPriceMinor: number | null }
  | { outcome: 'appraiser'; reasonCode: 'no-standard' | 'standard-in-other-currency' | 'failure-not-covered-by-rule'; standardPriceMinor: number | null };

const DAY_MS = 86_400_000;

/**
 * Decides a core by its standard when the case is clear: fitted longer ago than the warranty
 * period, or an excluded cause (by failure code or by the condition seen on receipt), rejects;
 * a covered failure within the period approves up to the standard price. Anything else is left
 * to an appraiser.
 */
export function ruleAppraisal(core: CoreClaim, std: WarrantyStandardView | null, filedOn: string): RuleOutcome {
  if (!std) return { outcome: 'appraiser', reasonCode: 'no-standard', standardPriceMinor: null };
  const price = std.currency === core.currency ? std.standardPriceMinor : null;

  const ageDays = Math.floor((Date.parse(`${filedOn}T00:00:00Z`) - Date.parse(`${core.fittedOn}T00:00:00Z`)) / DAY_MS);
  if (ageDays > std.warrantyDays) return { outcome: 'reject', reasonCode: 'outside-warranty-period', standardPriceMinor: price };
  if (std.excludedCauses.includes(core.failureCode) || (core.condition !== null && std.excludedCauses.includes(core.condition))) {
    return { outcome: 'reject', reasonCode: 'excluded-cause', standardPriceMinor: price };
  }

  if (price === null) return { outcome: 'appraiser', reasonCode: 'standard-in-other-currency', standardPriceMinor: null };
  if (!std.coveredFailures.includes(core.failureCode)) return { outcome: 'appraiser', reasonCode: 'failure-not-covered-by-rule', standardPriceMinor: price };
  const capped = core.claimedMinor > price;
  return {
    outcome: 'approve', reasonCode: capped ? 'covered-capped-at-standard-price' : 'covered',
    approvedMinor: capped ? price : core.claimedMinor, standardPriceMinor: price, disposition: std.disposition,
  };
}
