/**
 * 资金流水 (finance.view): every journal entry of the ledger, newest first, filtered by business type, days
 * (Asia/Shanghai), reference (prefix: `withdrawal:` finds every withdrawal) and user (by exact phone,
 * through its keyed hash — a phone only ever comes in a posted form), 50 per page, with the totals of the
 * whole filtered set; and the CSV export (one row per line, at most {@link FLOWS_EXPORT_MAX_LINES}),
 * audited as `finance.flows_export` in the export's transaction.
 * @module
 */
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { maskPhone, type PiiCipher } from "../accounts/pii.ts";
import {
  ACCOUNT_KIND_LABELS,
  BUSINESS_TYPE_LABELS,
  BUSINESS_TYPES,
  type BusinessType,
  type LedgerAccountKind,
} from "../ledger/accounts.ts";
import type { Fen } from "../money/fen.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";
import { pageCount as pagesFor } from "../shared/count.ts";
import { csvCell as csvCellText, csvDocument, fenToPlainYuan } from "../shared/csv.ts";
import { formatShanghaiDateTime } from "../shared/shanghai_time.ts";
import { listFiltersQuery, parseDayRangeFilter, parsePageParam, parsePhoneFilter } from "./list_filters.ts";

/** Entries per page. */
export const FLOWS_PAGE_SIZE = 50;
/** Highest page accepted. */
export const FLOWS_MAX_PAGE = 2_000;
/** Most lines one CSV export writes (narrow the filters for more). */
export const FLOWS_EXPORT_MAX_LINES = 20_000;
/** Longest reference filter. */
export const REFERENCE_MAX_CHARS = 200;

/** The filter form as typed. */
export interface FlowFilterForm {
  type: string;
  from: string;
  to: string;
  reference: string;
  phone: string;
}

/** Parsed filters. */
export interface FlowFilters {
  type: BusinessType | null;
  from: string | null;
  to: string | null;
  /** Prefix of `journal_entries.reference`. */
  reference: string | null;
  /** Normalised phone of a user whose accounts an entry touches. */
  phone: string | null;
}

/** Outcome of {@link parseFlowFilters}. */
export interface ParsedFlowQuery {
  form: FlowFilterForm;
  filters: FlowFilters;
  errors: Partial<Record<keyof FlowFilterForm, string>>;
  page: number;
}

/** The filters that may appear in a URL (never the phone). */
export const FLOW_URL_FILTERS = ["type", "from", "to", "reference"] as const;

/** Read the filters from a query string (`url`: a phone there is refused) or a posted form. */
export function parseFlowFilters(
  params: { get(name: string): unknown },
  source: "url" | "form",
): ParsedFlowQuery {
  const get = (name: string, max = 40) => {
    const v = params.get(name);
    return typeof v === "string" ? v.trim().slice(0, max) : "";
  };
  const form: FlowFilterForm = {
    type: get("type"),
    from: get("from"),
    to: get("to"),
    reference: get("reference", REFERENCE_MAX_CHARS),
    phone: source === "form" ? get("phone") : "",
  };
  const errors: ParsedFlowQuery["errors"] = {};
  const filters: FlowFilters = { type: null, from: null, to: null, reference: null, phone: null };
  if (form.type) {
    if ((BUSINESS_TYPES as readonly string[]).includes(form.type)) filters.type = form.type as BusinessType;
    else errors.type = "请选择正确的业务类型";
  }
  parseDayRangeFilter(form, filters, errors);
  if (form.reference) {
    if (/[\p{Cc}]/u.test(form.reference)) errors.reference = "关联单号含有无效字符";
    else filters.reference = form.reference;
  }
  parsePhoneFilter(form, source === "url" && get("phone") !== "", filters, errors);
  return { form, filters, errors, page: parsePageParam(get("page"), FLOWS_MAX_PAGE) };
}

/** The URL query of the URL filters (never the phone) and of `page` past the first. */
export function flowFiltersQuery(form: FlowFilterForm, page = 1): URLSearchParams {
  return listFiltersQuery(FLOW_URL_FILTERS, form, page);
}

/** One line of an entry. */
export interface FlowLine {
  accountKind: LedgerAccountKind;
  accountLabel: string;
  /** The owner of a user account; `null` for the platform's accounts. */
  userId: string | null;
  amountFen: Fen;
  balanceAfterFen: Fen | null;
}

