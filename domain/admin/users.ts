/**
 * The staff user list (用户管理): filters read from the query string or — for the phone number, real name
 * and ID number, which must never be in a URL — from a posted form (searched exactly, through their keyed
 * hashes), a filtered and paginated list with masked phones, totals, and
 * the CSV export (masked, audited as `users.export`).
 */
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";
import { userDisplayName } from "../accounts/display_name.ts";
import { maskIdNumber, maskName, maskPhone, type PiiCipher } from "../accounts/pii.ts";
import { formatShanghaiDateTime } from "../shared/shanghai_time.ts";
import { pageCount as pagesFor } from "../shared/count.ts";
import { csvCell, csvDocument } from "../shared/csv.ts";
import { listFiltersQuery, parseDayRangeFilter, parsePageParam, parsePhoneFilter } from "./list_filters.ts";
import { USER_KIND_LABELS, USER_KINDS, type UserKind } from "../accounts/user.ts";
import { idNumberHash, realNameHash } from "../identity/identity.ts";
import { checkRealName, normalizeIdNumber } from "../identity/id_number.ts";

/** Rows per page of the user list. */
export const USERS_PAGE_SIZE = 50;
/** Most rows one CSV export writes (narrow the filters for more). */
export const USERS_EXPORT_MAX_ROWS = 10_000;
/** Highest page number accepted (offset pagination stays cheap enough below this). */
export const USERS_MAX_PAGE = 2_000;

/** User account states, as stored in `users.status`. */
export const USER_STATUSES = ["active", "frozen", "disabled", "closed"] as const;
/** A user account state. */
export type UserStatus = typeof USER_STATUSES[number];
/** Chinese labels of the account states. */
export const USER_STATUS_LABELS: Readonly<Record<UserStatus, string>> = {
  active: "正常",
  frozen: "已冻结",
  disabled: "已停用",
  closed: "已注销",
};

/** The filter form's values as typed (kept to redisplay the form). */
export interface UserFilterForm {
  kind: string;
  status: string;
  from: string;
  to: string;
  tag: string;
  phone: string;
  name: string;
  idNumber: string;
}

/** Parsed filters. */
export interface UserFilters {
  kind: UserKind | null;
  status: UserStatus | null;
  /** First day included, `YYYY-MM-DD` Asia/Shanghai. */
  from: string | null;
  /** Last day included, `YYYY-MM-DD` Asia/Shanghai. */
  to: string | null;
  /** A tag the user carries (exact). */
  tag: string | null;
  /** Normalised phone (searched through its keyed hash). */
  phone: string | null;
  /** Real name, normalised as verification stores it (searched through `users.real_name_hash`). */
  name: string | null;
  /** ID number, normalised (searched through its keyed hash, `users.id_number_hash`). */
  idNumber: string | null;
}

/** Outcome of {@link parseUserFilters}: the filters, the form as typed, errors per field, the page. */
export interface ParsedUserQuery {
  form: UserFilterForm;
  filters: UserFilters;
  errors: Partial<Record<keyof UserFilterForm, string>>;
  page: number;
}

/** Where filters come from: the URL (GET; never a phone) or a posted form body (POST, CSRF-checked). */
export type UserFilterSource = "url" | "form";

export { PHONE_IN_URL_MESSAGE } from "./list_filters.ts";

/** Why a name or ID number in a URL is not searched. */
export const PII_IN_URL_MESSAGE = "为保护个人信息，姓名和身份证号不能放在链接中，请在搜索框中输入后点“筛选”";

/** The filters that may appear in a URL (nothing that identifies a person). */
export const USER_URL_FILTERS = ["kind", "status", "from", "to", "tag"] as const;

/** The filters that are personal data: only ever in a posted form. */
export const USER_PERSONAL_FILTERS = ["phone", "name", "idNumber"] as const;

/** Whether the typed form holds a personal-data filter (phone, name, ID number). */
export function hasPersonalFilter(form: UserFilterForm): boolean {
  return USER_PERSONAL_FILTERS.some((key) => form[key] !== "");
}

/**
 * Read the user list's filters from a query string (`source: "url"`) or a posted form (`"form"`). An
 * invalid value is reported in `errors` and left out of `filters` (the list then shows without it). A
 * phone number is accepted only from a posted form: URLs end up in browser history, proxy and server
 * logs, so a phone in a URL is neither searched nor echoed, and `errors.phone` says why.
 */
