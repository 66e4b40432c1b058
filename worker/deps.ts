import type { Client } from '@temporalio/client';
import pino from 'pino';

import type { ActivityDeps } from '../activities/index.ts';
import type { Config } from '../db/config.ts';
import { Ledger } from '../db/ledger.ts';
import type { Orm } from '../db/orm.ts';

export function createDeps(orm: Orm, config: Config, temporal: Client, overrides: Partial<ActivityDeps> = {}): ActivityDeps {
  return {
    orm,
    config,
    temporal,
    ledger: new Ledger({ timeZone: config.ledgerTimeZone }),
    log: pino({ level: config.logLevel, base: { service: 'worker' } }),
    now: () => new Date(),
    fetch: globalThis.fetch,
    ...overrides,
  };
}
