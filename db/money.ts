import { invalid } from './errors.ts';

// Money is integer minor units (fen, cents) as bigint inside the process, and a decimal string
// ("199.99") or a safe integer of minor units with its currency at every boundary.

export const MINOR_DIGITS = 2;
/** loyalty points live in the money ledger as a unit of their own, with no minor digits */
export const POINTS = 'PTS';
const MAX_MINOR = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Parses a decimal string into minor units. Digits past the second decimal are rounded half
 * away from zero, on the exact decimal text (no floating point): "199.9900055" → 19999n,
 * "0.005" → 1n, "-0.005" → -1n.
 */
export function parseDecimal(text: string, field = 'amount'): bigint {
  const m = /^(-)?(\d{1,15})(?:\.(\d{1,12}))?$/.exec(text.trim());
  if (!m) throw invalid(field, `must be a decimal number such as "12.50", got "${text.slice(0, 40)}"`);
  const [, sign, whole, frac = ''] = m;
  const kept = (frac + '00').slice(0, MINOR_DIGITS);
  let minor = BigInt(whole!) * 100n + BigInt(kept);
  if ((frac[MINOR_DIGITS] ?? '0') >= '5') minor += 1n;
  return sign ? -minor : minor;
}

export function formatMinor(minor: bigint | number | string, digits = MINOR_DIGITS): string {
  let v = BigInt(minor);
  if (digits === 0) return v.toString();
  const negative = v < 0n;
  if (negative) v = -v;
  const s = v.toString().padStart(digits + 1, '0');
  return `${negative ? '-' : ''}${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/** minor units as a plain number for payloads; refuses what a double cannot hold exactly */
export function toSafeNumber(minor: bigint): number {
  if (minor > MAX_MINOR || minor < -MAX_MINOR) throw invalid('amount', 'is too large');
  return Number(minor);
}

/**
 * The share of `total` that belongs to units [from, from + count) of `units`, such that the
 * shares of all units add up to the total exactly: the remainder falls to the last units.
 * 10.00 over 3 units, one at a time: 3.33, 3.33, 3.34.
 */
export function unitShare(total: bigint, units: number, from: number, count: number): bigint {
  if (!Number.isInteger(units) || units <= 0) throw new RangeError('units must be a positive integer');
  if (from < 0 || count < 0 || from + count > units) throw new RangeError('unit range outside the line');
  const n = BigInt(units);
  const cumulative = (k: number) => (total * BigInt(k)) / n;
  return cumulative(from + count) - cumulative(from);
}

export const isCurrency = (c: string) => /^[A-Z]{3}$/.test(c);
