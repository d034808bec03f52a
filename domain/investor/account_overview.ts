/**
 * The account centre's money views (资产总览, 交易记录), read from the ledger: the balances, this month's
 * movements per Asia/Shanghai day for the chart, the transaction records with their filters, and the CSV
 * export of the records. Reads only (no transaction).
 * @module
 */
import type { Queryable } from "../../db/tx.ts";
import {
  ACCOUNT_KIND_LABELS,
  BUSINESS_TYPE_LABELS,
  BUSINESS_TYPES,
  type BusinessType,
  listUserLines,
  USER_LINES_MAX_LIMIT,
  userBalances,
  type UserLineRow,
} from "../ledger/ledger.ts";
import type { Fen } from "../money/fen.ts";
import { receivablesTotals } from "../lending/investments.ts";
import { formatFen } from "../money/format.ts";
import { csvCell, csvDocument, fenToPlainYuan } from "../shared/csv.ts";
import { parseDayFilter } from "../shared/ids.ts";
import { formatShanghaiDate, formatShanghaiDateTime } from "../shared/shanghai_time.ts";

/** The asset overview. */
export interface AssetOverview {
  availableFen: Fen;
  frozenFen: Fen;
  /** 奖励金 (invite rewards). */
  rewardFen: Fen;
  /** 待收本息: pending principal + interest of the investor's claims. */
  pendingReceivablesFen: Fen;
  /** 累计已收: received principal + interest + penalty, after the interest management fee. */
  receivedFen: Fen;
  /** available + frozen + reward + pending receivables. */
  totalFen: Fen;
}

/** The user's asset overview. */
export async function assetOverview(db: Queryable, userId: string): Promise<AssetOverview> {
  const [b, receivables] = await Promise.all([userBalances(db, userId), receivablesTotals(db, userId)]);
  const pendingReceivablesFen = receivables.pendingFen;
  const receivedFen = receivables.receivedFen;
  return {
    ...b,
    pendingReceivablesFen,
    receivedFen,
    totalFen: b.availableFen + b.frozenFen + b.rewardFen + pendingReceivablesFen,
  };
}

/** Start of an Asia/Shanghai day `YYYY-MM-DD` (UTC+8 all year). */
export function shanghaiDayStart(day: string): Date {
  return new Date(`${day}T00:00:00+08:00`);
}

/** The day after `day` (`YYYY-MM-DD`). */
export function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Money in and out of the user's accounts on one day. */
export interface DayMovement {
  /** `YYYY-MM-DD` (Asia/Shanghai). */
  day: string;
  inFen: Fen;
  outFen: Fen;
}

/**
 * This month's movements (Asia/Shanghai), one row per day of the month (later days empty). An entry
 * counts by its net effect on all the user's accounts together: moving between the user's own accounts
 * (a freeze) is neither in nor out.
 */
export async function monthMovements(
  db: Queryable,
  userId: string,
  now: Date = new Date(),
): Promise<DayMovement[]> {
  const today = formatShanghaiDate(now);
  const first = `${today.slice(0, 8)}01`;
  const rows = await db<{ day: string; inFen: Fen; outFen: Fen }[]>`
    select to_char(e.at + interval '8 hours', 'YYYY-MM-DD') as day,
      coalesce(sum(case when e.net > 0 then e.net else 0 end), 0)::bigint as "inFen",
      coalesce(sum(case when e.net < 0 then -e.net else 0 end), 0)::bigint as "outFen"
    from (
      select min(l.created_at at time zone 'UTC') as at, sum(l.amount_fen) as net
      from journal_lines l join ledger_accounts a on a.id = l.account_id
      where a.owner_user_id = ${userId} and l.created_at >= ${shanghaiDayStart(first)}
        and l.created_at < ${shanghaiDayStart(nextDay(today))}
      group by l.entry_id
    ) e
    group by 1`;
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const out: DayMovement[] = [];
  // every day of the month (days to come are empty), so the chart's scale does not change with the date
  for (let day = first; day.slice(0, 7) === first.slice(0, 7); day = nextDay(day)) {
    const r = byDay.get(day);
    out.push({ day, inFen: r?.inFen ?? 0n, outFen: r?.outFen ?? 0n });
  }
  return out;
}

/** Rows per page of the records. */
export const RECORDS_PAGE_SIZE = 20;
/** Most rows one CSV export writes (narrow the dates for more). */
export const RECORDS_CSV_MAX_ROWS = 10_000;
/** Largest page number accepted. */
const MAX_PAGE = 100_000;

/** The records filter as the form holds it (query string). */
export interface RecordsForm {
  type: string;
  from: string;
  to: string;
}

/** A checked filter. */
export interface RecordsFilter {
  businessTypes: BusinessType[];
  from?: Date;
  to?: Date;
}

