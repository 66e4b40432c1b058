import { createHash } from 'node:crypto';

import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';

import { coreReturnView } from '../../db/core-returns.ts';
import { PART_CATEGORIES } from '../../db/entities/master.ts';
import { notFound, refused } from '../../db/errors.ts';
import { getDealer, getSupplier } from '../../db/master.ts';
import { formatMinor, parseDecimal, toSafeNumber } from '../../db/money.ts';
import { getProcess } from '../../db/processes.ts';
import { inTransaction } from '../../db/tx.ts';
import { DISPOSITIONS, getWarrantyStandard, upsertWarrantyStandard } from '../../db/warranty.ts';
import {
  appraisalUpdate, coreReturnQuery, coreReturnWorkflow, finalAppraisalUpdate, objectionUpdate, receiptUpdate, supplierCreditUpdate,
  supplierReturnUpdate, type CoreReturnInput,
} from '../../workflows/core-return.ts';
import { parseProcessId, processId } from '../../workflows/ids.ts';
import { assertDealerScope, type Actor } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../errors.ts';
import { currency, decimalAmount, defineRoute, isoDate, key, text } from '../route.ts';

// Warranty core returns (DESIGN.md P2, issue 5) and the warranty standards they are judged by.
// The workflow decides every step; these routes validate, check scope and read the process row.

const READERS = ['dealer', 'back-office', 'warehouse', 'appraiser', 'finance', 'auditor'] as const;
const SUPPLIER_STEPS = ['back-office', 'finance'] as const;

const money = z.strictObject({ amount: decimalAmount, currency });
const code = key(40);
const lineNo = z.number().int('must be a whole number').min(1).max(10_000);
const idParams = z.strictObject({ id: z.string().min(1).max(200) });

const coreLine = z.strictObject({ lineNo, partNo: key(), vehicleModel: key(), failureCode: code, fittedOn: isoDate, claimed: money });
// TODO: the workflow hands the whole batch to every activity, so its history grows with cores
// times steps; past about 100 cores it should save per-core changes or continue as new.
const fileBody = z.strictObject({ dealerId: key(), batchNo: key(), cores: z.array(coreLine).min(1).max(100) });
const appraisalBody = z.strictObject({
  lineNo, decision: z.enum(['approve', 'reject']), reasonCode: code, approvedAmount: money.optional(), disposition: z.enum(DISPOSITIONS).optional(),
});

/** the hash of what a batch announces, to tell a retry (200) from a different batch under the same number (409) */
function contentHash(b: z.infer<typeof fileBody>) {
  const cores = [...b.cores].sort((x, y) => x.lineNo - y.lineNo).map((c) => [c.lineNo, c.partNo, c.vehicleModel, c.failureCode, c.fittedOn,
    parseDecimal(c.claimed.amount).toString(), c.claimed.currency]);
  return createHash('sha256').update(JSON.stringify([b.dealerId, b.batchNo, cores])).digest('hex');
}

