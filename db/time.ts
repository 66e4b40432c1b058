// Local dates in a time zone, and the instants they begin at. Due dates are local dates of the
// dealer; they are turned into instants once, here.

const formats = new Map<string, Intl.DateTimeFormat>();
function format(tz: string) {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formats.set(tz, f);
  }
  return f;
}

/** the local calendar date (YYYY-MM-DD) of an instant in a time zone */
export function localDate(at: Date, tz: string): string {
  const p = Object.fromEntries(format(tz).formatToParts(at).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

/** offset of the zone from UTC at an instant, in milliseconds */
function offsetAt(at: Date, tz: string): number {
  const p = Object.fromEntries(format(tz).formatToParts(at).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** the instant a local date begins in a time zone (00:00 local) */
export function startOfLocalDay(date: string, tz: string): Date {
  const naive = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(naive)) throw new RangeError(`not a date: ${date}`);
  let guess = naive - offsetAt(new Date(naive), tz);
  // a second pass settles days whose offset changes around midnight
  guess = naive - offsetAt(new Date(guess), tz);
  return new Date(guess);
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** whole local days from date a to date b */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}
