import { Migration } from '@mikro-orm/migrations';

// consumer orders, returns and refunds (DESIGN.md P3): orders, lines, payments, refunds and their
// outbox, carrier and provider events, price changes and claims, holidays, the pickup area
export class Migration20261203230003 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "consumer_event" ("event_id" varchar(100) not null, "order_no" varchar(100) not null, "type" varchar(20) not null, "at" timestamptz not null, "received_at" timestamptz not null, constraint "consumer_event_pkey" primary key ("event_id"));`);
    this.addSql(`create index "consumer_event_order_no_index" on "consumer_event" ("order_no");`);

    this.addSql(`create table "consumer_order" ("order_no" varchar(100) not null, "customer_id" varchar(64) not null, "placed_at" timestamptz not null, "status" varchar(20) not null, "content_hash" varchar(64) not null, "city" varchar(100) null, "postcode" varchar(20) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "consumer_order_pkey" primary key ("order_no"));`);
    this.addSql(`create index "consumer_order_customer_id_placed_at_index" on "consumer_order" ("customer_id", "placed_at");`);

    this.addSql(`create table "consumer_order_line" ("order_no" varchar(100) not null, "line_no" int not null, "sku" varchar(64) not null, "category" varchar(60) not null, "quantity" int not null, "unit_price_minor" bigint not null, "paid_minor" bigint not null, "delivered" int not null default 0, "returned" int not null default 0, "pending" int not null default 0, "refunded_units" int not null default 0, "protected_price_minor" bigint not null, constraint "consumer_order_line_pkey" primary key ("order_no", "line_no"), constraint consumer_line_returns_within_delivered check (returned >= 0 and pending >= 0 and returned + pending <= delivered and delivered <= quantity));`);

    this.addSql(`create table "consumer_payment" ("order_no" varchar(100) not null, "route" varchar(20) not null, "currency" varchar(3) not null, "amount_minor" bigint not null, "paid_minor" bigint not null default 0, "refunded_minor" bigint not null default 0, "pending_minor" bigint not null default 0, "account" varchar(100) null, constraint "consumer_payment_pkey" primary key ("order_no"), constraint consumer_payment_refunds_within_paid check (refunded_minor >= 0 and pending_minor >= 0 and refunded_minor + pending_minor <= paid_minor));`);

    this.addSql(`create table "consumer_refund" ("refund_id" varchar(300) not null, "order_no" varchar(100) not null, "process_id" varchar(200) not null, "route" varchar(20) not null, "account" varchar(100) null, "currency" varchar(3) not null, "amount_minor" bigint not null, "status" varchar(20) not null, "journal_id" bigint not null, "created_at" timestamptz not null, "answered_at" timestamptz null, constraint "consumer_refund_pkey" primary key ("refund_id"));`);
    this.addSql(`create index "consumer_refund_order_no_index" on "consumer_refund" ("order_no");`);

    this.addSql(`create table "holiday" ("date" date not null, "name" varchar(200) not null, "created_by" varchar(100) not null, constraint "holiday_pkey" primary key ("date"));`);

    this.addSql(`create table "payment_event" ("event_id" varchar(100) not null, "refund_id" varchar(300) not null, "status" varchar(20) not null, "received_at" timestamptz not null, constraint "payment_event_pkey" primary key ("event_id"));`);

    this.addSql(`create table "pickup_area" ("city" varchar(100) not null, "created_by" varchar(100) not null, constraint "pickup_area_pkey" primary key ("city"));`);

    this.addSql(`create table "price_change" ("id" bigserial primary key, "sku" varchar(64) not null, "price_minor" bigint not null, "currency" varchar(3) not null, "effective_at" timestamptz not null, "created_at" timestamptz not null, "created_by" varchar(100) not null);`);
    this.addSql(`create index "price_change_sku_effective_at_index" on "price_change" ("sku", "effective_at");`);

    this.addSql(`create table "price_protection_claim" ("id" bigserial primary key, "order_no" varchar(100) not null, "line_no" int not null, "price_change_id" bigint not null, "price_minor" bigint not null, "units" int not null, "amount_minor" bigint not null, "status" varchar(20) not null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "price_protection_claim" add constraint "price_protection_claim_order_no_line_no_price_change_id_unique" unique ("order_no", "line_no", "price_change_id");`);

    this.addSql(`create table "refund_instruction" ("idempotency_key" varchar(300) not null, "order_no" varchar(100) not null, "route" varchar(20) not null, "account" varchar(100) null, "currency" varchar(3) not null, "amount_minor" bigint not null, "created_at" timestamptz not null, "sent_at" timestamptz null, constraint "refund_instruction_pkey" primary key ("idempotency_key"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "consumer_event" cascade;`);

    this.addSql(`drop table if exists "consumer_order" cascade;`);

    this.addSql(`drop table if exists "consumer_order_line" cascade;`);

    this.addSql(`drop table if exists "consumer_payment" cascade;`);

    this.addSql(`drop table if exists "consumer_refund" cascade;`);

    this.addSql(`drop table if exists "holiday" cascade;`);

    this.addSql(`drop table if exists "payment_event" cascade;`);

    this.addSql(`drop table if exists "pickup_area" cascade;`);

    this.addSql(`drop table if exists "price_change" cascade;`);

    this.addSql(`drop table if exists "price_protection_claim" cascade;`);

    this.addSql(`drop table if exists "refund_instruction" cascade;`);
  }

}
