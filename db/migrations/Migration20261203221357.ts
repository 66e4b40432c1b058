import { Migration } from '@mikro-orm/migrations';

// invoices: one per shipment, with its due date and what is outstanding
export class Migration20261203221357 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "invoice" ("invoice_no" varchar(100) not null, "dealer_id" varchar(64) not null, "process_id" varchar(200) not null, "shipment_no" varchar(100) not null, "currency" varchar(3) not null, "amount_minor" bigint not null, "paid_minor" bigint not null default 0, "issued_at" timestamptz not null, "due_date" date not null, "overdue_at" timestamptz not null, "journal_id" bigint not null, "escalation_level" int not null default 0, constraint "invoice_pkey" primary key ("invoice_no"), constraint invoice_paid_within_amount check (paid_minor >= 0 and paid_minor <= amount_minor));`);
    this.addSql(`create index "invoice_dealer_id_issued_at_index" on "invoice" ("dealer_id", "issued_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "invoice" cascade;`);
  }

}
