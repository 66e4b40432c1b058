import { EntitySchema } from '@mikro-orm/core';

export const ROLES = [
  'admin', 'dealer', 'back-office', 'warehouse', 'dispatcher', 'appraiser', 'finance',
  'customer-service', 'auditor',
] as const;
export type Role = (typeof ROLES)[number];

/** an API key, stored only as its SHA-256 hash */
export interface ApiKey {
  id: string;
  keyHash: string;
  role: Role;
  dealerId: string | null;
  label: string;
  createdAt: Date;
  createdBy: string;
  revokedAt: Date | null;
}

export const ApiKeySchema = new EntitySchema<ApiKey>({
  name: 'ApiKey',
  properties: {
    id: { type: 'string', length: 64, primary: true },
    keyHash: { type: 'string', length: 64, unique: true },
    role: { type: 'string', length: 32 },
    dealerId: { type: 'string', length: 64, nullable: true },
    label: { type: 'string', length: 200 },
    createdAt: { type: 'datetime' },
    createdBy: { type: 'string', length: 100 },
    revokedAt: { type: 'datetime', nullable: true },
  },
});
