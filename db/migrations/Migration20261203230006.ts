import { Migration } from '@mikro-orm/migrations';

// the back-office board: search by the start of a business key uses an index under any collation
export class Migration20261203230006 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "process_business_key_pattern_index" on "process" ("business_key" varchar_pattern_ops);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "process_business_key_pattern_index";`);
  }

}
