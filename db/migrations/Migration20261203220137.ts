import { Migration } from '@mikro-orm/migrations';

// the ground: master data, both ledgers, the process table and API keys
export class Migration20261203220137 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "account" ("code" varchar(120) not null, "kind" varchar(40) not null, "created_at" timestamptz not null, constraint "account_pkey" primary key ("code"));`);

    this.addSql(`create table "account_balance" ("account_code" varchar(120) not null, "currency" varchar(3) not null, "balance" bigint not null default 0, constraint "account_balance_pkey" primary key ("account_code", "currency"));`);

    this.addSql(`create table "api_key" ("id" varchar(64) not null, "key_hash" varchar(64) not null, "role" varchar(32) not null, "dealer_id" varchar(64) null, "label" varchar(200) not null, "created_at" timestamptz not null, "created_by" varchar(100) not null, "revoked_at" timestamptz null, constraint "api_key_pkey" primary key ("id"));`);
    this.addSql(`alter table "api_key" add constraint "api_key_key_hash_unique" unique ("key_hash");`);

    this.addSql(`create table "balance_snapshot" ("business_date" date not null, "kind" varchar(8) not null, "ref" varchar(160) not null, "unit" varchar(80) not null, "quantity" bigint not null, "reserved" bigint not null default 0, constraint "balance_snapshot_pkey" primary key ("business_date", "kind", "ref", "unit"));`);

    this.addSql(`create table "closed_day" ("business_date" date not null, "closed_at" timestamptz not null, "actor" varchar(100) not null, "summary" jsonb not null, constraint "closed_day_pkey" primary key ("business_date"));`);

    this.addSql(`create table "dealer" ("id" varchar(64) not null, "name" varchar(200) not null, "time_zone" varchar(64) not null, "currency" varchar(3) not null, "terms_days" int not null, "ladder" jsonb not null, "credit_hold" boolean not null default false, "credit_hold_reason" varchar(500) null, "updated_at" timestamptz not null, "updated_by" varchar(100) not null, constraint "dealer_pkey" primary key ("id"));`);

    this.addSql(`create table "location" ("code" varchar(80) not null, "physical" boolean not null, "warehouse" varchar(8) null, "bin" varchar(64) null, "zone" varchar(64) null, "updated_at" timestamptz not null, "updated_by" varchar(100) not null, constraint "location_pkey" primary key ("code"));`);
    this.addSql(`create index "location_warehouse_bin_index" on "location" ("warehouse", "bin");`);

    this.addSql(`create table "money_journal" ("id" bigserial primary key, "idempotency_key" varchar(300) not null, "content_hash" varchar(64) not null, "process_id" varchar(200) null, "step" varchar(100) not null, "actor" varchar(100) not null, "posted_at" timestamptz not null, "business_date" date not null, "reverses_id" bigint null, "description" varchar(300) not null);`);
    this.addSql(`alter table "money_journal" add constraint "money_journal_idempotency_key_unique" unique ("idempotency_key");`);
    this.addSql(`create index "money_journal_process_id_index" on "money_journal" ("process_id");`);
    this.addSql(`create index "money_journal_business_date_index" on "money_journal" ("business_date");`);
    this.addSql(`alter table "money_journal" add constraint "money_journal_reverses_id_unique" unique ("reverses_id");`);

    this.addSql(`create table "money_line" ("id" bigserial primary key, "journal_id" bigint not null, "account_code" varchar(120) not null, "currency" varchar(3) not null, "amount" bigint not null);`);
    this.addSql(`create index "money_line_journal_id_index" on "money_line" ("journal_id");`);
    this.addSql(`create index "money_line_account_code_id_index" on "money_line" ("account_code", "id");`);

    this.addSql(`create table "part" ("part_no" varchar(64) not null, "name" varchar(200) not null, "category" varchar(16) not null, "fits" text[] not null, "updated_at" timestamptz not null, "updated_by" varchar(100) not null, constraint "part_pkey" primary key ("part_no"));`);

    this.addSql(`create table "process" ("id" varchar(200) not null, "type" varchar(40) not null, "business_key" varchar(200) not null, "status" varchar(40) not null, "dealer_id" varchar(64) null, "amount_minor" bigint null, "currency" varchar(3) null, "due_at" timestamptz null, "escalation_level" int not null default 0, "summary" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "process_pkey" primary key ("id"));`);
    this.addSql(`create index "process_business_key_index" on "process" ("business_key");`);
    this.addSql(`create index "process_updated_at_id_index" on "process" ("updated_at", "id");`);
    this.addSql(`create index "process_type_status_updated_at_id_index" on "process" ("type", "status", "updated_at", "id");`);
    this.addSql(`create index "process_dealer_id_updated_at_id_index" on "process" ("dealer_id", "updated_at", "id");`);

    this.addSql(`create table "process_step" ("id" bigserial primary key, "process_id" varchar(200) not null, "step" varchar(100) not null, "detail" jsonb not null, "actor" varchar(100) not null, "at" timestamptz not null, "idempotency_key" varchar(300) not null);`);
    this.addSql(`alter table "process_step" add constraint "process_step_idempotency_key_unique" unique ("idempotency_key");`);
    this.addSql(`create index "process_step_process_id_id_index" on "process_step" ("process_id", "id");`);

    this.addSql(`create table "reservation" ("id" bigserial primary key, "key" varchar(300) not null, "document_ref" varchar(200) not null, "part_no" varchar(64) not null, "location" varchar(80) not null, "quantity" int not null, "consumed" int not null default 0, "released" int not null default 0, "created_at" timestamptz not null, constraint reservation_within_quantity check (quantity > 0 and consumed >= 0 and released >= 0 and consumed + released <= quantity));`);
    this.addSql(`alter table "reservation" add constraint "reservation_key_unique" unique ("key");`);
    this.addSql(`create index "reservation_document_ref_index" on "reservation" ("document_ref");`);

    this.addSql(`create table "stock_balance" ("part_no" varchar(64) not null, "location" varchar(80) not null, "physical" boolean not null, "on_hand" int not null default 0, "reserved" int not null default 0, constraint "stock_balance_pkey" primary key ("part_no", "location"), constraint stock_balance_physical_not_negative check (not physical or (on_hand >= 0 and reserved >= 0 and reserved <= on_hand)));`);
    this.addSql(`create index "stock_balance_location_index" on "stock_balance" ("location");`);

    this.addSql(`create table "stock_journal" ("id" bigserial primary key, "idempotency_key" varchar(300) not null, "content_hash" varchar(64) not null, "process_id" varchar(200) null, "step" varchar(100) not null, "actor" varchar(100) not null, "posted_at" timestamptz not null, "business_date" date not null, "reverses_id" bigint null, "reason" varchar(64) not null, "document_ref" varchar(200) not null);`);
    this.addSql(`alter table "stock_journal" add constraint "stock_journal_idempotency_key_unique" unique ("idempotency_key");`);
    this.addSql(`create index "stock_journal_process_id_index" on "stock_journal" ("process_id");`);
    this.addSql(`create index "stock_journal_business_date_index" on "stock_journal" ("business_date");`);
    this.addSql(`alter table "stock_journal" add constraint "stock_journal_reverses_id_unique" unique ("reverses_id");`);
    this.addSql(`create index "stock_journal_document_ref_index" on "stock_journal" ("document_ref");`);

    this.addSql(`create table "stock_move" ("id" bigserial primary key, "journal_id" bigint not null, "part_no" varchar(64) not null, "from_location" varchar(80) not null, "to_location" varchar(80) not null, "quantity" int not null, "reservation_id" bigint null, constraint stock_move_quantity_positive check (quantity > 0));`);
    this.addSql(`create index "stock_move_journal_id_index" on "stock_move" ("journal_id");`);
    this.addSql(`create index "stock_move_part_no_from_location_index" on "stock_move" ("part_no", "from_location");`);
    this.addSql(`create index "stock_move_part_no_to_location_index" on "stock_move" ("part_no", "to_location");`);

    this.addSql(`create table "supplier" ("id" varchar(64) not null, "name" varchar(200) not null, "updated_at" timestamptz not null, "updated_by" varchar(100) not null, constraint "supplier_pkey" primary key ("id"));`);

    this.addSql(`create table "vehicle_model" ("code" varchar(64) not null, "name" varchar(200) not null, "lifecycle" varchar(16) not null, "discontinued_on" date null, "updated_at" timestamptz not null, "updated_by" varchar(100) not null, constraint "vehicle_model_pkey" primary key ("code"));`);

    this.addSql(`create table "warehouse" ("code" varchar(8) not null, "name" varchar(100) not null, constraint "warehouse_pkey" primary key ("code"));`);

    // the journals are append-only: a correction is a reversing journal, never an edit
    this.addSql(`create function refuse_journal_change() returns trigger language plpgsql as $$
      begin raise exception 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP using errcode = '55000'; end $$;`);
    for (const table of ['stock_journal', 'stock_move', 'money_journal', 'money_line', 'process_step']) {
      this.addSql(`create trigger ${table}_append_only before update or delete on "${table}"
        for each row execute function refuse_journal_change();`);
    }

    this.addSql(`insert into "warehouse" ("code", "name") values
      ('NEW', 'new parts'), ('CORE', 'returned cores'), ('PROMO', 'promotional goods');`);
    this.addSql(`insert into "location" ("code", "physical", "warehouse", "bin", "zone", "updated_at", "updated_by")
      select code, false, null, null, null, now(), 'system' from unnest(array[
        '@supplier', '@dealer', '@customer', '@in-transit', '@inspection', '@scrap', '@count-adjustment'
      ]) as code;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists refuse_journal_change() cascade;`);
    this.addSql(`drop table if exists "account" cascade;`);

    this.addSql(`drop table if exists "account_balance" cascade;`);

    this.addSql(`drop table if exists "api_key" cascade;`);

    this.addSql(`drop table if exists "balance_snapshot" cascade;`);

    this.addSql(`drop table if exists "closed_day" cascade;`);

    this.addSql(`drop table if exists "dealer" cascade;`);

    this.addSql(`drop table if exists "location" cascade;`);

    this.addSql(`drop table if exists "money_journal" cascade;`);

    this.addSql(`drop table if exists "money_line" cascade;`);

    this.addSql(`drop table if exists "part" cascade;`);

    this.addSql(`drop table if exists "process" cascade;`);

    this.addSql(`drop table if exists "process_step" cascade;`);

    this.addSql(`drop table if exists "reservation" cascade;`);

    this.addSql(`drop table if exists "stock_balance" cascade;`);

    this.addSql(`drop table if exists "stock_journal" cascade;`);

    this.addSql(`drop table if exists "stock_move" cascade;`);

    this.addSql(`drop table if exists "supplier" cascade;`);

    this.addSql(`drop table if exists "vehicle_model" cascade;`);

    this.addSql(`drop table if exists "warehouse" cascade;`);
  }

}
