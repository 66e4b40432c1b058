import { EntitySchema } from '@mikro-orm/core';

// What the back office reads: one row per process and a timeline of its steps, written by
// the activities in the same transaction as their postings. Lists read these, not Temporal.

export interface Process {
  id: string;
  type: string;
  businessKey: string;
  status: string;
  dealerId: string | null;
  amountMinor: string | null;
  currency: string | null;
  dueAt: Date | null;
  escalationLevel: number;
  /** the type-specific view the API serves (lines, documents, counters) */
  summary: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export const ProcessSchema = new EntitySchema<Process>({
  name: 'Process',
  properties: {
    id: { type: 'string', length: 200, primary: true },
    type: { type: 'string', length: 40 },
    businessKey: { type: 'string', length: 200, index: true },
    status: { type: 'string', length: 40 },
    dealerId: { type: 'string', length: 64, nullable: true },
    amountMinor: { type: 'bigint', nullable: true },
    currency: { type: 'string', length: 3, nullable: true },
    dueAt: { type: 'datetime', nullable: true },
    escalationLevel: { type: 'integer', default: 0 },
    summary: { type: 'json' },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
  indexes: [
    { properties: ['updatedAt', 'id'] },
    { properties: ['type', 'status', 'updatedAt', 'id'] },
    { properties: ['dealerId', 'updatedAt', 'id'] },
    // the board's search by the start of a business key (LIKE 'key%' under any collation)
    {
      name: 'process_business_key_pattern_index',
      expression: 'create index "process_business_key_pattern_index" on "process" ("business_key" varchar_pattern_ops)',
    },
  ],
});

export interface ProcessStep {
  id: string;
  processId: string;
  step: string;
  detail: Record<string, unknown>;
  actor: string;
  at: Date;
  idempotencyKey: string;
}

export const ProcessStepSchema = new EntitySchema<ProcessStep>({
  name: 'ProcessStep',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    processId: { type: 'string', length: 200 },
    step: { type: 'string', length: 100 },
    detail: { type: 'json' },
    actor: { type: 'string', length: 100 },
    at: { type: 'datetime' },
    idempotencyKey: { type: 'string', length: 300, unique: true },
  },
  indexes: [{ properties: ['processId', 'id'] }],
});
