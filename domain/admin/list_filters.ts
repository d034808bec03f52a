/**
 * The filters the staff lists share (用户管理, 资金流水): a range of days (Asia/Shanghai), a phone number
 * that may come only from a posted form, the page number, and the URL query a redirect or pager link
 * carries. The parsers read the form as typed and set the parsed filter or the field's error message.
 * @module
 */
import { INVALID_PHONE_MESSAGE, normalizePhone } from "../accounts/phone.ts";
import { parseDayFilter } from "../shared/ids.ts";

/** Why a phone number in a URL is not searched (ASVS 14.2.1: no personal data in URLs). */
export const PHONE_IN_URL_MESSAGE = "为保护个人信息，手机号不能放在链接中，请在搜索框中输入后点“筛选”";

/** `from` and `to` (`YYYY-MM-DD`, both included); a `to` before `from` is an error on `to` and dropped. */
export function parseDayRangeFilter(
  form: { from: string; to: string },
  filters: { from: string | null; to: string | null },
  errors: { from?: string; to?: string },
): void {
  for (const key of ["from", "to"] as const) {
    if (!form[key]) continue;
    const day = parseDayFilter(form[key]);
    if (day.ok) filters[key] = day.day;
    else errors[key] = day.message;
  }
  if (filters.from && filters.to && filters.from > filters.to) {
    errors.to = "结束日期不能早于开始日期";
    filters.to = null;
  }
}

/**
 * The phone filter: searched only from a posted form (`form.phone` is empty for a URL); a phone in a URL
 * (`phoneInUrl`) is neither searched nor echoed, and the error says why.
 */
export function parsePhoneFilter(
  form: { phone: string },
  phoneInUrl: boolean,
  filters: { phone: string | null },
  errors: { phone?: string },
): void {
  if (phoneInUrl) errors.phone = PHONE_IN_URL_MESSAGE;
  if (form.phone) {
    const phone = normalizePhone(form.phone);
    if (phone) filters.phone = phone;
    else errors.phone = INVALID_PHONE_MESSAGE;
  }
}

/** The page number of a list: 1 when missing or not a number, else between 1 and `maxPage`. */
export function parsePageParam(raw: string, maxPage: number): number {
  const n = Number.parseInt(raw || "1", 10);
  return Number.isFinite(n) ? Math.min(maxPage, Math.max(1, n)) : 1;
}

/** The URL query of a list: the given filters as typed (empty ones left out) and `page` past the first. */
export function listFiltersQuery<K extends string>(
  keys: readonly K[],
  form: Record<K, string>,
  page = 1,
): URLSearchParams {
  const q = new URLSearchParams();
  for (const key of keys) if (form[key]) q.set(key, form[key]);
  if (page > 1) q.set("page", String(page));
  return q;
}