/** One journal entry as the list shows it. */
export interface FlowEntry {
  id: string;
  createdAt: Date;
  businessType: string;
  businessTypeLabel: string;
  reference: string;
  memo: string | null;
  reversesEntryId: string | null;
  /** The sum of the entry's positive lines (the amount moved). */
  amountFen: Fen;
  lines: FlowLine[];
}

/** Totals of the filtered set. */
export interface FlowTotals {
  entries: bigint;
  /** Sum of the positive lines of every filtered entry. */
  amountFen: Fen;
  byType: { businessType: string; label: string; entries: bigint; amountFen: Fen }[];
}

function typeLabel(t: string): string {
  return BUSINESS_TYPE_LABELS[t as BusinessType] ?? t;
}

/** The user a phone belongs to (`"0"`, matching nothing, for an unknown phone); `null` without a phone. */
async function userIdForPhone(
  db: Queryable,
  cipher: PiiCipher,
  phone: string | null,
): Promise<string | null> {
  if (!phone) return null;
  const [row] = await db<{ id: string }[]>`select id from users where phone_hash = ${await cipher.hash(
    phone,
  )}`;
  return row?.id ?? "0";
}

/** The WHERE fragment over `journal_entries e` (synchronous: a fragment is thenable, never await it). */
function where(db: Queryable, f: FlowFilters, userId: string | null) {
  return db`
    (${f.type}::text is null or e.business_type = ${f.type}::text)
    and (${f.from}::date is null
         or e.created_at >= (${f.from}::date)::timestamp at time zone 'Asia/Shanghai')
    and (${f.to}::date is null
         or e.created_at < (${f.to}::date + 1)::timestamp at time zone 'Asia/Shanghai')
    and (${f.reference}::text is null or starts_with(e.reference, ${f.reference}::text))
    and (${userId}::bigint is null or exists (
          select 1 from journal_lines ul join ledger_accounts ua on ua.id = ul.account_id
          where ul.entry_id = e.id and ua.owner_user_id = ${userId}::bigint))`;
}

/** One page of the filtered entries (newest first) with their lines, and the totals of the whole set. */
export async function listFundFlows(
  db: Db,
  cipher: PiiCipher,
  filters: FlowFilters,
  page: number,
): Promise<{ rows: FlowEntry[]; totals: FlowTotals; page: number; pageCount: number }> {
  const userId = await userIdForPhone(db, cipher, filters.phone);
  const byType = await db<{ businessType: string; entries: bigint; amountFen: Fen }[]>`
    select e.business_type as "businessType", count(*) as entries,
           coalesce(sum((select coalesce(sum(l.amount_fen), 0) from journal_lines l
                         where l.entry_id = e.id and l.amount_fen > 0)), 0)::bigint as "amountFen"
    from journal_entries e where ${where(db, filters, userId)}
    group by e.business_type order by e.business_type`;
  const totals: FlowTotals = {
    entries: byType.reduce((n, r) => n + r.entries, 0n),
    amountFen: byType.reduce((n, r) => n + r.amountFen, 0n),
    byType: byType.map((r) => ({ ...r, label: typeLabel(r.businessType) })),
  };
  const pageCount = pagesFor(totals.entries, FLOWS_PAGE_SIZE);
  const current = Math.min(Math.max(1, page), pageCount, FLOWS_MAX_PAGE);
  const entries = await db<
    {
      id: string;
      createdAt: Date;
      businessType: string;
      reference: string;
      memo: string | null;
      reversesEntryId: string | null;
    }[]
  >`
    select e.id, e.created_at as "createdAt", e.business_type as "businessType", e.reference, e.memo,
           e.reverses_entry_id as "reversesEntryId"
    from journal_entries e where ${where(db, filters, userId)}
    order by e.id desc limit ${FLOWS_PAGE_SIZE} offset ${(current - 1) * FLOWS_PAGE_SIZE}`;
  const ids = entries.map((e) => e.id);
  const lines = ids.length === 0 ? [] : await db<
    {
      entryId: string;
      kind: LedgerAccountKind;
      userId: string | null;
      amountFen: Fen;
      balanceAfterFen: Fen | null;
    }[]
  >`
    select l.entry_id as "entryId", a.kind, a.owner_user_id as "userId", l.amount_fen as "amountFen",
           l.balance_after_fen as "balanceAfterFen"
    from journal_lines l join ledger_accounts a on a.id = l.account_id
    where l.entry_id = any(${ids}::bigint[]) order by l.id`;
  const rows = entries.map((e): FlowEntry => {
    const mine = lines.filter((l) => l.entryId === e.id).map((l): FlowLine => ({
      accountKind: l.kind,
      accountLabel: ACCOUNT_KIND_LABELS[l.kind] ?? l.kind,
      userId: l.userId,
      amountFen: l.amountFen,
      balanceAfterFen: l.balanceAfterFen,
    }));
    return {
      ...e,
      businessTypeLabel: typeLabel(e.businessType),
      amountFen: mine.reduce((n, l) => (l.amountFen > 0n ? n + l.amountFen : n), 0n),
      lines: mine,
    };
  });
  return { rows, totals, page: current, pageCount };
}

