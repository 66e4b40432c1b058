import { Migration } from '@mikro-orm/migrations';

// dealer order fulfilment: order lines, part prices, picking lists, shipments, purchase follow-ups
export class Migration20261203230001 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "dealer_order_line" ("order_id" varchar(200) not null, "line_no" int not null, "part_no" varchar(64) not null, "currency" varchar(3) not null, "unit_price_minor" bigint not null, "ordered" int not null, "reserved" int not null default 0, "backordered" int not null default 0, "picked" int not null default 0, "shipped" int not null default 0, "received" int not null default 0, "damaged" int not null default 0, "cancelled" int not null default 0, "reship" int not null default 0, constraint "dealer_order_line_pkey" primary key ("order_id", "line_no"), constraint dealer_order_line_counters check (ordered > 0 and reserved >= 0 and backordered >= 0 and picked >= 0 and shipped >= 0 and received >= 0 and damaged >= 0 and cancelled >= 0 and reship >= 0 and damaged <= received));`);

    this.addSql(`create table "part_price" ("part_no" varchar(64) not null, "currency" varchar(3) not null, "unit_price_minor" bigint not null, "updated_at" timestamptz not null, "updated_by" varchar(100) not null, constraint "part_price_pkey" primary key ("part_no", "currency"), constraint part_price_positive check (unit_price_minor > 0));`);

    this.addSql(`create table "picking_list" ("picking_list_no" varchar(200) not null, "order_id" varchar(200) not null, "status" varchar(20) not null, "issued_at" timestamptz not null, "picked_at" timestamptz null, "picked_by" varchar(100) null, constraint "picking_list_pkey" primary key ("picking_list_no"));`);
    this.addSql(`create index "picking_list_order_id_index" on "picking_list" ("order_id");`);

    this.addSql(`create table "picking_list_line" ("picking_list_no" varchar(200) not null, "line_no" int not null, "order_line_no" int not null, "bin" varchar(80) not null, "part_no" varchar(64) not null, "quantity" int not null, "reservation_id" bigint not null, constraint "picking_list_line_pkey" primary key ("picking_list_no", "line_no"));`);
    this.addSql(`alter table "picking_list_line" add constraint "picking_list_line_reservation_id_unique" unique ("reservation_id");`);

    this.addSql(`create table "purchase_follow_up" ("id" bigserial primary key, "order_id" varchar(200) not null, "order_line_no" int not null, "part_no" varchar(64) not null, "quantity" int not null, "supplier_id" varchar(64) null, "raised_at" timestamptz not null, "status" varchar(20) not null, "closed_at" timestamptz null);`);
    this.addSql(`create index "purchase_follow_up_part_no_status_raised_at_index" on "purchase_follow_up" ("part_no", "status", "raised_at");`);
    this.addSql(`create index "purchase_follow_up_order_id_order_line_no_index" on "purchase_follow_up" ("order_id", "order_line_no");`);

    this.addSql(`create table "shipment" ("shipment_no" varchar(200) not null, "order_id" varchar(200) not null, "picking_list_no" varchar(200) not null, "carrier" varchar(100) not null, "consignment_no" varchar(100) not null, "shipped_at" timestamptz not null, "shipped_by" varchar(100) not null, "invoice_no" varchar(100) null, "amount_minor" bigint not null, "currency" varchar(3) not null, "status" varchar(20) not null, "received_at" timestamptz null, "receipt_assumed" boolean not null default false, "reminded_at" timestamptz null, constraint "shipment_pkey" primary key ("shipment_no"));`);
    this.addSql(`create index "shipment_order_id_index" on "shipment" ("order_id");`);
    this.addSql(`alter table "shipment" add constraint "shipment_picking_list_no_unique" unique ("picking_list_no");`);

    this.addSql(`create table "shipment_line" ("shipment_no" varchar(200) not null, "order_line_no" int not null, "part_no" varchar(64) not null, "shipped" int not null, "reshipped" int not null default 0, "received" int not null default 0, "damaged" int not null default 0, constraint "shipment_line_pkey" primary key ("shipment_no", "order_line_no"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "dealer_order_line" cascade;`);

    this.addSql(`drop table if exists "part_price" cascade;`);

    this.addSql(`drop table if exists "picking_list" cascade;`);

    this.addSql(`drop table if exists "picking_list_line" cascade;`);

    this.addSql(`drop table if exists "purchase_follow_up" cascade;`);

    this.addSql(`drop table if exists "shipment" cascade;`);

    this.addSql(`drop table if exists "shipment_line" cascade;`);
  }

}
