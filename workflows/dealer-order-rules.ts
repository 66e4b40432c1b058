// The matching rules of a dealer order's human steps, pure so that the update validators of
// dealerOrderWorkflow and the activities (which check again inside their transaction) share them.

export interface PickLine { bin: string; partNo: string; quantity: number }
export interface ReceiptLine { partNo: string; received: number; damaged: number }

/** the first difference between a reported pick and its picking list, or null when they match */
export function pickMismatch(expected: PickLine[], reported: PickLine[]): { line: number | null; message: string } | null {
  const left = expected.map((e) => ({ ...e }));
  for (const [i, r] of reported.entries()) {
    const j = left.findIndex((e) => e.bin === r.bin && e.partNo === r.partNo);
    if (j < 0) return { line: i, message: `lines[${i}]: ${r.partNo} from ${r.bin} is not on the picking list` };
    if (left[j]!.quantity !== r.quantity) {
      return { line: i, message: `lines[${i}]: the picking list says ${left[j]!.quantity} of ${r.partNo} from ${r.bin}, not ${r.quantity}` };
    }
    left.splice(j, 1);
  }
  const missing = left[0];
  if (missing) return { line: null, message: `${missing.quantity} of ${missing.partNo} from ${missing.bin} is on the picking list but was not reported` };
  return null;
}

/** the first receipt line that does not fit the shipment, or null; parts left out count as not received */
export function receiptMismatch(shipped: { partNo: string; shipped: number }[], lines: ReceiptLine[]): { line: number; message: string } | null {
  const seen = new Set<string>();
  for (const [i, l] of lines.entries()) {
    const s = shipped.find((x) => x.partNo === l.partNo);
    if (!s) return { line: i, message: `lines[${i}]: ${l.partNo} was not on this shipment` };
    if (seen.has(l.partNo)) return { line: i, message: `lines[${i}]: ${l.partNo} is reported twice` };
    seen.add(l.partNo);
    if (l.received > s.shipped) return { line: i, message: `lines[${i}]: ${l.received} of ${l.partNo} received, but ${s.shipped} were shipped` };
    if (l.damaged > l.received) return { line: i, message: `lines[${i}]: ${l.damaged} damaged is more than the ${l.received} received` };
  }
  return null;
}