export function parseUserFilters(
  params: { get(name: string): unknown },
  source: UserFilterSource,
): ParsedUserQuery {
  const get = (name: string) => {
    const v = params.get(name);
    return typeof v === "string" ? v.trim().slice(0, 40) : "";
  };
  const form: UserFilterForm = {
    kind: get("kind"),
    status: get("status"),
    from: get("from"),
    to: get("to"),
    tag: get("tag").slice(0, 20),
    phone: source === "form" ? get("phone") : "",
    name: source === "form" ? get("name") : "",
    idNumber: source === "form" ? get("idNumber") : "",
  };
  const errors: ParsedUserQuery["errors"] = {};
  const filters: UserFilters = {
    kind: null,
    status: null,
    from: null,
    to: null,
    tag: null,
    phone: null,
    name: null,
    idNumber: null,
  };
  if (form.tag) filters.tag = form.tag;
  if (source === "url" && (get("name") || get("idNumber"))) errors.name = PII_IN_URL_MESSAGE;
  if (form.name) {
    const name = checkRealName(form.name);
    if (name.ok) filters.name = name.name;
    else errors.name = "请输入与身份证一致的完整中文姓名";
  }
  if (form.idNumber) {
    const id = normalizeIdNumber(form.idNumber);
    if (/^\d{17}[\dX]$/.test(id)) filters.idNumber = id;
    else errors.idNumber = "请输入完整的 18 位身份证号";
  }
  if (form.kind) {
    if ((USER_KINDS as readonly string[]).includes(form.kind)) filters.kind = form.kind as UserKind;
    else errors.kind = "请选择正确的用户类型";
  }
  if (form.status) {
    if ((USER_STATUSES as readonly string[]).includes(form.status)) {
      filters.status = form.status as UserStatus;
    } else errors.status = "请选择正确的状态";
  }
  parseDayRangeFilter(form, filters, errors);
  parsePhoneFilter(form, source === "url" && get("phone") !== "", filters, errors);
  return { form, filters, errors, page: parsePageParam(get("page"), USERS_MAX_PAGE) };
}

/**
 * The query string of the list's URL filters as typed (kind, status, dates — never the phone) and of
 * `page` when past the first: what a redirect or a pager link may carry. Empty values are left out.
 */
export function userFiltersQuery(form: UserFilterForm, page = 1): URLSearchParams {
  return listFiltersQuery(USER_URL_FILTERS, form, page);
}

/** One user as the staff list shows it (phone masked). */
export interface AdminUserRow {
  id: string;
  kind: UserKind;
  kindLabel: string;
  phoneMasked: string;
  displayName: string;
  status: string;
  statusLabel: string;
  createdAt: Date;
}

/** Totals of the filtered list (the table footer). */
export interface UserTotals {
  total: bigint;
  investors: bigint;
  borrowers: bigint;
}

interface RawUser {
  id: string;
  kind: UserKind;
  phone_enc: Uint8Array;
  display_name: string | null;
  status: string;
  created_at: Date;
}

/** The WHERE fragment (synchronous: a postgres.js fragment is thenable and must not be awaited). */
/** Keyed hashes of the personal-data filters (null when not searched). */
interface FilterHashes {
  phone: string | null;
  name: string | null;
  idNumber: string | null;
}

async function filterHashes(cipher: PiiCipher, filters: UserFilters): Promise<FilterHashes> {
  return {
    phone: filters.phone ? await cipher.hash(filters.phone) : null,
    name: filters.name ? await realNameHash(cipher, filters.name) : null,
    idNumber: filters.idNumber ? await idNumberHash(cipher, filters.idNumber) : null,
  };
}

function where(sql: Queryable, filters: UserFilters, hashes: FilterHashes) {
  return sql`
    (${filters.kind}::text is null or u.kind = ${filters.kind}::text)
    and (${filters.status}::text is null or u.status = ${filters.status}::text)
    and (${filters.from}::date is null
         or u.created_at >= (${filters.from}::date)::timestamp at time zone 'Asia/Shanghai')
    and (${filters.to}::date is null
         or u.created_at < (${filters.to}::date + 1)::timestamp at time zone 'Asia/Shanghai')
    and (${filters.tag}::text is null
         or exists (select 1 from user_tags t where t.user_id = u.id and t.tag = ${filters.tag}::text))
    and (${hashes.phone}::text is null or u.phone_hash = ${hashes.phone}::text)
    and (${hashes.name}::text is null or u.real_name_hash = ${hashes.name}::text)
    and (${hashes.idNumber}::text is null or u.id_number_hash = ${hashes.idNumber}::text)`;
}