export { fenToPlainYuan };

/** A cell of the export: quoted, formulas neutralised, negative amounts left as they are. */
const csvCell = (value: string) => csvCellText(value, { signedNumbers: true });

/** Outcome of {@link exportFundFlowsCsv}. */
export type ExportFlowsResult =
  | { ok: true; csv: string; rows: number; truncated: boolean }
  | { ok: false; code: "forbidden" };

/**
 * 导出 CSV: the filtered entries' lines (UTF-8 with BOM), at most {@link FLOWS_EXPORT_MAX_LINES}. Needs
 * `finance.view`. The read and its audit entry (`finance.flows_export`: the filters, phone masked, and the
 * row count) are one transaction. Code: `forbidden`.
 */
export async function exportFundFlowsCsv(
  db: Db,
  input: { cipher: PiiCipher; filters: FlowFilters },
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
): Promise<ExportFlowsResult> {
  if (!can(actor.staff, "finance.view")) return { ok: false, code: "forbidden" };
  const { filters } = input;
  return await transaction(db, async (tx): Promise<ExportFlowsResult> => {
    const userId = await userIdForPhone(tx, input.cipher, filters.phone);
    const raw = await tx<
      {
        entryId: string;
        createdAt: Date;
        businessType: string;
        reference: string;
        memo: string | null;
        kind: LedgerAccountKind;
        userId: string | null;
        amountFen: Fen;
        balanceAfterFen: Fen | null;
      }[]
    >`
      select e.id as "entryId", e.created_at as "createdAt", e.business_type as "businessType", e.reference,
             e.memo, a.kind, a.owner_user_id as "userId", l.amount_fen as "amountFen",
             l.balance_after_fen as "balanceAfterFen"
      from journal_entries e
      join journal_lines l on l.entry_id = e.id
      join ledger_accounts a on a.id = l.account_id
      where ${where(tx, filters, userId)}
      order by e.id desc, l.id
      limit ${FLOWS_EXPORT_MAX_LINES + 1}`;
    const truncated = raw.length > FLOWS_EXPORT_MAX_LINES;
    const rows = raw.slice(0, FLOWS_EXPORT_MAX_LINES);
    const out = [
      ["分录ID", "时间", "业务类型", "关联单号", "账户", "用户ID", "金额（元）", "变动后余额（元）", "备注"]
        .map(csvCell).join(","),
    ];
    for (const r of rows) {
      out.push(
        [
          r.entryId,
          formatShanghaiDateTime(r.createdAt, { withSeconds: true }),
          typeLabel(r.businessType),
          r.reference,
          ACCOUNT_KIND_LABELS[r.kind] ?? r.kind,
          r.userId ?? "",
          fenToPlainYuan(r.amountFen),
          r.balanceAfterFen === null ? "" : fenToPlainYuan(r.balanceAfterFen),
          r.memo ?? "",
        ].map(csvCell).join(","),
      );
    }
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "finance.flows_export",
      target: "journal_entries",
      detail: {
        filters: {
          type: filters.type,
          from: filters.from,
          to: filters.to,
          reference: filters.reference,
          phone: filters.phone ? maskPhone(filters.phone) : null,
        },
        rows: rows.length,
        truncated,
      },
      ip: actor.ip,
    });
    return { ok: true, csv: csvDocument(out), rows: rows.length, truncated };
  });
}
