import { EntitySchema } from '@mikro-orm/core';

// Master data. Plain interfaces with EntitySchema, because under tsx decorators get no type
// metadata; every column type is spelled out here instead.

export const PART_CATEGORIES = ['plastic', 'ordinary', 'black', 'promotional'] as const;
export type PartCategory = (typeof PART_CATEGORIES)[number];

export const WAREHOUSES = { NEW: 'new parts', CORE: 'returned cores', PROMO: 'promotional goods' } as const;
export type WarehouseCode = keyof typeof WAREHOUSES;

/** virtual locations: where stock is when it is not on a shelf of ours */
export const VIRTUAL_LOCATIONS = [
  '@supplier', '@dealer', '@customer', '@in-transit', '@inspection', '@scrap', '@count-adjustment',
] as const;
export type VirtualLocation = (typeof VIRTUAL_LOCATIONS)[number];

export interface VehicleModel {
  code: string;
  name: string;
  lifecycle: 'in-production' | 'discontinued';
  discontinuedOn: string | null;
  updatedAt: Date;
  updatedBy: string;
}

export const VehicleModelSchema = new EntitySchema<VehicleModel>({
  name: 'VehicleModel',
  properties: {
    code: { type: 'string', primary: true, length: 64 },
    name: { type: 'string', length: 200 },
    lifecycle: { type: 'string', length: 16 },
    discontinuedOn: { type: 'date', nullable: true },
    updatedAt: { type: 'datetime' },
    updatedBy: { type: 'string', length: 100 },
  },
});

export interface Part {
  partNo: string;
  name: string;
  category: PartCategory;
  /** vehicle model codes this part fits */
  fits: string[];
  updatedAt: Date;
  updatedBy: string;
}

export const PartSchema = new EntitySchema<Part>({
  name: 'Part',
  properties: {
    partNo: { type: 'string', primary: true, length: 64 },
    name: { type: 'string', length: 200 },
    category: { type: 'string', length: 16 },
    fits: { type: 'text[]' },
    updatedAt: { type: 'datetime' },
    updatedBy: { type: 'string', length: 100 },
  },
});

export interface Supplier {
  id: string;
  name: string;
  updatedAt: Date;
  updatedBy: string;
}

export const SupplierSchema = new EntitySchema<Supplier>({
  name: 'Supplier',
  properties: {
    id: { type: 'string', primary: true, length: 64 },
    name: { type: 'string', length: 200 },
    updatedAt: { type: 'datetime' },
    updatedBy: { type: 'string', length: 100 },
  },
});

export interface Dealer {
  id: string;
  name: string;
  timeZone: string;
  currency: string;
  termsDays: number;
  /** the arrears ladder: [{ afterDaysOverdue, action }] */
  ladder: { afterDaysOverdue: number; action: string }[];
  creditHold: boolean;
  creditHoldReason: string | null;
  updatedAt: Date;
  updatedBy: string;
}

export const DealerSchema = new EntitySchema<Dealer>({
  name: 'Dealer',
  properties: {
    id: { type: 'string', primary: true, length: 64 },
    name: { type: 'string', length: 200 },
    timeZone: { type: 'string', length: 64 },
    currency: { type: 'string', length: 3 },
    termsDays: { type: 'integer' },
    ladder: { type: 'json' },
    creditHold: { type: 'boolean', default: false },
    creditHoldReason: { type: 'string', length: 500, nullable: true },
    updatedAt: { type: 'datetime' },
    updatedBy: { type: 'string', length: 100 },
  },
});

export interface Warehouse {
  code: WarehouseCode;
  name: string;
}

export const WarehouseSchema = new EntitySchema<Warehouse>({
  name: 'Warehouse',
  properties: {
    code: { type: 'string', primary: true, length: 8 },
    name: { type: 'string', length: 100 },
  },
});

/**
 * A place stock can be. Physical locations are bins (`NEW/A-01`); virtual ones start with `@`.
 */
export interface Location {
  code: string;
  physical: boolean;
  warehouse: string | null;
  bin: string | null;
  zone: string | null;
  updatedAt: Date;
  updatedBy: string;
}

export const LocationSchema = new EntitySchema<Location>({
  name: 'Location',
  properties: {
    code: { type: 'string', primary: true, length: 80 },
    physical: { type: 'boolean' },
    warehouse: { type: 'string', length: 8, nullable: true },
    bin: { type: 'string', length: 64, nullable: true },
    zone: { type: 'string', length: 64, nullable: true },
    updatedAt: { type: 'datetime' },
    updatedBy: { type: 'string', length: 100 },
  },
  indexes: [{ properties: ['warehouse', 'bin'] }],
});

export function binLocation(warehouse: string, bin: string): string {
  return `${warehouse}/${bin}`;
}
