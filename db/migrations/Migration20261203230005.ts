import { Migration } from '@mikro-orm/migrations';

// warehouse operations: bins frozen by a stock count, notices to finance and purchasing
export class Migration20261203230005 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "bin_freeze" ("location" varchar(80) not null, "process_id" varchar(200) not null, "frozen_at" timestamptz not null, constraint "bin_freeze_pkey" primary key ("location"));`);
    this.addSql(`create index "bin_freeze_process_id_index" on "bin_freeze" ("process_id");`);

    this.addSql(`create table "warehouse_alert" ("id" bigserial primary key, "idempotency_key" varchar(300) not null, "audience" varchar(16) not null, "kind" varchar(64) not null, "process_id" varchar(200) not null, "detail" jsonb not null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "warehouse_alert" add constraint "warehouse_alert_idempotency_key_unique" unique ("idempotency_key");`);
    this.addSql(`create index "warehouse_alert_process_id_index" on "warehouse_alert" ("process_id");`);
    this.addSql(`create index "warehouse_alert_audience_id_index" on "warehouse_alert" ("audience", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "bin_freeze" cascade;`);

    this.addSql(`drop table if exists "warehouse_alert" cascade;`);
  }

}
