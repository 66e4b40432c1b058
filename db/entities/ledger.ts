import { EntitySchema } from '@mikro-orm/core';

// The two append-only ledgers. Journals and their lines are only ever inserted (a trigger in
// the migration refuses UPDATE and DELETE); balances are derived rows kept in step in the
// same transaction, and `ledger:check` recomputes them from the journals.

interface JournalHeader {
  id: string;
  idempotencyKey: string;
  contentHash: string;
  processId: string | null;
  step: string;
  actor: string;
  postedAt: Date;
  businessDate: string;
  reversesId: string | null;
}

const journalHeaderProperties = {
  id: { type: 'bigint', primary: true, autoincrement: true },
  idempotencyKey: { type: 'string', length: 300, unique: true },
  contentHash: { type: 'string', length: 64 },
  processId: { type: 'string', length: 200, nullable: true, index: true },
  step: { type: 'string', length: 100 },
  actor: { type: 'string', length: 100 },
  postedAt: { type: 'datetime' },
  businessDate: { type: 'date', index: true },
  reversesId: { type: 'bigint', nullable: true, unique: true },
} as const;

export interface StockJournal extends JournalHeader {
  reason: string;
  documentRef: string;
}

export const StockJournalSchema = new EntitySchema<StockJournal>({
  name: 'StockJournal',
  properties: {
    ...journalHeaderProperties,
    reason: { type: 'string', length: 64 },
    documentRef: { type: 'string', length: 200, index: true },
  },
});

export interface StockMove {
  id: string;
  journalId: string;
  partNo: string;
  fromLocation: string;
  toLocation: string;
  quantity: number;
  reservationId: string | null;
}

export const StockMoveSchema = new EntitySchema<StockMove>({
  name: 'StockMove',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    journalId: { type: 'bigint', index: true },
    partNo: { type: 'string', length: 64 },
    fromLocation: { type: 'string', length: 80 },
    toLocation: { type: 'string', length: 80 },
    quantity: { type: 'integer' },
    reservationId: { type: 'bigint', nullable: true },
  },
  indexes: [{ properties: ['partNo', 'fromLocation'] }, { properties: ['partNo', 'toLocation'] }],
  checks: [{ name: 'stock_move_quantity_positive', expression: 'quantity > 0' }],
});

export interface StockBalance {
  partNo: string;
  location: string;
  physical: boolean;
  onHand: number;
  reserved: number;
}

export const StockBalanceSchema = new EntitySchema<StockBalance>({
  name: 'StockBalance',
  properties: {
    partNo: { type: 'string', length: 64, primary: true },
    location: { type: 'string', length: 80, primary: true },
    physical: { type: 'boolean' },
    onHand: { type: 'integer', default: 0 },
    reserved: { type: 'integer', default: 0 },
  },
  indexes: [{ properties: ['location'] }],
  checks: [{
    name: 'stock_balance_physical_not_negative',
    expression: 'not physical or (on_hand >= 0 and reserved >= 0 and reserved <= on_hand)',
  }],
});

/** stock held for one document line; consumed by the move that takes it away, or released */
export interface Reservation {
  id: string;
  key: string;
  documentRef: string;
  partNo: string;
  location: string;
  quantity: number;
  consumed: number;
  released: number;
  createdAt: Date;
}

export const ReservationSchema = new EntitySchema<Reservation>({
  name: 'Reservation',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    key: { type: 'string', length: 300, unique: true },
    documentRef: { type: 'string', length: 200, index: true },
    partNo: { type: 'string', length: 64 },
    location: { type: 'string', length: 80 },
    quantity: { type: 'integer' },
    consumed: { type: 'integer', default: 0 },
    released: { type: 'integer', default: 0 },
    createdAt: { type: 'datetime' },
  },
  checks: [{
    name: 'reservation_within_quantity',
    expression: 'quantity > 0 and consumed >= 0 and released >= 0 and consumed + released <= quantity',
  }],
});

export interface Account {
  code: string;
  kind: string;
  createdAt: Date;
}

export const AccountSchema = new EntitySchema<Account>({
  name: 'Account',
  properties: {
    code: { type: 'string', length: 120, primary: true },
    kind: { type: 'string', length: 40 },
    createdAt: { type: 'datetime' },
  },
});

export interface MoneyJournal extends JournalHeader {
  description: string;
}

export const MoneyJournalSchema = new EntitySchema<MoneyJournal>({
  name: 'MoneyJournal',
  properties: {
    ...journalHeaderProperties,
    description: { type: 'string', length: 300 },
  },
});

export interface MoneyLine {
  id: string;
  journalId: string;
  accountCode: string;
  currency: string;
  amount: string;
}

export const MoneyLineSchema = new EntitySchema<MoneyLine>({
  name: 'MoneyLine',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    journalId: { type: 'bigint', index: true },
    accountCode: { type: 'string', length: 120 },
    currency: { type: 'string', length: 3 },
    amount: { type: 'bigint' },
  },
  indexes: [{ properties: ['accountCode', 'id'] }],
});

export interface AccountBalance {
  accountCode: string;
  currency: string;
  balance: string;
}

export const AccountBalanceSchema = new EntitySchema<AccountBalance>({
  name: 'AccountBalance',
  properties: {
    accountCode: { type: 'string', length: 120, primary: true },
    currency: { type: 'string', length: 3, primary: true },
    balance: { type: 'bigint', default: 0 },
  },
});

/** a business day that has been closed: nothing may be posted into it afterwards */
export interface ClosedDay {
  businessDate: string;
  closedAt: Date;
  actor: string;
  summary: Record<string, unknown>;
}

export const ClosedDaySchema = new EntitySchema<ClosedDay>({
  name: 'ClosedDay',
  properties: {
    businessDate: { type: 'date', primary: true },
    closedAt: { type: 'datetime' },
    actor: { type: 'string', length: 100 },
    summary: { type: 'json' },
  },
});

/** balances as they stood when a day was closed */
export interface BalanceSnapshot {
  businessDate: string;
  kind: 'stock' | 'money';
  ref: string;
  unit: string;
  quantity: string;
  reserved: string;
}

export const BalanceSnapshotSchema = new EntitySchema<BalanceSnapshot>({
  name: 'BalanceSnapshot',
  properties: {
    businessDate: { type: 'date', primary: true },
    kind: { type: 'string', length: 8, primary: true },
    ref: { type: 'string', length: 160, primary: true },
    unit: { type: 'string', length: 80, primary: true },
    quantity: { type: 'bigint' },
    reserved: { type: 'bigint', default: 0 },
  },
});
