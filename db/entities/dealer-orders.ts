import { EntitySchema } from '@mikro-orm/core';

// Dealer order fulfilment (DESIGN.md P1). The process row carries the status; these tables carry
// the lines, the documents (picking lists, shipments) and the purchase follow-ups of backorders.

/** the price a dealer pays for a part, in one currency; an order line takes it when submitted */
export interface PartPrice {
  partNo: string;
  currency: string;
  unitPriceMinor: string;
  updatedAt: Date;
  updatedBy: string;
}

export const PartPriceSchema = new EntitySchema<PartPrice>({
  name: 'PartPrice',
  properties: {
    partNo: { type: 'string', length: 64, primary: true },
    currency: { type: 'string', length: 3, primary: true },
    unitPriceMinor: { type: 'bigint' },
    updatedAt: { type: 'datetime' },
    updatedBy: { type: 'string', length: 100 },
  },
  checks: [{ name: 'part_price_positive', expression: 'unit_price_minor > 0' }],
});

/**
 * One line of a dealer order and its counters. `reserved` is held in bins and not yet shipped,
 * `backordered` waits for stock, `reship` is owed again free of charge after a discrepancy.
 */
export interface DealerOrderLine {
  orderId: string;
  lineNo: number;
  partNo: string;
  currency: string;
  unitPriceMinor: string;
  ordered: number;
  reserved: number;
  backordered: number;
  picked: number;
  shipped: number;
  received: number;
  damaged: number;
  cancelled: number;
  reship: number;
}

export const DealerOrderLineSchema = new EntitySchema<DealerOrderLine>({
  name: 'DealerOrderLine',
  properties: {
    orderId: { type: 'string', length: 200, primary: true },
    lineNo: { type: 'integer', primary: true },
    partNo: { type: 'string', length: 64 },
    currency: { type: 'string', length: 3 },
    unitPriceMinor: { type: 'bigint' },
    ordered: { type: 'integer' },
    reserved: { type: 'integer', default: 0 },
    backordered: { type: 'integer', default: 0 },
    picked: { type: 'integer', default: 0 },
    shipped: { type: 'integer', default: 0 },
    received: { type: 'integer', default: 0 },
    damaged: { type: 'integer', default: 0 },
    cancelled: { type: 'integer', default: 0 },
    reship: { type: 'integer', default: 0 },
  },
  checks: [{
    name: 'dealer_order_line_counters',
    expression: 'ordered > 0 and reserved >= 0 and backordered >= 0 and picked >= 0 and shipped >= 0 and received >= 0 and damaged >= 0 and cancelled >= 0 and reship >= 0 and damaged <= received',
  }],
});

/** the numbered document that says which bin, part and quantity to pick */
export interface PickingList {
  pickingListNo: string;
  orderId: string;
  /** issued → picked → shipped, or cancelled */
  status: string;
  issuedAt: Date;
  pickedAt: Date | null;
  pickedBy: string | null;
}

export const PickingListSchema = new EntitySchema<PickingList>({
  name: 'PickingList',
  properties: {
    pickingListNo: { type: 'string', length: 200, primary: true },
    orderId: { type: 'string', length: 200, index: true },
    status: { type: 'string', length: 20 },
    issuedAt: { type: 'datetime' },
    pickedAt: { type: 'datetime', nullable: true },
    pickedBy: { type: 'string', length: 100, nullable: true },
  },
});

export interface PickingListLine {
  pickingListNo: string;
  lineNo: number;
  orderLineNo: number;
  bin: string;
  partNo: string;
  quantity: number;
  reservationId: string;
}

export const PickingListLineSchema = new EntitySchema<PickingListLine>({
  name: 'PickingListLine',
  properties: {
    pickingListNo: { type: 'string', length: 200, primary: true },
    lineNo: { type: 'integer', primary: true },
    orderLineNo: { type: 'integer' },
    bin: { type: 'string', length: 80 },
    partNo: { type: 'string', length: 64 },
    quantity: { type: 'integer' },
    reservationId: { type: 'bigint', unique: true },
  },
});

/** goods of one picking list handed to a carrier; invoiced once, received once */
export interface Shipment {
  shipmentNo: string;
  orderId: string;
  pickingListNo: string;
  carrier: string;
  consignmentNo: string;
  shippedAt: Date;
  shippedBy: string;
  /** null when everything on it was a free re-shipment */
  invoiceNo: string | null;
  amountMinor: string;
  currency: string;
  /** in-transit → received, or discrepancy → settled */
  status: string;
  receivedAt: Date | null;
  receiptAssumed: boolean;
  remindedAt: Date | null;
}

export const ShipmentSchema = new EntitySchema<Shipment>({
  name: 'Shipment',
  properties: {
    shipmentNo: { type: 'string', length: 200, primary: true },
    orderId: { type: 'string', length: 200, index: true },
    pickingListNo: { type: 'string', length: 200, unique: true },
    carrier: { type: 'string', length: 100 },
    consignmentNo: { type: 'string', length: 100 },
    shippedAt: { type: 'datetime' },
    shippedBy: { type: 'string', length: 100 },
    invoiceNo: { type: 'string', length: 100, nullable: true },
    amountMinor: { type: 'bigint' },
    currency: { type: 'string', length: 3 },
    status: { type: 'string', length: 20 },
    receivedAt: { type: 'datetime', nullable: true },
    receiptAssumed: { type: 'boolean', default: false },
    remindedAt: { type: 'datetime', nullable: true },
  },
});

export interface ShipmentLine {
  shipmentNo: string;
  orderLineNo: number;
  partNo: string;
  shipped: number;
  /** of the shipped units, how many were free re-shipments */
  reshipped: number;
  received: number;
  damaged: number;
}

export const ShipmentLineSchema = new EntitySchema<ShipmentLine>({
  name: 'ShipmentLine',
  properties: {
    shipmentNo: { type: 'string', length: 200, primary: true },
    orderLineNo: { type: 'integer', primary: true },
    partNo: { type: 'string', length: 64 },
    shipped: { type: 'integer' },
    reshipped: { type: 'integer', default: 0 },
    received: { type: 'integer', default: 0 },
    damaged: { type: 'integer', default: 0 },
  },
});

/** asks purchasing to get a backordered part; fulfilled as inbound receipts allocate to it */
export interface PurchaseFollowUp {
  id: string;
  orderId: string;
  orderLineNo: number;
  partNo: string;
  /** still missing */
  quantity: number;
  supplierId: string | null;
  raisedAt: Date;
  /** open, fulfilled or cancelled */
  status: string;
  closedAt: Date | null;
}

export const PurchaseFollowUpSchema = new EntitySchema<PurchaseFollowUp>({
  name: 'PurchaseFollowUp',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    orderId: { type: 'string', length: 200 },
    orderLineNo: { type: 'integer' },
    partNo: { type: 'string', length: 64 },
    quantity: { type: 'integer' },
    supplierId: { type: 'string', length: 64, nullable: true },
    raisedAt: { type: 'datetime' },
    status: { type: 'string', length: 20 },
    closedAt: { type: 'datetime', nullable: true },
  },
  indexes: [{ properties: ['partNo', 'status', 'raisedAt'] }, { properties: ['orderId', 'orderLineNo'] }],
});
