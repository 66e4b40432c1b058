import { EntitySchema } from '@mikro-orm/core';

/**
 * One invoice per shipment. Its money lives in the ledger (receivable against sales); this row
 * carries what the arrears ladder needs: the due date and what is still outstanding.
 */
export interface Invoice {
  invoiceNo: string;
  dealerId: string;
  processId: string;
  shipmentNo: string;
  currency: string;
  amountMinor: string;
  paidMinor: string;
  issuedAt: Date;
  /** the local due date in the dealer's time zone */
  dueDate: string;
  /** the instant the invoice becomes overdue: the start of the day after dueDate, dealer time */
  overdueAt: Date;
  journalId: string;
  escalationLevel: number;
}

export const InvoiceSchema = new EntitySchema<Invoice>({
  name: 'Invoice',
  properties: {
    invoiceNo: { type: 'string', length: 100, primary: true },
    dealerId: { type: 'string', length: 64 },
    processId: { type: 'string', length: 200 },
    shipmentNo: { type: 'string', length: 100 },
    currency: { type: 'string', length: 3 },
    amountMinor: { type: 'bigint' },
    paidMinor: { type: 'bigint', default: 0 },
    issuedAt: { type: 'datetime' },
    dueDate: { type: 'date' },
    overdueAt: { type: 'datetime' },
    journalId: { type: 'bigint' },
    escalationLevel: { type: 'integer', default: 0 },
  },
  indexes: [{ properties: ['dealerId', 'issuedAt'] }],
  checks: [{ name: 'invoice_paid_within_amount', expression: 'paid_minor >= 0 and paid_minor <= amount_minor' }],
});

/**
 * A dealer's payment, once per payment number. Its money is one journal (bank against the
 * receivable); what it settled is in payment_allocation. What no open invoice could take stays
 * on the receivable as a credit (`unappliedMinor`) and is applied to the next invoices issued.
 */
export interface Payment {
  paymentNo: string;
  dealerId: string;
  currency: string;
  amountMinor: string;
  /** the part of the payment not (yet) applied to an invoice: a credit on the dealer's account */
  unappliedMinor: string;
  receivedAt: Date;
  /** hash of the request, to tell a retry (same content) from a reused number (conflict) */
  contentHash: string;
  journalId: string;
  /** the answer given when the payment was recorded, repeated to a retry */
  result: Record<string, unknown>;
  actor: string;
  createdAt: Date;
}

export const PaymentSchema = new EntitySchema<Payment>({
  name: 'Payment',
  properties: {
    paymentNo: { type: 'string', length: 100, primary: true },
    dealerId: { type: 'string', length: 64 },
    currency: { type: 'string', length: 3 },
    amountMinor: { type: 'bigint' },
    unappliedMinor: { type: 'bigint' },
    receivedAt: { type: 'datetime' },
    contentHash: { type: 'string', length: 64 },
    journalId: { type: 'bigint' },
    result: { type: 'json' },
    actor: { type: 'string', length: 100 },
    createdAt: { type: 'datetime' },
  },
  indexes: [{ properties: ['dealerId', 'receivedAt'] }],
  checks: [{ name: 'payment_unapplied_within_amount', expression: 'unapplied_minor >= 0 and unapplied_minor <= amount_minor' }],
});

/** the part of a payment that settled one invoice, and when (statements age from these) */
export interface PaymentAllocation {
  id: string;
  paymentNo: string;
  invoiceNo: string;
  amountMinor: string;
  allocatedAt: Date;
}

export const PaymentAllocationSchema = new EntitySchema<PaymentAllocation>({
  name: 'PaymentAllocation',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    paymentNo: { type: 'string', length: 100, index: true },
    invoiceNo: { type: 'string', length: 100, index: true },
    amountMinor: { type: 'bigint' },
    allocatedAt: { type: 'datetime' },
  },
  checks: [{ name: 'payment_allocation_positive', expression: 'amount_minor > 0' }],
});

/**
 * The notification outbox: one row per invoice and ladder level, written in the transaction that
 * re-read the outstanding amount, delivered afterwards by the notifier, which records the outcome.
 */
export interface Notification {
  id: string;
  dealerId: string;
  invoiceNo: string;
  level: number;
  action: string;
  recipient: string;
  channel: string;
  template: string;
  currency: string;
  invoiceAmountMinor: string;
  /** what is chased: the outstanding amount, corrected if a payment lands before delivery */
  outstandingMinor: string;
  daysOverdue: number;
  /** the dealer's local date the step belongs to */
  localDate: string;
  /** pending, delivered, cancelled (paid before delivery), failed, undeliverable (no webhook) */
  status: string;
  attempts: number;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

export const NotificationSchema = new EntitySchema<Notification>({
  name: 'Notification',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    dealerId: { type: 'string', length: 64 },
    invoiceNo: { type: 'string', length: 100 },
    level: { type: 'integer' },
    action: { type: 'string', length: 40 },
    recipient: { type: 'string', length: 200 },
    channel: { type: 'string', length: 20 },
    template: { type: 'string', length: 60 },
    currency: { type: 'string', length: 3 },
    invoiceAmountMinor: { type: 'bigint' },
    outstandingMinor: { type: 'bigint' },
    daysOverdue: { type: 'integer' },
    localDate: { type: 'date' },
    status: { type: 'string', length: 20 },
    attempts: { type: 'integer', default: 0 },
    lastError: { type: 'string', length: 500, nullable: true },
    deliveredAt: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime' },
  },
  uniques: [{ properties: ['invoiceNo', 'level'] }],
  indexes: [{ properties: ['dealerId', 'status'] }],
});

/** a dealer's monthly statement, produced by the monthly schedule and served as JSON or HTML */
export interface Statement {
  dealerId: string;
  /** YYYY-MM, in the ledger's time zone (the business dates of the journals) */
  month: string;
  currency: string;
  openingMinor: string;
  closingMinor: string;
  body: Record<string, unknown>;
  generatedAt: Date;
}

export const StatementSchema = new EntitySchema<Statement>({
  name: 'Statement',
  properties: {
    dealerId: { type: 'string', length: 64, primary: true },
    month: { type: 'string', length: 7, primary: true },
    currency: { type: 'string', length: 3 },
    openingMinor: { type: 'bigint' },
    closingMinor: { type: 'bigint' },
    body: { type: 'json' },
    generatedAt: { type: 'datetime' },
  },
});
