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
