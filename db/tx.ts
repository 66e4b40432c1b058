import type { EntityManager } from '@mikro-orm/postgresql';

import type { Orm } from './orm.ts';

// Runs fn in a transaction of its own forked entity manager. A deadlock or serialization
// failure is the database asking us to try again, so those are retried a few times here;
// every other error rolls back and propagates.

const RETRYABLE = new Set(['40001', '40P01']);

export async function inTransaction<T>(orm: Orm, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await orm.em.fork().transactional(fn);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (!code || !RETRYABLE.has(code) || attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
    }
  }
}
