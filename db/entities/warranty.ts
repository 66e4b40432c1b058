import { EntitySchema } from '@mikro-orm/core';

/**
 * The warranty standard of a part category (DESIGN.md P2 step 3): how long a fitted part is
 * covered, which failures are covered, which causes exclude a claim, the standard price that
 * caps what a claim can be approved for, and what becomes of an approved core.
 */
export interface WarrantyStandard {
  category: string;
  warrantyDays: number;
  coveredFailures: string[];
  excludedCauses: string[];
  standardPriceMinor: string;
  currency: string;
  /** what happens to an approved core unless the appraiser decides otherwise */
  disposition: 'return-to-supplier' | 'scrap';
  updatedAt: Date;
  updatedBy: string;
}

export const WarrantyStandardSchema = new EntitySchema<WarrantyStandard>({
  name: 'WarrantyStandard',
  properties: {
    category: { type: 'string', primary: true, length: 16 },
    warrantyDays: { type: 'integer' },
    coveredFailures: { type: 'text[]' },
    excludedCauses: { type: 'text[]' },
    standardPriceMinor: { type: 'bigint' },
    currency: { type: 'string', length: 3 },
    disposition: { type: 'string', length: 24 },
    updatedAt: { type: 'datetime' },
    updatedBy: { type: 'string', length: 100 },
  },
  checks: [{ name: 'warranty_standard_values', expression: 'warranty_days >= 0 and standard_price_minor >= 0' }],
});
