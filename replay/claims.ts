import { formatMinor, parseDecimal, unitShare } from '../db/money.ts';
import type { ApiClient } from './client.ts';
import type { CsvRecord } from './csv.ts';
import type { Reject } from './dataco.ts';
import { pool } from './orders.ts';
import type { Progress } from './progress.ts';

// How the warranty claims become core returns. The rules, in one place:
// - each service centre is a dealer `WC-SC<n>` (Asia/Kolkata, INR); its claims are filed in
//   batches in file order, `SC<n>-B<k>`, of at most 100 cores (what the API takes in one batch;
//   a claim's cores stay in one batch);
// - each component issue code 1 (repair) or 2 (replacement) returns one core of the part
//   `WC-<component>` (e.g. WC-AC-1001, category black) for the vehicle model of the product type
//   (`WC-AC`, `WC-TV`), with failure code `repair` or `replacement`; a claim with no such code
//   returns nothing and is rejected as a row;
// - the claim value (rupees) is split over its cores so the shares add up to it exactly;
// - the core was fitted `Product_Age` days before the batch is filed;
// - the warranty standard of black parts: 365 days, failures covered by appraisal only (no
//   failure code is approved by rule), misuse/accident/wear excluded, standard price 50,000.00:
//   so the rule rejects every core outside the period, and an appraiser decides the rest;
// - the replay's appraiser rejects cores of claims marked `Fraud` = 1 (reason `fraud`) and
//   approves the others at the amount claimed (capped by the standard price);
// - every core announced is received; approved cores go back to the supplier of their product
//   type (`WC-S-AC`, `WC-S-TV`) under one RMA per batch, and the supplier credits them in full.

export interface Core { lineNo: number; row: number; partNo: string; model: string; failureCode: string; ageDays: number; claimedMinor: bigint; fraud: boolean; supplierId: string }
export interface Batch { dealerId: string; batchNo: string; cores: Core[] }
export interface ClaimsPlan { batches: Batch[]; rejects: Reject[]; rowsRead: number; claimsTaken: number; parts: Set<string> }

export const CLAIMS_STANDARD = { warrantyDays: 365, standardPriceMinor: 5_000_000n, currency: 'INR' };
/** the most cores POST /core-returns takes in one batch */
export const MAX_CORES_PER_BATCH = 100;
const COMPONENTS = ['AC_1001', 'AC_1002', 'AC_1003', 'TV_2001', 'TV_2002', 'TV_2003'];

export function planClaims(records: CsvRecord[], file: string, limit?: number): ClaimsPlan {
  const rejects: Reject[] = [];
  const byCentre = new Map<string, Core[][]>();
  const plan: ClaimsPlan = { batches: [], rejects, rowsRead: 0, claimsTaken: 0, parts: new Set() };
  for (const rec of limit ? records.slice(0, limit) : records) {
    plan.rowsRead++;
    const v = rec.values;
    const centre = (v.Service_Centre ?? '').trim();
    const type = (v.Product_type ?? '').trim();
    const age = Number((v.Product_Age ?? '').trim());
    let value: bigint;
    try { value = parseDecimal((v.Claim_Value ?? '').trim(), 'Claim_Value'); } catch { rejects.push({ file, row: rec.row, reason: `Claim_Value "${v.Claim_Value}" is not an amount` }); continue; }
    if (!/^\d{1,4}$/.test(centre)) { rejects.push({ file, row: rec.row, reason: `Service_Centre "${centre}" is not a centre number` }); continue; }
    if (type !== 'AC' && type !== 'TV') { rejects.push({ file, row: rec.row, reason: `Product_type "${type}" is not AC or TV` }); continue; }
    if (!Number.isInteger(age) || age < 0) { rejects.push({ file, row: rec.row, reason: `Product_Age "${v.Product_Age}" is not a whole number of days` }); continue; }
    if (value <= 0n) { rejects.push({ file, row: rec.row, reason: 'Claim_Value is not positive' }); continue; }
    const issues = COMPONENTS.map((c) => ({ c, code: (v[`${c}_Issue`] ?? '').trim() })).filter((i) => i.code === '1' || i.code === '2');
    if (issues.length === 0) { rejects.push({ file, row: rec.row, reason: 'no component has a repair or replacement code: no core comes back' }); continue; }
    const dealerId = `WC-SC${centre}`;
    const batches = byCentre.get(dealerId) ?? [[]];
    if (batches[batches.length - 1]!.length + issues.length > MAX_CORES_PER_BATCH) batches.push([]);
    byCentre.set(dealerId, batches);
    const current = batches[batches.length - 1]!;
    issues.forEach((i, k) => {
      const partNo = `WC-${i.c.replace('_', '-')}`;
      plan.parts.add(partNo);
      current.push({
        lineNo: 0, row: rec.row, partNo, model: `WC-${type}`, failureCode: i.code === '1' ? 'repair' : 'replacement', ageDays: age,
        claimedMinor: unitShare(value, issues.length, k, 1), fraud: (v.Fraud ?? '').trim() === '1', supplierId: `WC-S-${type}`,
      });
    });
    plan.claimsTaken++;
  }
  for (const [dealerId, batches] of byCentre) {
    batches.forEach((cores, k) => {
      cores.forEach((c, i) => { c.lineNo = i + 1; });
      if (cores.length) plan.batches.push({ dealerId, batchNo: `${dealerId.slice(3)}-B${k + 1}`, cores });
    });
  }
  return plan;
}

