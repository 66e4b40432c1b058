import { Migration } from '@mikro-orm/migrations';

// settings the service reads when it starts a process (the simulation time scale)
export class Migration20261203224500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "setting" ("key" varchar(100) not null, "value" jsonb not null, "updated_at" timestamptz not null, "updated_by" varchar(100) not null, constraint "setting_pkey" primary key ("key"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "setting" cascade;`);
  }
}
