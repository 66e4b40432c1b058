import type { Client } from '@temporalio/client';
import type pino from 'pino';

import type { Config } from '../db/config.ts';
import type { Ledger } from '../db/ledger.ts';
import type { Orm } from '../db/orm.ts';

/** what route handlers are given: the Temporal client, the ORM for reads, configuration */
export interface ApiContext {
  orm: Orm;
  temporal: Client;
  config: Config;
  ledger: Ledger;
  log: pino.Logger;
}
