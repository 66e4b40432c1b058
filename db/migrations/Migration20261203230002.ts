import { Migration } from '@mikro-orm/migrations';

// warranty standards: one per part category, read by the core return's rule appraisal
export class Migration20261203230002 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "warranty_standard" ("category" varchar(16) not null, "warranty_days" int not null, "covered_failures" text[] not null, "excluded_causes" text[] not null, "standard_price_minor" bigint not null, "currency" varchar(3) not null, "disposition" varchar(24) not null, "updated_at" timestamptz not null, "updated_by" varchar(100) not null, constraint "warranty_standard_pkey" primary key ("category"), constraint warranty_standard_values check (warranty_days >= 0 and standard_price_minor >= 0));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "warranty_standard" cascade;`);
  }

}
