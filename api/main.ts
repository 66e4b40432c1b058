import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pino from 'pino';

import { loadConfig } from '../db/config.ts';
import { openDatabase } from '../db/database.ts';
import { Ledger } from '../db/ledger.ts';
import { openOrm } from '../db/orm.ts';
import { createApp } from './app.ts';

// The API process: Express over the Temporal client and the database (for reads).
const config = loadConfig();
const log = pino({ level: config.logLevel, base: { service: 'api' } });
if (!config.adminKey) log.warn('SPAREFLOW_ADMIN_KEY is not set: no admin key, only stored keys are accepted');
const db = await openDatabase(config);
const orm = await openOrm(db.url, config.dbPoolMax);
// the client talks to Temporal through the SDK's native (Rust) connection rather than the
// JavaScript gRPC stack: the same calls for less CPU in this process; its own logs from warnings up
Runtime.install({ logger: new DefaultLogger(config.logLevel === 'debug' ? 'DEBUG' : 'WARN') });
const connection = await NativeConnection.connect({ address: config.temporalAddress });
const temporal = new Client({ connection, namespace: config.temporalNamespace });
const app = createApp({ orm, temporal, config, log, ledger: new Ledger({ timeZone: config.ledgerTimeZone }) });

const server = app.listen(config.port, config.host, () => log.info({ url: `http://${config.host}:${config.port}` }, 'api listening'));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'api stopping');
    server.close(async () => {
      await connection.close();
      await orm.close();
      await db.stop();
      process.exit(0);
    });
    server.closeAllConnections();
  });
}
