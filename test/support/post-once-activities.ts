import { Context } from '@temporalio/activity';

import type { Ledger } from '../../db/ledger.ts';
import type { Orm } from '../../db/orm.ts';
import { inTransaction } from '../../db/tx.ts';

/** posts a journal, and on the first attempt throws after the commit, as a crash would */
export function postOnceActivities(orm: Orm, ledger: Ledger, account: string) {
  return {
    async postThenFail(workflowId: string, amountMinor: number): Promise<string> {
      const journal = await inTransaction(orm, (em) => ledger.postMoney(em, {
        key: `${workflowId}:post`, processId: workflowId, step: 'post', actor: 'test', description: 'post once',
        lines: [{ account, currency: 'CNY', amount: BigInt(amountMinor) }, { account: 'sales', currency: 'CNY', amount: -BigInt(amountMinor) }],
      }));
      if (Context.current().info.attempt === 1) throw new Error('lost the connection after the commit');
      return journal.id;
    },
  };
}

export type PostOnceActivities = ReturnType<typeof postOnceActivities>;
