import { Migration } from '@mikro-orm/migrations';

// receivables: payments and their allocations, the notification outbox, monthly statements
export class Migration20261203230004 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "notification" ("id" bigserial primary key, "dealer_id" varchar(64) not null, "invoice_no" varchar(100) not null, "level" int not null, "action" varchar(40) not null, "recipient" varchar(200) not null, "channel" varchar(20) not null, "template" varchar(60) not null, "currency" varchar(3) not null, "invoice_amount_minor" bigint not null, "outstanding_minor" bigint not null, "days_overdue" int not null, "local_date" date not null, "status" varchar(20) not null, "attempts" int not null default 0, "last_error" varchar(500) null, "delivered_at" timestamptz null, "created_at" timestamptz not null);`);
    this.addSql(`create index "notification_dealer_id_status_index" on "notification" ("dealer_id", "status");`);
    this.addSql(`alter table "notification" add constraint "notification_invoice_no_level_unique" unique ("invoice_no", "level");`);

    this.addSql(`create table "payment" ("payment_no" varchar(100) not null, "dealer_id" varchar(64) not null, "currency" varchar(3) not null, "amount_minor" bigint not null, "unapplied_minor" bigint not null, "received_at" timestamptz not null, "content_hash" varchar(64) not null, "journal_id" bigint not null, "result" jsonb not null, "actor" varchar(100) not null, "created_at" timestamptz not null, constraint "payment_pkey" primary key ("payment_no"), constraint payment_unapplied_within_amount check (unapplied_minor >= 0 and unapplied_minor <= amount_minor));`);
    this.addSql(`create index "payment_dealer_id_received_at_index" on "payment" ("dealer_id", "received_at");`);

    this.addSql(`create table "payment_allocation" ("id" bigserial primary key, "payment_no" varchar(100) not null, "invoice_no" varchar(100) not null, "amount_minor" bigint not null, "allocated_at" timestamptz not null, constraint payment_allocation_positive check (amount_minor > 0));`);
    this.addSql(`create index "payment_allocation_payment_no_index" on "payment_allocation" ("payment_no");`);
    this.addSql(`create index "payment_allocation_invoice_no_index" on "payment_allocation" ("invoice_no");`);

    this.addSql(`create table "statement" ("dealer_id" varchar(64) not null, "month" varchar(7) not null, "currency" varchar(3) not null, "opening_minor" bigint not null, "closing_minor" bigint not null, "body" jsonb not null, "generated_at" timestamptz not null, constraint "statement_pkey" primary key ("dealer_id", "month"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notification" cascade;`);

    this.addSql(`drop table if exists "payment" cascade;`);

    this.addSql(`drop table if exists "payment_allocation" cascade;`);

    this.addSql(`drop table if exists "statement" cascade;`);
  }

}
