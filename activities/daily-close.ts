import { refused } from '../db/errors.ts';
import { checkLedger } from '../db/ledger-check.ts';
import { recordStep, saveProcess } from '../db/processes.ts';
import { inTransaction } from '../db/tx.ts';
import { raiseAlert } from '../db/warehouse.ts';
import { businessStep, type ActivityDeps } from './support.ts';

// The daily close (P6): with the journals locked against new postings, check the whole ledger;
// if it is clean, snapshot every balance and lock the day (Ledger.closeDay); if not, leave the
// day open and put an alert in finance's outbox. All of it in one transaction, so the check
// and the snapshot see the same ledger.

export interface DailyCloseResult {
  businessDate: string;
  closed: boolean;
  alreadyClosed: boolean;
  stockRows: number;
  moneyRows: number;
  problems: number;
}

export function createDailyCloseActivities(deps: ActivityDeps) {
  return {
    async closeBusinessDay(c: { processId: string; businessDate: string; actor: string; attempt: string }): Promise<DailyCloseResult> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const at = deps.now();
        if (c.businessDate >= deps.ledger.businessDate(at)) {
          throw refused('day-not-over', `business day ${c.businessDate} has not ended yet in ${deps.config.ledgerTimeZone}`,
            { businessDate: c.businessDate });
        }
        await em.execute('lock table stock_journal, money_journal in share mode');
        const problems = await checkLedger(em);
        const base = { id: c.processId, type: 'daily-close', businessKey: c.businessDate };

        if (problems.length) {
          await raiseAlert(em, {
            key: `${c.processId}:${c.attempt}:alert`, audience: 'finance', kind: 'ledger-check-failed', processId: c.processId, at,
            detail: { businessDate: c.businessDate, problems: problems.slice(0, 50) },
          });
          await saveProcess(em, { ...base, status: 'check-failed', summary: { businessDate: c.businessDate, problems: problems.length } }, at);
          await recordStep(em, {
            processId: c.processId, step: 'ledger-check-failed', actor: c.actor, key: `${c.processId}:${c.attempt}:check`,
            detail: { problems: problems.length, rules: [...new Set(problems.map((p) => p.rule))] }, at,
          });
          return { businessDate: c.businessDate, closed: false, alreadyClosed: false, stockRows: 0, moneyRows: 0, problems: problems.length };
        }

        const closed = await deps.ledger.closeDay(em, { businessDate: c.businessDate, actor: c.actor, at, summary: { processId: c.processId } });
        await saveProcess(em, {
          ...base, status: 'closed', summary: { businessDate: c.businessDate, problems: 0, stockRows: closed.stockRows, moneyRows: closed.moneyRows },
        }, at);
        await recordStep(em, {
          processId: c.processId, step: closed.alreadyClosed ? 'day-was-closed' : 'day-closed', actor: c.actor,
          key: `${c.processId}:${c.attempt}:close`, detail: { stockRows: closed.stockRows, moneyRows: closed.moneyRows }, at,
        });
        return { ...closed, closed: true, problems: 0 };
      }));
    },
  };
}
