import { invalid } from './errors.ts';

// The chart of accounts (DESIGN.md §3). Codes are `kind` or `kind:owner`; an account row is
// created the first time a journal names it.

const OWNED = ['receivable', 'recovery', 'refunds-payable', 'store-balance', 'loyalty', 'customer-payments'] as const;
const SINGLE = ['sales', 'warranty-expense', 'cash', 'bank', 'freight-income', 'price-protection',
  'refunds-clearing', 'stock-adjustment'] as const;

export const REFUND_ROUTES = ['card', 'company-transfer', 'cheque', 'gift-card', 'store-balance', 'cash-on-delivery'] as const;

export const account = {
  dealerReceivable: (dealerId: string) => `receivable:${dealerId}`,
  supplierRecovery: (supplierId: string) => `recovery:${supplierId}`,
  refundsPayable: (route: string) => `refunds-payable:${route}`,
  storeBalance: (customerId: string) => `store-balance:${customerId}`,
  /** what a consumer paid for one order and has not been refunded */
  customerPayments: (orderNo: string) => `customer-payments:${orderNo}`,
  loyalty: (customerId: string) => `loyalty:${customerId}`,
  sales: 'sales',
  warrantyExpense: 'warranty-expense',
  cash: 'cash',
  bank: 'bank',
  freightIncome: 'freight-income',
  priceProtection: 'price-protection',
} as const;

/** the kind of an account code, or a 400 naming the field when the code is not in the chart */
export function accountKind(code: string, field = 'account'): string {
  const [kind, owner, ...rest] = code.split(':');
  if (rest.length === 0 && owner === undefined && (SINGLE as readonly string[]).includes(kind!)) return kind!;
  if (rest.length === 0 && owner && /^[A-Za-z0-9._-]{1,100}$/.test(owner) && (OWNED as readonly string[]).includes(kind!)) {
    return kind!;
  }
  throw invalid(field, `"${code.slice(0, 60)}" is not an account of the chart`);
}