async function toRows(raw: RawUser[], cipher: PiiCipher): Promise<AdminUserRow[]> {
  return await Promise.all(raw.map(async (r) => {
    let phoneMasked: string;
    let decrypted = true;
    try {
      phoneMasked = maskPhone(await cipher.decrypt(r.phone_enc));
    } catch {
      phoneMasked = "（无法解密）";
      decrypted = false;
    }
    const status = r.status as UserStatus;
    return {
      id: r.id,
      kind: r.kind,
      kindLabel: USER_KIND_LABELS[r.kind] ?? r.kind,
      phoneMasked,
      // the name the user sees (「用户1234」 until they choose one)
      displayName: decrypted ? userDisplayName(r.display_name, phoneMasked) : (r.display_name ?? ""),
      status: r.status,
      statusLabel: USER_STATUS_LABELS[status] ?? r.status,
      createdAt: r.created_at,
    };
  }));
}

/** One page of the filtered user list, newest first, with the totals of the whole filtered set. */
export async function listUsersForStaff(
  sql: Db,
  cipher: PiiCipher,
  filters: UserFilters,
  page: number,
): Promise<{ rows: AdminUserRow[]; totals: UserTotals; page: number; pageCount: number }> {
  const hashes = await filterHashes(cipher, filters);
  const [totals] = await sql<UserTotals[]>`
    select count(*) as total,
           count(*) filter (where u.kind = 'investor') as investors,
           count(*) filter (where u.kind = 'borrower') as borrowers
    from users u where ${where(sql, filters, hashes)}`;
  const pageCount = pagesFor(totals.total, USERS_PAGE_SIZE);
  const current = Math.min(Math.max(1, page), pageCount, USERS_MAX_PAGE);
  const raw = await sql<RawUser[]>`
    select u.id, u.kind, u.phone_enc, u.display_name, u.status, u.created_at
    from users u where ${where(sql, filters, hashes)}
    order by u.id desc
    limit ${USERS_PAGE_SIZE} offset ${(current - 1) * USERS_PAGE_SIZE}`;
  return { rows: await toRows(raw, cipher), totals, page: current, pageCount };
}

/** Outcome of {@link exportUsersCsv}. */
export type ExportUsersResult =
  | { ok: true; csv: string; rows: number; truncated: boolean }
  | { ok: false; code: "forbidden" };

/**
 * The command 导出: the filtered users as CSV (UTF-8 with BOM so spreadsheet programs read the Chinese),
 * phones masked, at most {@link USERS_EXPORT_MAX_ROWS} rows. Needs `users.view`. The read and its audit
 * entry (`users.export`, with the filters — the phone masked — and the row count) are one transaction.
 */
export async function exportUsersCsv(
  db: Db,
  input: { cipher: PiiCipher; filters: UserFilters },
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
): Promise<ExportUsersResult> {
  if (!can(actor.staff, "users.view")) return { ok: false, code: "forbidden" };
  const { cipher, filters } = input;
  const hashes = await filterHashes(cipher, filters);
  return await transaction(db, async (tx): Promise<ExportUsersResult> => {
    const raw = await tx<RawUser[]>`
      select u.id, u.kind, u.phone_enc, u.display_name, u.status, u.created_at
      from users u where ${where(tx, filters, hashes)}
      order by u.id desc
      limit ${USERS_EXPORT_MAX_ROWS + 1}`;
    const truncated = raw.length > USERS_EXPORT_MAX_ROWS;
    const rows = await toRows(raw.slice(0, USERS_EXPORT_MAX_ROWS), cipher);
    const lines = [["用户ID", "手机号", "类型", "昵称", "状态", "注册时间"].map((v) => csvCell(v)).join(",")];
    for (const r of rows) {
      lines.push(
        [r.id, r.phoneMasked, r.kindLabel, r.displayName, r.statusLabel, formatShanghaiDateTime(r.createdAt)]
          .map((v) => csvCell(v)).join(","),
      );
    }
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "users.export",
      target: "users",
      detail: {
        filters: {
          kind: filters.kind,
          status: filters.status,
          from: filters.from,
          to: filters.to,
          tag: filters.tag,
          phone: filters.phone ? maskPhone(filters.phone) : null,
          name: filters.name ? maskName(filters.name) : null,
          idNumber: filters.idNumber ? maskIdNumber(filters.idNumber) : null,
        },
        rows: rows.length,
        truncated,
      },
      ip: actor.ip,
    });
    return { ok: true, csv: csvDocument(lines), rows: rows.length, truncated };
  });
}
