import type { EntityManager } from '@mikro-orm/postgresql';

// The simulation time scale: how many real seconds a policy day lasts when a process starts.
// 86,400 in production; a replay or a demo sets less so that real Temporal timers (receipt
// reminders, the arrears ladder) fire within the run. Processes read it once, when they start.

export const DAY_SECONDS = 'day-seconds';
export const REAL_DAY_SECONDS = 86_400;

export async function getDaySeconds(em: EntityManager): Promise<number> {
  const [row] = await em.execute('select value from setting where key = ?', [DAY_SECONDS]);
  const v = Number((row?.value as { daySeconds?: number } | undefined)?.daySeconds ?? REAL_DAY_SECONDS);
  return Number.isFinite(v) && v > 0 ? v : REAL_DAY_SECONDS;
}

export async function setDaySeconds(em: EntityManager, daySeconds: number, actor: string): Promise<void> {
  await em.execute(
    `insert into setting (key, value, updated_at, updated_by) values (?, ?, ?, ?)
     on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    [DAY_SECONDS, JSON.stringify({ daySeconds }), new Date(), actor]);
}
