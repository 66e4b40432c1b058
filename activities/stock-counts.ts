import type { EntityManager } from '@mikro-orm/postgresql';

import { conflict, refused } from '../db/errors.ts';
import { recordStep, saveProcess } from '../db/processes.ts';
import { inTransaction } from '../db/tx.ts';
import { bookedQuantities, freezeBins, releaseBins } from '../db/warehouse.ts';
import { businessStep, type ActivityDeps } from './support.ts';

// The steps of a stock count (workflows/stock-count.ts). Each writes the process row and its
// timeline step in the transaction of its effect; keys come from the count's id, the round
// (a recount starts a new round) and the step, so a retried activity changes nothing twice.

export interface CountedLine { location: string; partNo: string; quantity: number }

export interface Variance {
  location: string;
  partNo: string;
  counted: number;
  /** on hand in the ledger when the count was evaluated */
  booked: number;
  /** the bin card's closing quantity; differs from booked only if the ledger disagrees with itself */
  binCard: number;
  /** counted − booked: positive found, negative missing */
  difference: number;
}

const TYPE = 'stock-count';

async function countRow(em: EntityManager, id: string, status: string, summary: Record<string, unknown>, at: Date) {
  const [warehouse, countNo] = id.split(':').slice(1).map(decodeURIComponent);
  await saveProcess(em, { id, type: TYPE, businessKey: `${warehouse}/${countNo}`, status, summary }, at);
}

