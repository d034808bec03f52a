/**
 * Figures of the admin overview (概览): user and staff counts, today's messages, the job queue's dead
 * letters, registrations per day (Asia/Shanghai days) for the chart, and the lending figures (today's bids,
 * listings, disbursements and repayments, receivables, overdue) with bid volume and repayments per day. Set-based SQL, one round trip
 * per figure group. Counts are `bigint`, as Postgres counts (int8; shown with `formatCount`).
 */
import type { Db } from "../../db/tx.ts";
import type { Fen } from "../money/fen.ts";

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

/** Lending figures of the overview (Asia/Shanghai days). Amounts `Fen`, counts `bigint`. */
export interface LendingToday {
  /** 今日投标: bids placed today, whatever became of them. */
  bidsToday: bigint;
  bidAmountTodayFen: Fen;
  /** 今日上线标的: loans that opened for bids today. */
  loansPublishedToday: bigint;
  /** 今日放款 (成交): loans disbursed today and their amount. */
  disbursedToday: bigint;
  disbursedAmountTodayFen: Fen;
  /** 今日还款: payments received from borrowers today. */
  repaidTodayFen: Fen;
  /** 投标中: loans open for bids now. */
  openLoans: bigint;
  /** 待收本金 / 待收利息: what investors are still owed on their claims. */
  receivablePrincipalFen: Fen;
  receivableInterestFen: Fen;
  /** 逾期借款: loans with a balance that are overdue (by status or an installment due before today unpaid). */
  overdueLoans: bigint;
  /** 逾期未还本息: the unpaid principal and interest of installments due before today. */
  overdueDueFen: Fen;
}

/** The lending figures of the overview, in one query. */
export async function lendingToday(sql: Db): Promise<LendingToday> {
  const [row] = await sql<LendingToday[]>`
    with bounds as (
      select (now() at time zone 'Asia/Shanghai')::date as today,
             (date_trunc('day', now() at time zone 'Asia/Shanghai') at time zone 'Asia/Shanghai') as start
    ), overdue_inst as (
      select i.loan_id,
             (i.principal_fen - i.paid_principal_fen) + (i.interest_fen - i.paid_interest_fen) as due
      from loan_installments i
      join loans l on l.id = i.loan_id and l.status in ('repaying', 'overdue', 'accelerated')
      cross join bounds b
      where i.status in ('pending', 'overdue') and i.due_date < b.today
    )
    select
      (select count(*) from bids, bounds where bids.created_at >= bounds.start) as "bidsToday",
      (select coalesce(sum(amount_fen), 0)::bigint from bids, bounds where bids.created_at >= bounds.start)
        as "bidAmountTodayFen",
      (select count(*) from loans, bounds where loans.publish_at >= bounds.start and loans.publish_at <= now()
        and loans.status <> 'scheduled') as "loansPublishedToday",
      (select count(*) from loans, bounds where loans.disbursed_at >= bounds.start) as "disbursedToday",
      (select coalesce(sum(amount_fen), 0)::bigint from loans, bounds where loans.disbursed_at >= bounds.start)
        as "disbursedAmountTodayFen",
      (select coalesce(sum(amount_fen), 0)::bigint from loan_repayments r, bounds where r.created_at >= bounds.start)
        as "repaidTodayFen",
      (select count(*) from loans where status = 'open') as "openLoans",
      (select coalesce(sum(principal_fen - received_principal_fen), 0)::bigint from claim_installments
        where status = 'pending') as "receivablePrincipalFen",
      (select coalesce(sum(interest_fen - received_interest_fen), 0)::bigint from claim_installments
        where status = 'pending') as "receivableInterestFen",
      (select count(*) from loans l where l.status in ('overdue', 'accelerated')
        or (l.status = 'repaying' and exists (select from overdue_inst o where o.loan_id = l.id and o.due > 0)))
        as "overdueLoans",
      (select coalesce(sum(due), 0)::bigint from overdue_inst) as "overdueDueFen"`;
  return row;
}

/** One day of the lending chart. */
export interface LendingDay {
  /** `YYYY-MM-DD`, Asia/Shanghai. */
  day: string;
  /** Bids placed that day. */
  bidFen: Fen;
  /** Repayments received from borrowers that day. */
  repaidFen: Fen;
}

/**
 * Bid volume and repayments per Asia/Shanghai day for the last `days` days (today included, oldest first,
 * empty days as 0). `days` is clamped to 1–{@link MAX_CHART_DAYS}.
 */
export async function lendingPerDay(sql: Db, days = 30): Promise<LendingDay[]> {
  const n = Math.min(MAX_CHART_DAYS, Math.max(1, Math.trunc(days)));
  return await sql<LendingDay[]>`
    with bounds as (
      select (now() at time zone 'Asia/Shanghai')::date as today
    ), since as (
      select ((bounds.today - ${n - 1}::integer)::timestamp at time zone 'Asia/Shanghai') as start from bounds
    ), series as (
      select generate_series(bounds.today - ${n - 1}::integer, bounds.today, interval '1 day')::date as day
      from bounds
    ), bid_days as (
      select (b.created_at at time zone 'Asia/Shanghai')::date as day, sum(b.amount_fen) as fen
      from bids b, since where b.created_at >= since.start group by 1
    ), repaid_days as (
      select (r.created_at at time zone 'Asia/Shanghai')::date as day, sum(r.amount_fen) as fen
      from loan_repayments r, since where r.created_at >= since.start group by 1
    )
    select to_char(series.day, 'YYYY-MM-DD') as day,
           coalesce(bid_days.fen, 0)::bigint as "bidFen",
           coalesce(repaid_days.fen, 0)::bigint as "repaidFen"
    from series
    left join bid_days using (day)
    left join repaid_days using (day)
    order by series.day`;
}
