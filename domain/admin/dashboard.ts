/**
 * Figures of the admin overview (概览): user and staff counts, today's messages, the job queue's dead
 * letters, and registrations per day (Asia/Shanghai days) for the chart. Set-based SQL, one round trip
 * per figure group. Counts are `bigint`, as Postgres counts (int8; shown with `formatCount`).
 */
import type { Db } from "../../db/tx.ts";

/** Counts shown on the overview. */
export interface DashboardCounts {
  usersTotal: bigint;
  investors: bigint;
  borrowers: bigint;
  /** Registered since 00:00 today, Asia/Shanghai. */
  registeredToday: bigint;
  activeStaff: bigint;
  /** 站内消息 written today (Asia/Shanghai). */
  messagesToday: bigint;
  /** SMS and e-mails handed to the gateways today. */
  messagesSentToday: bigint;
  deadLetters: bigint;
}

/** All counts of the overview in one query. */
export async function dashboardCounts(sql: Db): Promise<DashboardCounts> {
  const [row] = await sql<DashboardCounts[]>`
    with today as (
      select (date_trunc('day', now() at time zone 'Asia/Shanghai') at time zone 'Asia/Shanghai') as start
    )
    select
      (select count(*) from users) as "usersTotal",
      (select count(*) from users where kind = 'investor') as "investors",
      (select count(*) from users where kind = 'borrower') as "borrowers",
      (select count(*) from users, today where users.created_at >= today.start) as "registeredToday",
      (select count(*) from staff where status = 'active') as "activeStaff",
      (select count(*) from messages, today where messages.created_at >= today.start) as "messagesToday",
      (select count(*) from outbox_events, today
        where outbox_events.topic in ('sms.send', 'email.send') and outbox_events.status = 'done'
          and outbox_events.finished_at >= today.start) as "messagesSentToday",
      (select count(*) from dead_letters) as "deadLetters"`;
  return row;
}

/** Longest range the registrations chart may ask for. */
export const MAX_CHART_DAYS = 90;

/** One bar of the registrations chart. */
export interface DailyCount {
  /** `YYYY-MM-DD`, Asia/Shanghai. */
  day: string;
  count: bigint;
}

/**
 * Registrations per Asia/Shanghai day for the last `days` days (today included, oldest first, days
 * without registrations as 0). `days` is clamped to 1–{@link MAX_CHART_DAYS}.
 */
export async function registrationsPerDay(sql: Db, days = 14): Promise<DailyCount[]> {
  const n = Math.min(MAX_CHART_DAYS, Math.max(1, Math.trunc(days)));
  return await sql<DailyCount[]>`
    with bounds as (
      select (now() at time zone 'Asia/Shanghai')::date as today
    ), series as (
      select generate_series(bounds.today - ${n - 1}::integer, bounds.today, interval '1 day')::date as day
      from bounds
    ), counts as (
      select (u.created_at at time zone 'Asia/Shanghai')::date as day, count(*) as n
      from users u, bounds
      where u.created_at >= ((bounds.today - ${n - 1}::integer)::timestamp at time zone 'Asia/Shanghai')
      group by 1
    )
    select to_char(series.day, 'YYYY-MM-DD') as day, coalesce(counts.n, 0) as count
    from series left join counts using (day)
    order by series.day`;
}

/** Count of messages KV could not deliver and that wait for the sweep (at most `limit`, default 1000). */
export async function undeliveredCount(kv: Deno.Kv, limit = 1000): Promise<bigint> {
  let n = 0n;
  for await (const _ of kv.list({ prefix: ["undelivered"] }, { limit })) n++;
  return n;
}