/** Outcome of {@link parseRecordsQuery}. */
export type RecordsQuery =
  | { ok: true; form: RecordsForm; filter: RecordsFilter; page: number }
  | { ok: false; form: RecordsForm; fields: Record<string, string[]>; page: number };

/**
 * Read the records filter from a query string: `type` (a business type or empty for all), `from` / `to`
 * (Asia/Shanghai days, inclusive; `from` ≤ `to`), `page` (1…). Bad values give Chinese messages per field.
 */
export function parseRecordsQuery(params: URLSearchParams): RecordsQuery {
  const form: RecordsForm = {
    type: (params.get("type") ?? "").slice(0, 40),
    from: (params.get("from") ?? "").trim().slice(0, 20),
    to: (params.get("to") ?? "").trim().slice(0, 20),
  };
  const pageRaw = params.get("page") ?? "1";
  const page = /^[1-9][0-9]{0,5}$/.test(pageRaw) ? Math.min(Number(pageRaw), MAX_PAGE) : 1;
  const fields: Record<string, string[]> = {};
  const filter: RecordsFilter = { businessTypes: [] };
  if (form.type) {
    if ((BUSINESS_TYPES as readonly string[]).includes(form.type)) {
      filter.businessTypes = [form.type as BusinessType];
    } else fields.type = ["请选择交易类型"];
  }
  if (form.from) {
    const r = parseDayFilter(form.from);
    if (r.ok) filter.from = shanghaiDayStart(r.day);
    else fields.from = [r.message];
  }
  if (form.to) {
    const r = parseDayFilter(form.to);
    if (r.ok) filter.to = shanghaiDayStart(nextDay(r.day));
    else fields.to = [r.message];
  }
  if (!fields.from && !fields.to && form.from && form.to && form.from > form.to) {
    fields.to = ["结束日期不能早于开始日期"];
  }
  if (Object.keys(fields).length > 0) return { ok: false, form, fields, page };
  return { ok: true, form, filter, page };
}

/** One page of records. */
export interface RecordsPage {
  rows: UserLineRow[];
  total: bigint;
  page: number;
  pageCount: number;
}

/** One page of the user's records under a filter. */
export async function recordsPage(
  db: Queryable,
  userId: string,
  filter: RecordsFilter,
  page: number,
): Promise<RecordsPage> {
  const first = await listUserLines(db, userId, { ...filter, limit: RECORDS_PAGE_SIZE, offset: 0 });
  const pageCount = Math.max(1, Math.ceil(Number(first.total) / RECORDS_PAGE_SIZE));
  const current = Math.min(page, pageCount);
  if (current === 1) return { rows: first.rows, total: first.total, page: 1, pageCount };
  const r = await listUserLines(db, userId, {
    ...filter,
    limit: RECORDS_PAGE_SIZE,
    offset: (current - 1) * RECORDS_PAGE_SIZE,
  });
  return { rows: r.rows, total: r.total, page: current, pageCount };
}

/**
 * The filtered records as CSV (UTF-8 with BOM for spreadsheet programs): time (Asia/Shanghai), type,
 * account, amount (yuan, signed), balance after, memo. At most {@link RECORDS_CSV_MAX_ROWS} rows, newest
 * first; `truncated` says when there were more.
 */
export async function recordsCsv(
  db: Queryable,
  userId: string,
  filter: RecordsFilter,
): Promise<{ csv: string; rows: number; truncated: boolean }> {
  const lines = [
    ["时间", "交易类型", "账户", "金额（元）", "变动后余额（元）", "备注"].map((v) => csvCell(v)).join(","),
  ];
  let offset = 0;
  let total = 0n;
  while (offset < RECORDS_CSV_MAX_ROWS) {
    const r = await listUserLines(db, userId, { ...filter, limit: USER_LINES_MAX_LIMIT, offset });
    total = r.total;
    for (const row of r.rows) {
      lines.push([
        csvCell(formatShanghaiDateTime(row.createdAt, { withSeconds: true })),
        csvCell(BUSINESS_TYPE_LABELS[row.businessType] ?? row.businessType),
        csvCell(ACCOUNT_KIND_LABELS[row.accountKind] ?? row.accountKind),
        fenToPlainYuan(row.amountFen),
        fenToPlainYuan(row.balanceAfterFen),
        csvCell(row.memo ?? ""),
      ].join(","));
    }
    offset += r.rows.length;
    if (r.rows.length < USER_LINES_MAX_LIMIT) break;
  }
  const rows = lines.length - 1;
  return { csv: csvDocument(lines), rows, truncated: BigInt(rows) < total };
}

/** `+1,234.50` / `-12.00` for the records table. */
export function signedYuan(fen: Fen): string {
  return fen < 0n ? `-${formatFen(-fen)}` : `+${formatFen(fen)}`;
}
