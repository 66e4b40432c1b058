import { EntitySchema } from '@mikro-orm/core';

// Consumer orders (DESIGN.md P3): the order as the storefront placed it, its lines with the price
// paid per line allocated once, its payment with what was refunded and what is pending, and the
// records around it (carrier and provider events, refund instructions, prices, holidays, area).

export interface ConsumerOrder {
  orderNo: string; customerId: string; placedAt: Date; status: string; contentHash: string;
  city: string | null; postcode: string | null; createdAt: Date; updatedAt: Date;
}

export const ConsumerOrderSchema = new EntitySchema<ConsumerOrder>({
  name: 'ConsumerOrder',
  properties: {
    orderNo: { type: 'string', length: 100, primary: true },
    customerId: { type: 'string', length: 64 },
    placedAt: { type: 'datetime' },
    status: { type: 'string', length: 20 },
    contentHash: { type: 'string', length: 64 },
    city: { type: 'string', length: 100, nullable: true },
    postcode: { type: 'string', length: 20, nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
  indexes: [{ properties: ['customerId', 'placedAt'] }],
});

/** one line; `paidMinor` is the share of the payment that belongs to the line, fixed at order time */
export interface ConsumerOrderLine {
  orderNo: string; lineNo: number; sku: string; category: string; quantity: number;
  unitPriceMinor: string; paidMinor: string; delivered: number; returned: number; pending: number;
  refundedUnits: number; protectedPriceMinor: string;
}

export const ConsumerOrderLineSchema = new EntitySchema<ConsumerOrderLine>({
  name: 'ConsumerOrderLine',
  properties: {
    orderNo: { type: 'string', length: 100, primary: true },
    lineNo: { type: 'integer', primary: true },
    sku: { type: 'string', length: 64 },
    category: { type: 'string', length: 60 },
    quantity: { type: 'integer' },
    unitPriceMinor: { type: 'bigint' },
    paidMinor: { type: 'bigint' },
    delivered: { type: 'integer', default: 0 },
    returned: { type: 'integer', default: 0 },
    pending: { type: 'integer', default: 0 },
    refundedUnits: { type: 'integer', default: 0 },
    protectedPriceMinor: { type: 'bigint' },
  },
  checks: [{ name: 'consumer_line_returns_within_delivered', expression: 'returned >= 0 and pending >= 0 and returned + pending <= delivered and delivered <= quantity' }],
});

/** the payment of an order: the row every refund locks */
export interface ConsumerPayment {
  orderNo: string; route: string; currency: string; amountMinor: string; paidMinor: string;
  refundedMinor: string; pendingMinor: string; account: string | null;
}

export const ConsumerPaymentSchema = new EntitySchema<ConsumerPayment>({
  name: 'ConsumerPayment',
  properties: {
    orderNo: { type: 'string', length: 100, primary: true },
    route: { type: 'string', length: 20 },
    currency: { type: 'string', length: 3 },
    amountMinor: { type: 'bigint' },
    paidMinor: { type: 'bigint', default: 0 },
    refundedMinor: { type: 'bigint', default: 0 },
    pendingMinor: { type: 'bigint', default: 0 },
    account: { type: 'string', length: 100, nullable: true },
  },
  checks: [{ name: 'consumer_payment_refunds_within_paid', expression: 'refunded_minor >= 0 and pending_minor >= 0 and refunded_minor + pending_minor <= paid_minor' }],
});

export interface ConsumerRefund {
  refundId: string; orderNo: string; processId: string; route: string; account: string | null; currency: string;
  amountMinor: string; status: string; journalId: string; createdAt: Date; answeredAt: Date | null;
}

export const ConsumerRefundSchema = new EntitySchema<ConsumerRefund>({
  name: 'ConsumerRefund',
  properties: {
    refundId: { type: 'string', length: 300, primary: true },
    orderNo: { type: 'string', length: 100, index: true },
    processId: { type: 'string', length: 200 },
    route: { type: 'string', length: 20 },
    account: { type: 'string', length: 100, nullable: true },
    currency: { type: 'string', length: 3 },
    amountMinor: { type: 'bigint' },
    status: { type: 'string', length: 20 },
    journalId: { type: 'bigint' },
    createdAt: { type: 'datetime' },
    answeredAt: { type: 'datetime', nullable: true },
  },
});

/** the outbox the payment connector reads: one instruction per refund, keyed by the refund id */
export interface RefundInstruction {
  idempotencyKey: string; orderNo: string; route: string; account: string | null; currency: string;
  amountMinor: string; createdAt: Date; sentAt: Date | null;
}

export const RefundInstructionSchema = new EntitySchema<RefundInstruction>({
  name: 'RefundInstruction',
  properties: {
    idempotencyKey: { type: 'string', length: 300, primary: true },
    orderNo: { type: 'string', length: 100 },
    route: { type: 'string', length: 20 },
    account: { type: 'string', length: 100, nullable: true },
    currency: { type: 'string', length: 3 },
    amountMinor: { type: 'bigint' },
    createdAt: { type: 'datetime' },
    sentAt: { type: 'datetime', nullable: true },
  },
});

export interface ConsumerEvent { eventId: string; orderNo: string; type: string; at: Date; receivedAt: Date }

export const ConsumerEventSchema = new EntitySchema<ConsumerEvent>({
  name: 'ConsumerEvent',
  properties: {
    eventId: { type: 'string', length: 100, primary: true },
    orderNo: { type: 'string', length: 100, index: true },
    type: { type: 'string', length: 20 },
    at: { type: 'datetime' },
    receivedAt: { type: 'datetime' },
  },
});

export interface PaymentEvent { eventId: string; refundId: string; status: string; receivedAt: Date }

export const PaymentEventSchema = new EntitySchema<PaymentEvent>({
  name: 'PaymentEvent',
  properties: {
    eventId: { type: 'string', length: 100, primary: true },
    refundId: { type: 'string', length: 300 },
    status: { type: 'string', length: 20 },
    receivedAt: { type: 'datetime' },
  },
});

export interface PriceChange { id: string; sku: string; priceMinor: string; currency: string; effectiveAt: Date; createdAt: Date; createdBy: string }

export const PriceChangeSchema = new EntitySchema<PriceChange>({
  name: 'PriceChange',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    sku: { type: 'string', length: 64 },
    priceMinor: { type: 'bigint' },
    currency: { type: 'string', length: 3 },
    effectiveAt: { type: 'datetime' },
    createdAt: { type: 'datetime' },
    createdBy: { type: 'string', length: 100 },
  },
  indexes: [{ properties: ['sku', 'effectiveAt'] }],
});

/** one claim per order line and price drop */
export interface PriceProtectionClaim {
  id: string; orderNo: string; lineNo: number; priceChangeId: string; priceMinor: string; units: number;
  amountMinor: string; status: string; createdAt: Date;
}

export const PriceProtectionClaimSchema = new EntitySchema<PriceProtectionClaim>({
  name: 'PriceProtectionClaim',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    orderNo: { type: 'string', length: 100 },
    lineNo: { type: 'integer' },
    priceChangeId: { type: 'bigint' },
    priceMinor: { type: 'bigint' },
    units: { type: 'integer' },
    amountMinor: { type: 'bigint' },
    status: { type: 'string', length: 20 },
    createdAt: { type: 'datetime' },
  },
  uniques: [{ properties: ['orderNo', 'lineNo', 'priceChangeId'] }],
});

/** days on which no pickup is booked, besides Saturdays and Sundays */
export interface Holiday { date: string; name: string; createdBy: string }

export const HolidaySchema = new EntitySchema<Holiday>({
  name: 'Holiday',
  properties: {
    date: { type: 'date', primary: true },
    name: { type: 'string', length: 200 },
    createdBy: { type: 'string', length: 100 },
  },
});

/** the cities of the self-operated delivery area, where pickup is free and booked by us */
export interface PickupArea { city: string; createdBy: string }

export const PickupAreaSchema = new EntitySchema<PickupArea>({
  name: 'PickupArea',
  properties: {
    city: { type: 'string', length: 100, primary: true },
    createdBy: { type: 'string', length: 100 },
  },
});
