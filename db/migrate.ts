import { loadConfig } from './config.ts';
import { openDatabase } from './database.ts';
import { migrate, openOrm } from './orm.ts';

// `npm run migrate`: applies the committed migrations to the configured database.
const config = loadConfig();
const db = await openDatabase(config, (m) => console.log(m));
const orm = await openOrm(db.url, 2);
try {
  const applied = await migrate(orm);
  console.log(applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date');
} finally {
  await orm.close();
  await db.stop();
}
