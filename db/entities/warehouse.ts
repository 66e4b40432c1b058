import { EntitySchema } from '@mikro-orm/core';

// Warehouse operations (DESIGN.md P5, P6): the bins a stock count holds frozen, and the outbox
// of notices to people outside the process (finance for a failed daily close, purchasing for
// the differences of a delivery).

/**
 * A bin frozen for picking and putaway while a stock count counts it. One count at a time per
 * bin; the row is deleted when the count ends (it is not a ledger record).
 */
export interface BinFreeze {
  location: string;
  processId: string;
  frozenAt: Date;
}

export const BinFreezeSchema = new EntitySchema<BinFreeze>({
  name: 'BinFreeze',
  properties: {
    location: { type: 'string', length: 80, primary: true },
    processId: { type: 'string', length: 200, index: true },
    frozenAt: { type: 'datetime' },
  },
});

export const ALERT_AUDIENCES = ['finance', 'purchasing'] as const;
export type AlertAudience = (typeof ALERT_AUDIENCES)[number];

/** a notice to finance or purchasing, written in the transaction of the step that raised it */
export interface WarehouseAlert {
  id: string;
  idempotencyKey: string;
  audience: AlertAudience;
  kind: string;
  processId: string;
  detail: Record<string, unknown>;
  createdAt: Date;
}

export const WarehouseAlertSchema = new EntitySchema<WarehouseAlert>({
  name: 'WarehouseAlert',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    idempotencyKey: { type: 'string', length: 300, unique: true },
    audience: { type: 'string', length: 16 },
    kind: { type: 'string', length: 64 },
    processId: { type: 'string', length: 200, index: true },
    detail: { type: 'json' },
    createdAt: { type: 'datetime' },
  },
  indexes: [{ properties: ['audience', 'id'] }],
});
