import { loadConfig } from './config.ts';
import { openDatabase } from './database.ts';
import { openOrm } from './orm.ts';

// `npm run migration:create`: writes a migration with the difference between the entities and
// the configured database (migrate it first). Register the new class in migrations/index.ts.
const config = loadConfig();
const db = await openDatabase(config);
const orm = await openOrm(db.url, 2);
try {
  const result = await orm.getMigrator().createMigration();
  console.log(result.diff.up.length ? `wrote ${result.fileName}` : 'no schema difference');
} finally {
  await orm.close();
  await db.stop();
}