export interface ClaimOutcome { batch: Batch; id: string; status: string; approved: number; rejected: number; creditedMinor: bigint; recoveredMinor: bigint; error?: string }

export async function seedClaims(api: ApiClient, plan: ClaimsPlan) {
  for (const model of ['WC-AC', 'WC-TV']) await api.expect('PUT', `/vehicle-models/${model}`, { name: `appliance ${model.slice(3)}`, lifecycle: 'in-production' }, [200]);
  for (const s of ['WC-S-AC', 'WC-S-TV']) await api.expect('PUT', `/suppliers/${s}`, { name: `appliance supplier ${s.slice(5)}` }, [200]);
  for (const p of plan.parts) await api.expect('PUT', `/parts/${p}`, { name: `appliance component ${p.slice(3)}`, category: 'black', fits: [p.startsWith('WC-AC') ? 'WC-AC' : 'WC-TV'] }, [200]);
  for (const d of new Set(plan.batches.map((b) => b.dealerId))) {
    await api.expect('PUT', `/dealers/${d}`, { name: `service centre ${d.slice(5)}`, timeZone: 'Asia/Kolkata', currency: 'INR', termsDays: 30 }, [200]);
  }
  await api.expect('PUT', '/warranty-standards/black', {
    warrantyDays: CLAIMS_STANDARD.warrantyDays, coveredFailures: [], excludedCauses: ['misuse', 'accident', 'wear'],
    standardPrice: { amount: formatMinor(CLAIMS_STANDARD.standardPriceMinor), currency: CLAIMS_STANDARD.currency }, disposition: 'return-to-supplier',
  }, [200]);
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export async function driveClaims(api: ApiClient, plan: ClaimsPlan, progress: Progress, concurrency: number): Promise<ClaimOutcome[]> {
  if (plan.batches.length === 0) return [];
  await seedClaims(api, plan);
  const outcomes: ClaimOutcome[] = [];
  await pool(plan.batches.map((batch) => async () => {
    const outcome: ClaimOutcome = { batch, id: '', status: 'not-started', approved: 0, rejected: 0, creditedMinor: 0n, recoveredMinor: 0n };
    outcomes.push(outcome);
    try {
      const filed = await api.expect('POST', '/core-returns', {
        dealerId: batch.dealerId, batchNo: batch.batchNo,
        cores: batch.cores.map((c) => ({
          lineNo: c.lineNo, partNo: c.partNo, vehicleModel: c.model, failureCode: c.failureCode,
          fittedOn: isoDay(new Date(Date.now() - c.ageDays * 86_400_000)), claimed: { amount: formatMinor(c.claimedMinor), currency: CLAIMS_STANDARD.currency },
        })),
      }, [200, 201]);
      outcome.id = filed.body.id as string;
      progress.started++;
      const p = `/core-returns/${encodeURIComponent(outcome.id)}`;
      let view = (await api.expect('GET', p, undefined, [200])).body as CoreView;
      if (view.cores.some((c) => c.received === null)) {
        await api.expect('POST', `${p}/receipt`, { lines: batch.cores.map((c) => ({ lineNo: c.lineNo, received: true })), extra: [] }, [200]);
      }
      // the warranty standard decides the clear cases as the cores are received; then an appraiser
      view = await waitFor(api, p, (v) => v.cores.every((c) => c.stage !== 'announced'), 'the warranty standard deciding every received core');
      for (const c of batch.cores) {
        if (view.cores.find((x) => x.lineNo === c.lineNo)?.stage !== 'awaiting-appraisal') continue;
        await api.expect('POST', `${p}/appraisals`, c.fraud
          ? { lineNo: c.lineNo, decision: 'reject', reasonCode: 'fraud' }
          : { lineNo: c.lineNo, decision: 'approve', reasonCode: 'covered', approvedAmount: { amount: formatMinor(c.claimedMinor), currency: CLAIMS_STANDARD.currency } }, [200]);
      }
      view = await waitFor(api, p, (v) => v.cores.every((c) => c.stage !== 'awaiting-appraisal'), 'the appraisals taking effect');
      const toReturn = view.cores.filter((c) => c.stage === 'approved' && c.plannedDisposition === 'return-to-supplier' && !c.rmaNo);
      for (const supplierId of new Set(batch.cores.filter((c) => toReturn.some((r) => r.lineNo === c.lineNo)).map((c) => c.supplierId))) {
        const lineNos = batch.cores.filter((c) => c.supplierId === supplierId && toReturn.some((r) => r.lineNo === c.lineNo)).map((c) => c.lineNo);
        await api.expect('POST', `${p}/supplier-returns`, { supplierId, lineNos, rmaNo: `RMA-${batch.batchNo}-${supplierId.slice(5)}` }, [200, 201]);
      }
      view = (await api.expect('GET', p, undefined, [200])).body as CoreView;
      for (const r of view.supplierReturns.filter((x) => x.credited === null)) {
        await api.expect('POST', `${p}/supplier-credits`, { rmaNo: r.rmaNo, amount: r.expected }, [200, 201]);
      }
      view = (await api.expect('GET', p, undefined, [200])).body as CoreView;
      outcome.status = view.status;
      for (const c of view.cores) {
        if (c.stage === 'approved') outcome.approved++;
        else if (c.stage === 'rejected' || c.stage === 'finally-rejected') outcome.rejected++;
        if (c.credited) outcome.creditedMinor += parseDecimal(c.credited.amount);
        if (c.recovered) outcome.recoveredMinor += parseDecimal(c.recovered.amount);
      }
      progress.finished++;
    } catch (err) {
      outcome.error = (err as Error).message;
      outcome.status = 'error';
      progress.failed++;
      progress.note(`core return ${batch.batchNo}: ${outcome.error}`);
    }
  }), Math.min(concurrency, 8));
  return outcomes;
}

type Money = { amount: string; currency: string };
/** the fields of GET /core-returns/:id that the replay reads */
interface CoreView {
  status: string;
  cores: { lineNo: number; stage: string; received: boolean | null; plannedDisposition: string | null; rmaNo: string | null; credited: Money | null; recovered: Money | null }[];
  supplierReturns: { rmaNo: string; expected: Money; credited: Money | null }[];
}

/** polls the batch (backing off to a poll every 2 s) until it is ready; a batch that is not ready in 10 minutes is an error */
async function waitFor(api: ApiClient, p: string, ready: (v: CoreView) => boolean, what: string): Promise<CoreView> {
  const until = Date.now() + 600_000;
  for (let i = 0; ; i++) {
    const v = (await api.expect('GET', p, undefined, [200])).body as CoreView;
    if (v.cores && ready(v)) return v;
    if (Date.now() > until) throw new Error(`${p}: ${what} did not happen within 10 minutes`);
    await new Promise((r) => setTimeout(r, Math.min(2000, 100 * (i + 1))));
  }
}