export function createStockCountActivities(deps: ActivityDeps) {
  return {
    /** resolves the bins of the count (all bins of the warehouse, of a zone, or those named) and freezes them */
    async openStockCount(c: { processId: string; warehouse: string; countNo: string; zone: string | null; bins: string[] | null; actor: string }):
      Promise<{ locations: string[] }> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const named = c.bins?.map((b) => `${c.warehouse}/${b}`) ?? null;
        const params: unknown[] = [c.warehouse];
        let filter = '';
        if (c.zone) {
          filter += ' and zone = ?';
          params.push(c.zone);
        }
        if (named) {
          filter += ` and code in (${named.map(() => '?').join(', ')})`;
          params.push(...named);
        }
        const rows = await em.execute(`select code from location where physical and warehouse = ?${filter} order by code`, params);
        const locations = rows.map((r) => String(r.code));
        const missing = named?.find((n) => !locations.includes(n));
        if (missing) throw refused('unknown-location', `bin ${missing} does not exist`, { location: missing });
        if (!locations.length) throw refused('no-bins', `warehouse ${c.warehouse} has no bins to count${c.zone ? ` in zone ${c.zone}` : ''}`);

        const at = deps.now();
        await freezeBins(em, c.processId, locations, at);
        await countRow(em, c.processId, 'counting', {
          warehouse: c.warehouse, countNo: c.countNo, zone: c.zone, bins: locations, round: 1, counted: [], variances: [],
        }, at);
        await recordStep(em, { processId: c.processId, step: 'count-opened', actor: c.actor, key: `${c.processId}:open`, detail: { bins: locations }, at });
        return { locations };
      }));
    },

    /**
     * Records the lines of counted bins. When every bin of the round has been counted, compares
     * the count with the ledger and the bin card: with no variance the count is complete and
     * its bins are released; otherwise it waits for finance.
     */
    async recordCountedBins(c: {
      processId: string; round: number; submission: number; lines: CountedLine[]; countedBins: string[];
      allCounted: CountedLine[]; complete: boolean; locations: string[]; actor: string;
    }): Promise<{ status: 'counting' | 'awaiting-approval' | 'completed'; variances: Variance[] }> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const at = deps.now();
        const parts = [...new Set(c.lines.map((l) => l.partNo))];
        const known = await em.execute(`select part_no from part where part_no in (${parts.map(() => '?').join(', ')})`, parts);
        const unknown = c.lines.findIndex((l) => !known.some((k) => k.part_no === l.partNo));
        if (unknown >= 0) {
          throw refused('unknown-part', `lines[${unknown}]: part ${c.lines[unknown]!.partNo} is not in the master data`, { line: unknown });
        }
        let variances: Variance[] = [];
        let status: 'counting' | 'awaiting-approval' | 'completed' = 'counting';
        if (c.complete) {
          variances = compare(c.allCounted, await bookedQuantities(em, c.locations));
          status = variances.length ? 'awaiting-approval' : 'completed';
          if (status === 'completed') await releaseBins(em, c.processId);
        }
        await countRow(em, c.processId, status, { counted: c.allCounted, variances, round: c.round }, at);
        await recordStep(em, {
          processId: c.processId, step: 'bins-counted', actor: c.actor, key: `${c.processId}:r${c.round}:count:${c.submission}`,
          detail: { bins: c.countedBins, lines: c.lines.length }, at,
        });
        if (c.complete) {
          await recordStep(em, {
            processId: c.processId, step: variances.length ? 'variances-found' : 'count-agrees', actor: c.actor,
            key: `${c.processId}:r${c.round}:evaluate`, detail: { variances: variances.length }, at,
          });
        }
        return { status, variances };
      }));
    },

    /**
     * Posts the approved variances as count adjustments (`@count-adjustment` ↔ bin) and releases
     * the bins. Refuses when the ledger moved since the count was evaluated: finance approved
     * differences against those booked quantities, so the count has to be repeated.
     */
    async postCountAdjustments(c: { processId: string; round: number; variances: Variance[]; actor: string; note: string | null }):
      Promise<{ journalId: string | null }> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const at = deps.now();
        const now = await bookedQuantities(em, [...new Set(c.variances.map((v) => v.location))]);
        for (const v of c.variances) {
          const current = now.find((b) => b.location === v.location && b.partNo === v.partNo)?.booked ?? 0;
          if (current !== v.booked) {
            throw conflict('booked-changed', `part ${v.partNo} in ${v.location} moved since it was counted (${v.booked} → ${current}); ask for a recount`,
              { location: v.location, partNo: v.partNo, booked: v.booked, current });
          }
        }
        const moves = c.variances.filter((v) => v.difference !== 0).map((v) => ({
          partNo: v.partNo, quantity: Math.abs(v.difference),
          from: v.difference > 0 ? '@count-adjustment' : v.location, to: v.difference > 0 ? v.location : '@count-adjustment',
        }));
        const journal = moves.length ? await deps.ledger.moveStock(em, {
          key: `${c.processId}:r${c.round}:adjust`, processId: c.processId, step: 'count-adjustment', actor: c.actor, at,
          reason: 'count-adjustment', documentRef: c.processId, moves,
        }) : null;
        await releaseBins(em, c.processId);
        await countRow(em, c.processId, 'completed', { adjustmentJournalId: journal?.id ?? null, approvedBy: c.actor }, at);
        await recordStep(em, {
          processId: c.processId, step: 'variances-approved', actor: c.actor, key: `${c.processId}:r${c.round}:approve`,
          detail: { journalId: journal?.id ?? null, note: c.note, moves: moves.length }, at,
        });
        return { journalId: journal?.id ?? null };
      }));
    },

    /** finance asks for some bins to be counted again: a new round for them, the bins stay frozen */
    async requestRecount(c: { processId: string; round: number; bins: string[]; keptCounted: CountedLine[]; actor: string; note: string | null }): Promise<void> {
      return businessStep(() => inTransaction(deps.orm, async (em) => {
        const at = deps.now();
        await countRow(em, c.processId, 'counting', { round: c.round, counted: c.keptCounted, variances: [], recount: c.bins }, at);
        await recordStep(em, {
          processId: c.processId, step: 'recount-requested', actor: c.actor, key: `${c.processId}:r${c.round}:recount`,
          detail: { bins: c.bins, note: c.note }, at,
        });
      }));
    },
  };
}

/** a part booked in a counted bin but not on any counted line was counted as zero */
function compare(counted: CountedLine[], booked: Awaited<ReturnType<typeof bookedQuantities>>): Variance[] {
  const keys = new Map<string, { location: string; partNo: string }>();
  for (const x of [...counted, ...booked]) keys.set(`${x.location}\u0000${x.partNo}`, { location: x.location, partNo: x.partNo });
  const variances: Variance[] = [];
  for (const { location, partNo } of [...keys.values()].sort((a, b) => (a.location + a.partNo < b.location + b.partNo ? -1 : 1))) {
    const c = counted.filter((l) => l.location === location && l.partNo === partNo).reduce((s, l) => s + l.quantity, 0);
    const b = booked.find((x) => x.location === location && x.partNo === partNo);
    const bookedQty = b?.booked ?? 0;
    const cardQty = b?.binCard ?? 0;
    if (c !== bookedQty || cardQty !== bookedQty) {
      variances.push({ location, partNo, counted: c, booked: bookedQty, binCard: cardQty, difference: c - bookedQty });
    }
  }
  return variances;
}