export function coreReturnRoutes(ctx: ApiContext) {
  const em = () => ctx.orm.em.fork();

  /** checks what the schema cannot: the dealer, parts and vehicle models exist, one currency */
  async function checkBatch(b: z.infer<typeof fileBody>) {
    const lineNos = b.cores.map((c) => c.lineNo);
    if (new Set(lineNos).size !== lineNos.length) throw new HttpError(400, 'invalid-request', 'cores: each lineNo must appear once', { field: 'cores' });
    const dealer = await getDealer(em(), b.dealerId);
    if (!dealer) throw refused('unknown-dealer', `dealer ${b.dealerId} does not exist`, { field: 'dealerId' });
    const foreign = b.cores.find((c) => c.claimed.currency !== dealer.currency);
    if (foreign) throw refused('currency-mismatch', `line ${foreign.lineNo}: dealer ${b.dealerId} is credited in ${dealer.currency}, not ${foreign.claimed.currency}`, { field: 'claimed.currency' });
    const today = new Date().toISOString().slice(0, 10);
    const future = b.cores.find((c) => c.fittedOn > today);
    if (future) throw refused('fitted-in-future', `line ${future.lineNo}: fittedOn ${future.fittedOn} is after today`, { field: 'fittedOn' });
    const zero = b.cores.find((c) => parseDecimal(c.claimed.amount) <= 0n);
    if (zero) throw new HttpError(400, 'invalid-request', `cores[${b.cores.indexOf(zero)}].claimed.amount: must be greater than zero`);
    await mustExist('part', 'part_no', b.cores.map((c) => c.partNo));
    await mustExist('vehicle_model', 'code', b.cores.map((c) => c.vehicleModel));
    return dealer;
  }

  async function mustExist(table: 'part' | 'vehicle_model', column: string, values: string[]) {
    const unique = [...new Set(values)];
    const rows = await em().execute(`select ${column} as v from ${table} where ${column} in (${unique.map(() => '?').join(', ')})`, unique);
    const unknown = unique.filter((u) => !rows.some((r) => r.v === u));
    if (unknown.length) {
      const what = table === 'part' ? 'part' : 'vehicle model';
      throw refused(`unknown-${what.replace(' ', '-')}`, `unknown ${what}(s): ${unknown.join(', ')}`, { unknown });
    }
  }

  const closedBatch = (id: string) => new HttpError(409, 'batch-closed', `core return ${id} is closed; nothing more can change`);

  /**
   * Runs a human step on a batch the actor may see (a dealer key sees its own batches only) and
   * answers with the batch as saved. A batch that closed meanwhile answers 409, not 404.
   */
  async function step(id: string, actor: Actor, run: (h: ReturnType<typeof ctx.temporal.workflow.getHandle>) => Promise<unknown>) {
    const parsed = parseProcessId(id);
    if (!parsed || parsed.type !== 'core-return') throw notFound('core return', id);
    assertDealerScope(actor, parsed.parts[0], 'core return');
    if ((await getProcess(em(), id))?.status === 'closed') throw closedBatch(id);
    try {
      await run(ctx.temporal.workflow.getHandle(id));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError && (await getProcess(em(), id))) throw closedBatch(id);
      throw err;
    }
    return { body: await view(id) };
  }

  async function view(id: string) {
    const p = await getProcess(em(), id);
    if (p) return coreReturnView(p);
    // filed a moment ago: the first activity has not saved the row yet, so ask the workflow
    const batch = await ctx.temporal.workflow.getHandle(id).query(coreReturnQuery).catch((err: unknown) => {
      if (err instanceof WorkflowNotFoundError) throw notFound('core return', id);
      throw err;
    });
    const at = batch.filedAt;
    return coreReturnView({
      id, type: 'core-return', businessKey: `${batch.dealerId}/${batch.batchNo}`, status: batch.status, dealerId: batch.dealerId,
      amountMinor: '0', currency: batch.currency, dueAt: null, escalationLevel: 0, summary: { batch }, createdAt: at, updatedAt: at, timeline: [],
    });
  }

  const minor = (m: { amount: string }, field: string) => toSafeNumber(parseDecimal(m.amount, field));

  return [
    defineRoute({
      method: 'post', path: '/core-returns', summary: 'File a warranty core return batch', roles: ['dealer', 'back-office'],
      body: fileBody,
      example: {
        dealerId: 'D-100', batchNo: 'CR-2026-0042',
        cores: [{ lineNo: 1, partNo: 'P-ALT-12', vehicleModel: 'SEDAN-19', failureCode: 'no-charge', fittedOn: '2026-05-02', claimed: { amount: '812.50', currency: 'CNY' } }],
      },
      handler: async ({ body, actor }) => {
        assertDealerScope(actor, body.dealerId, 'dealer');
        const dealer = await checkBatch(body);
        const id = processId('core-return', body.dealerId, body.batchNo);
        const hash = contentHash(body);
        const input: CoreReturnInput = {
          dealerId: body.dealerId, batchNo: body.batchNo, currency: dealer.currency, actor: actor.id,
          cores: body.cores.map((c) => ({ lineNo: c.lineNo, partNo: c.partNo, vehicleModel: c.vehicleModel, failureCode: c.failureCode, fittedOn: c.fittedOn, claimedMinor: minor(c.claimed, 'claimed.amount') })),
        };
        try {
          await ctx.temporal.workflow.start(coreReturnWorkflow, {
            taskQueue: ctx.config.taskQueue, workflowId: id, args: [input], memo: { contentHash: hash }, workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
          return { status: 201, body: { id, dealerId: body.dealerId, batchNo: body.batchNo, status: 'filed' } };
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          const existing = await ctx.temporal.workflow.getHandle(id).describe();
          if (existing.memo?.contentHash !== hash) {
            throw new HttpError(409, 'batch-number-reused', `batch ${body.batchNo} of dealer ${body.dealerId} was filed already with other content`, { batchNo: body.batchNo });
          }
          return { status: 200, body: { id, dealerId: body.dealerId, batchNo: body.batchNo, status: 'filed' } };
        }
      },
    }),

    defineRoute({
      method: 'post', path: '/core-returns/:id/receipt', summary: 'Record the receipt of a core return', roles: ['warehouse', 'appraiser'],
      params: idParams,
      body: z.strictObject({
        lines: z.array(z.strictObject({ lineNo, received: z.boolean(), condition: code.optional() })).min(1).max(500),
        extra: z.array(z.strictObject({ partNo: key(), condition: code.optional(), note: text(200).optional() })).max(500).default([]),
      }),
      example: { lines: [{ lineNo: 1, received: true, condition: 'ok' }], extra: [{ partNo: 'P-ALT-12', condition: 'ok', note: 'not on the list' }] },
      handler: async ({ params, body, actor }) => {
        if (body.extra.length) await mustExist('part', 'part_no', body.extra.map((e) => e.partNo));
        return step(params.id, actor, (h) => h.executeUpdate(receiptUpdate, { args: [{ lines: body.lines, extras: body.extra, actor: actor.id }] }));
      },
    }),

    defineRoute({
      method: 'post', path: '/core-returns/:id/appraisals', summary: 'Appraise a core', roles: ['appraiser'],
      params: idParams, body: appraisalBody,
      example: { lineNo: 1, decision: 'approve', reasonCode: 'manufacturing-defect', approvedAmount: { amount: '700.00', currency: 'CNY' } },
      handler: async ({ params, body, actor }) => {
        return step(params.id, actor, (h) => h.executeUpdate(appraisalUpdate, { args: [{ ...appraisal(body), actor: actor.id }] }));
      },
    }),

    defineRoute({
      method: 'post', path: '/core-returns/:id/objections', summary: 'Object to the rejection of a core', roles: ['dealer', 'back-office'],
      params: idParams, body: z.strictObject({ lineNo, reason: text(500).min(1) }),
      example: { lineNo: 1, reason: 'the failure is a known defect of this batch of parts' },
      handler: async ({ params, body, actor }) => {
        return step(params.id, actor, (h) => h.executeUpdate(objectionUpdate, { args: [{ ...body, actor: actor.id }] }));
      },
    }),

    defineRoute({
      method: 'post', path: '/core-returns/:id/final-appraisals', summary: 'Make the final appraisal of an objected core', roles: ['appraiser'],
      params: idParams, body: appraisalBody,
      example: { lineNo: 1, decision: 'reject', reasonCode: 'misuse' },
      handler: async ({ params, body, actor }) => {
        return step(params.id, actor, (h) => h.executeUpdate(finalAppraisalUpdate, { args: [{ ...appraisal(body), actor: actor.id }] }));
      },
    }),

    defineRoute({
      method: 'post', path: '/core-returns/:id/supplier-returns', summary: 'Return approved cores to their supplier', roles: SUPPLIER_STEPS,
      params: idParams, body: z.strictObject({ supplierId: key(), lineNos: z.array(lineNo).min(1).max(500), rmaNo: key() }),
      example: { supplierId: 'S-7', lineNos: [1], rmaNo: 'RMA-88120' },
      handler: async ({ params, body, actor }) => {
        if (!(await getSupplier(em(), body.supplierId))) throw refused('unknown-supplier', `supplier ${body.supplierId} does not exist`, { field: 'supplierId' });
        return step(params.id, actor, (h) => h.executeUpdate(supplierReturnUpdate, { args: [{ ...body, actor: actor.id }] }));
      },
    }),

    defineRoute({
      method: 'post', path: '/core-returns/:id/supplier-credits', summary: 'Record a supplier credit for returned cores', roles: SUPPLIER_STEPS,
      params: idParams, body: z.strictObject({ rmaNo: key(), amount: money }),
      example: { rmaNo: 'RMA-88120', amount: { amount: '700.00', currency: 'CNY' } },
      handler: async ({ params, body, actor }) => {
        const amountMinor = minor(body.amount, 'amount.amount');
        return step(params.id, actor, (h) => h.executeUpdate(supplierCreditUpdate, {
          args: [{ rmaNo: body.rmaNo, amountMinor, currency: body.amount.currency, actor: actor.id }],
        }));
      },
    }),

    defineRoute({
      method: 'get', path: '/core-returns/:id', summary: 'Read a core return with its statement and timeline', roles: READERS,
      params: idParams,
      handler: async ({ params, actor }) => {
        const parsed = parseProcessId(params.id);
        if (!parsed || parsed.type !== 'core-return') throw notFound('core return', params.id);
        assertDealerScope(actor, parsed.parts[0], 'core return');
        return { body: await view(params.id) };
      },
    }),

    defineRoute({
      method: 'put', path: '/warranty-standards/:category', summary: 'Set the warranty standard of a part category', roles: ['back-office'],
      params: z.strictObject({ category: z.enum(PART_CATEGORIES) }),
      body: z.strictObject({
        warrantyDays: z.number().int().min(0).max(3650), coveredFailures: z.array(code).max(200), excludedCauses: z.array(code).max(200),
        standardPrice: money, disposition: z.enum(DISPOSITIONS).default('return-to-supplier'),
      }),
      example: { warrantyDays: 365, coveredFailures: ['no-charge', 'noise'], excludedCauses: ['misuse', 'accident', 'wear'], standardPrice: { amount: '750.00', currency: 'CNY' }, disposition: 'return-to-supplier' },
      handler: async ({ params, body, actor }) => {
        const saved = await inTransaction(ctx.orm, (e) => upsertWarrantyStandard(e, {
          category: params.category, warrantyDays: body.warrantyDays, coveredFailures: body.coveredFailures, excludedCauses: body.excludedCauses,
          standardPriceMinor: parseDecimal(body.standardPrice.amount, 'standardPrice.amount'), currency: body.standardPrice.currency, disposition: body.disposition,
        }, actor.id));
        return { body: standardBody(saved) };
      },
    }),
    defineRoute({
      method: 'get', path: '/warranty-standards/:category', summary: 'Read the warranty standard of a part category',
      roles: ['back-office', 'appraiser', 'warehouse', 'finance', 'auditor', 'dealer'],
      params: z.strictObject({ category: z.enum(PART_CATEGORIES) }),
      handler: async ({ params }) => {
        const s = await getWarrantyStandard(em(), params.category);
        if (!s) throw notFound('warranty standard', params.category);
        return { body: standardBody(s) };
      },
    }),
  ];

  function appraisal(b: z.infer<typeof appraisalBody>) {
    return {
      lineNo: b.lineNo, decision: b.decision, reasonCode: b.reasonCode, disposition: b.disposition,
      ...(b.approvedAmount ? { approvedMinor: minor(b.approvedAmount, 'approvedAmount.amount'), currency: b.approvedAmount.currency } : {}),
    };
  }
}

function standardBody(s: NonNullable<Awaited<ReturnType<typeof getWarrantyStandard>>>) {
  const { standardPriceMinor, currency: cur, ...rest } = s;
  return { ...rest, standardPrice: { amount: formatMinor(standardPriceMinor), currency: cur } };
}
