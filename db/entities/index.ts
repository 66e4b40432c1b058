import * as auth from './auth.ts';
import * as consumer from './consumer.ts';
import * as orders from './dealer-orders.ts';
import * as ledger from './ledger.ts';
import * as master from './master.ts';
import * as process from './process.ts';
import * as receivables from './receivables.ts';
import * as settings from './settings.ts';
import * as warehouse from './warehouse.ts';
import * as warranty from './warranty.ts';

// every entity schema of the application; each feature module adds its own file here
export const entities = [
  master.VehicleModelSchema, master.PartSchema, master.SupplierSchema, master.DealerSchema,
  master.WarehouseSchema, master.LocationSchema,
  ledger.StockJournalSchema, ledger.StockMoveSchema, ledger.StockBalanceSchema,
  ledger.ReservationSchema, ledger.AccountSchema, ledger.MoneyJournalSchema,
  ledger.MoneyLineSchema, ledger.AccountBalanceSchema, ledger.ClosedDaySchema,
  ledger.BalanceSnapshotSchema,
  process.ProcessSchema, process.ProcessStepSchema,
  auth.ApiKeySchema,
  settings.SettingSchema,
  warehouse.BinFreezeSchema, warehouse.WarehouseAlertSchema,
  warranty.WarrantyStandardSchema,
  receivables.InvoiceSchema, receivables.PaymentSchema, receivables.PaymentAllocationSchema,
  receivables.NotificationSchema, receivables.StatementSchema,
  consumer.ConsumerOrderSchema, consumer.ConsumerOrderLineSchema, consumer.ConsumerPaymentSchema,
  consumer.ConsumerRefundSchema, consumer.RefundInstructionSchema, consumer.ConsumerEventSchema,
  consumer.PaymentEventSchema, consumer.PriceChangeSchema, consumer.PriceProtectionClaimSchema,
  consumer.HolidaySchema, consumer.PickupAreaSchema,
  orders.PartPriceSchema, orders.DealerOrderLineSchema, orders.PickingListSchema, orders.PickingListLineSchema,
  orders.ShipmentSchema, orders.ShipmentLineSchema, orders.PurchaseFollowUpSchema,
];
