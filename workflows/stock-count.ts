import { allHandlersFinished, condition, defineQuery, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

import type { Activities } from '../activities/index.ts';
import type { CountedLine, Variance } from '../activities/stock-counts.ts';
import { DB_STEP } from './activity-options.ts';
import { refusal } from './failures.ts';
import { processId as makeProcessId } from './ids.ts';
import { asStep } from './step-failure.ts';

// P6 stock count, one per warehouse (or zone, or named bins) and count number. The bins are
// frozen for picking and putaway from the moment the count opens until it completes (see
// db/warehouse.ts for why freezing and not netting out picks in flight). The keeper reports
// counted bins; once every bin is counted, the count is compared with the ledger and the bin
// card; variances wait for finance, who approves them (posted as count adjustments) or asks
// for some bins to be counted again.

const act = proxyActivities<Activities>(DB_STEP);

export interface StockCountInput {
  warehouse: string;
  countNo: string;
  zone?: string | null;
  /** bin codes inside the warehouse (`A-01`); all bins of the warehouse or zone when absent */
  bins?: string[] | null;
  actor: string;
}

export type StockCountStatus = 'opening' | 'counting' | 'awaiting-approval' | 'completed' | 'refused';

export interface StockCountState {
  status: StockCountStatus;
  round: number;
  locations: string[];
  counted: CountedLine[];
  variances: Variance[];
}

export const countOpenedUpdate = defineUpdate<StockCountState>('countOpened');
export interface CountLinesInput { lines: CountedLine[]; actor: string }
export interface CountApprovalInput { decision: 'approve' | 'recount'; bins?: string[] | null; note?: string | null; actor: string }
export const countLinesUpdate = defineUpdate<StockCountState, [CountLinesInput]>('countLines');
export const countApprovalUpdate = defineUpdate<StockCountState, [CountApprovalInput]>('countApproval');
export const stockCountQuery = defineQuery<StockCountState>('stockCount');

export async function stockCountWorkflow(input: StockCountInput): Promise<StockCountState> {
  const processId = makeProcessId('stock-count', input.warehouse, input.countNo);
  const state: StockCountState = { status: 'opening', round: 1, locations: [], counted: [], variances: [] };
  let openFailure: unknown = null;
  let submissions = 0;
  const view = () => ({ ...state });

  const checkLines = ({ lines }: CountLinesInput) => {
    if (state.status !== 'counting') throw refusal('conflict', 'not-counting', `stock count ${processId} is ${state.status}, not counting`);
    if (!lines.length) throw refusal('invalid', 'invalid-request', 'lines: at least one counted line is needed');
    lines.forEach((l, i) => {
      if (!state.locations.includes(l.location)) {
        throw refusal('refused', 'bin-not-in-count', `lines[${i}]: bin ${l.location} is not part of this count`, { line: i, location: l.location });
      }
      if (state.counted.some((c) => c.location === l.location)) {
        throw refusal('conflict', 'bin-already-counted', `lines[${i}]: bin ${l.location} was already counted in this round`, { line: i, location: l.location });
      }
      if (!Number.isSafeInteger(l.quantity) || l.quantity < 0) {
        throw refusal('invalid', 'invalid-request', `lines[${i}].quantity: must be a whole number, zero or more`);
      }
    });
  };
  const checkApproval = ({ decision, bins }: CountApprovalInput) => {
    if (state.status !== 'awaiting-approval') {
      throw refusal('conflict', 'nothing-to-approve', `stock count ${processId} is ${state.status}; only a count with variances waits for approval`);
    }
    const stranger = decision === 'recount' ? bins?.find((b) => !state.locations.includes(b)) : undefined;
    if (stranger) throw refusal('refused', 'bin-not-in-count', `bin ${stranger} is not part of this count`, { location: stranger });
  };
  // updates run one at a time, and re-check the state they waited for
  let busy = false;
  const serially = async <T>(check: () => void, run: () => Promise<T>): Promise<T> => {
    // waiters released together by one activation must still go one at a time: look again after waking
    while (busy) await condition(() => !busy);
    check();
    busy = true;
    try {
      return await run();
    } finally {
      busy = false;
    }
  };

  setHandler(stockCountQuery, view);
  setHandler(countOpenedUpdate, async () => {
    await condition(() => state.status !== 'opening');
    if (openFailure) throw openFailure;
    return view();
  });

  setHandler(countLinesUpdate, (u) => serially(() => checkLines(u), async () => {
    const { lines, actor } = u;
    const bins = [...new Set(lines.map((l) => l.location))];
    const allCounted = [...state.counted, ...lines];
    const complete = state.locations.every((l) => allCounted.some((c) => c.location === l) || bins.includes(l));
    submissions += 1;
    const result = await asStep(() => act.recordCountedBins({
      processId, round: state.round, submission: submissions, lines, countedBins: bins, allCounted, complete, locations: state.locations, actor,
    }));
    state.counted = allCounted;
    state.status = result.status;
    state.variances = result.variances;
    return view();
  }), {
    validator: checkLines,
  });

  setHandler(countApprovalUpdate, (u) => serially(() => checkApproval(u), async () => {
    const { decision, bins, note, actor } = u;
    if (decision === 'approve') {
      await asStep(() => act.postCountAdjustments({ processId, round: state.round, variances: state.variances, actor, note: note ?? null }));
      state.status = 'completed';
      return view();
    }
    const recount = bins?.length ? bins : [...new Set(state.variances.map((v) => v.location))];
    const kept = state.counted.filter((c) => !recount.includes(c.location));
    await asStep(() => act.requestRecount({ processId, round: state.round + 1, bins: recount, keptCounted: kept, actor, note: note ?? null }));
    state.round += 1;
    state.counted = kept;
    state.variances = [];
    state.status = 'counting';
    return view();
  }), {
    validator: checkApproval,
  });

  try {
    const opened = await act.openStockCount({
      processId, warehouse: input.warehouse, countNo: input.countNo, zone: input.zone ?? null, bins: input.bins ?? null, actor: input.actor,
    });
    state.locations = opened.locations;
    state.status = 'counting';
  } catch (err) {
    // the caller of countOpened learns why; the run then fails, so the same count number can be tried again
    openFailure = err instanceof Error && err.cause ? err.cause : err;
    state.status = 'refused';
    await condition(allHandlersFinished);
    throw openFailure;
  }

  await condition(() => state.status === 'completed');
  await condition(allHandlersFinished);
  return view();
}
