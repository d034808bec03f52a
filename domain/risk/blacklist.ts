/**
 * The platform's internal blacklist (内部黑名单), kept by risk staff (`risk.rules`): an entry names an ID
 * number and/or a phone number — stored only as keyed hashes (the same as `users.id_number_hash` /
 * `users.phone_hash`, so the automatic review matches applicants without decrypting anything) and masks
 * for display — with a reason. Entries are never deleted: removing one records who, when and why. Every
 * add and remove is audit-logged (`risk.blacklist.add` / `risk.blacklist.remove`, masks only).
 * The external blacklist is a gateway (`domain/gateways/blacklist.ts`).
 * @module
 */
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import { maskIdNumber, maskPhone, type PiiCipher } from "../accounts/pii.ts";
import { normalizePhone } from "../accounts/phone.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { checkIdNumber, normalizeIdNumber } from "../identity/id_number.ts";
import { idNumberHash } from "../identity/identity.ts";
import { isId } from "../shared/ids.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";

/** Rows one page of the list shows. */
export const BLACKLIST_PAGE_SIZE = 50;
/** Reason length bounds (characters). */
export const BLACKLIST_REASON_MIN = 2;
/** Longest reason. */
export const BLACKLIST_REASON_MAX = 200;

/** One entry as staff see it (masks only). */
export interface BlacklistEntryView {
  id: string;
  idNumberMask: string | null;
  phoneMask: string | null;
  reason: string;
  addedByName: string | null;
  addedAt: Date;
  removedAt: Date | null;
  removedByName: string | null;
  removedReason: string | null;
}

/** Outcome of {@link addBlacklistEntry} / {@link removeBlacklistEntry}. */
export type BlacklistCommandResult =
  | { ok: true; entryId: string }
  | { ok: false; code: "forbidden" | "not_found" | "already_removed" | "duplicate" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/** Chinese messages of the failures. */
export const BLACKLIST_MESSAGES = {
  forbidden: "无权操作",
  not_found: "没有这条黑名单记录",
  already_removed: "该记录已移除",
  duplicate: "该身份证号或手机号已在黑名单中",
} as const;

type Actor = { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null };

function checkReason(raw: string, key: string, fields: Record<string, string[]>): string {
  const reason = raw.trim();
  const n = Array.from(reason).length;
  if (n < BLACKLIST_REASON_MIN) fields[key] = ["请填写原因（至少 2 个字）"];
  else if (n > BLACKLIST_REASON_MAX) fields[key] = [`原因最多 ${BLACKLIST_REASON_MAX} 个字`];
  return reason;
}

/** The keyed hash of a phone number as `users.phone_hash` stores it. */
export function phoneHash(pii: PiiCipher, phone: string): Promise<string> {
  return pii.hash(phone);
}

/**
 * Add an entry (needs `risk.rules`): an ID number (checked: GB 11643 format and check character) and/or a
 * mainland mobile number, and a reason. Refused as `duplicate` when an active entry already has either.
 */
export async function addBlacklistEntry(
  db: Db,
  pii: PiiCipher,
  input: { idNumber: string; phone: string; reason: string },
  actor: Actor,
): Promise<BlacklistCommandResult> {
  if (!can(actor.staff, "risk.rules")) return { ok: false, code: "forbidden" };
  const fields: Record<string, string[]> = {};
  const idText = normalizeIdNumber(input.idNumber);
  const phoneText = input.phone.trim();
  let idNumber: string | null = null;
  let phone: string | null = null;
  if (idText !== "") {
    const checked = checkIdNumber(idText);
    // minors can be listed too: only the format, region, birth date and check character matter here
    if (checked.ok || checked.problem === "under_age") idNumber = idText;
    else fields.idNumber = ["身份证号码格式不正确"];
  }
  if (phoneText !== "") {
    phone = normalizePhone(phoneText);
    if (!phone) fields.phone = ["手机号码格式不正确"];
  }
  if (idText === "" && phoneText === "") fields.idNumber = ["请填写身份证号码或手机号码（至少一项）"];
  const reason = checkReason(input.reason, "reason", fields);
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  const idHash = idNumber ? await idNumberHash(pii, idNumber) : null;
  const phHash = phone ? await phoneHash(pii, phone) : null;
  return await transaction(db, async (tx): Promise<BlacklistCommandResult> => {
    // one add at a time: the duplicate check below stays true until commit
    await tx`select pg_advisory_xact_lock(72640014)`;
    const [dup] = await tx`
      select 1 from blacklist_entries where removed_at is null
        and ((${idHash}::text is not null and id_number_hash = ${idHash})
          or (${phHash}::text is not null and phone_hash = ${phHash}))
      limit 1`;
    if (dup) return { ok: false, code: "duplicate" };
    const idMask = idNumber ? maskIdNumber(idNumber) : null;
    const phoneMask = phone ? maskPhone(phone) : null;
    const [row] = await tx<{ id: string }[]>`
      insert into blacklist_entries (id_number_hash, id_number_mask, phone_hash, phone_mask, reason, added_by)
      values (${idHash}, ${idMask}, ${phHash}, ${phoneMask}, ${reason}, ${actor.staff.id})
      returning id`;
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "risk.blacklist.add",
      target: `blacklist:${row.id}`,
      detail: { idNumber: idMask, phone: phoneMask, reason },
      ip: actor.ip,
    });
    return { ok: true, entryId: String(row.id) };
  });
}

/** Remove an entry (needs `risk.rules`) with a reason; the row stays, marked removed. */
export async function removeBlacklistEntry(
  db: Db,
  input: { entryId: string; reason: string },
  actor: Actor,
): Promise<BlacklistCommandResult> {
  if (!can(actor.staff, "risk.rules")) return { ok: false, code: "forbidden" };
  const fields: Record<string, string[]> = {};
  const reason = checkReason(input.reason, "removeReason", fields);
  if (!isId(input.entryId)) fields.entryId = ["请选择记录"];
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  return await transaction(db, async (tx): Promise<BlacklistCommandResult> => {
    const [row] = await tx<
      { id: string; removedAt: Date | null; idMask: string | null; phoneMask: string | null }[]
    >`
      select id, removed_at as "removedAt", id_number_mask as "idMask", phone_mask as "phoneMask"
      from blacklist_entries where id = ${input.entryId} for update`;
    if (!row) return { ok: false, code: "not_found" };
    if (row.removedAt) return { ok: false, code: "already_removed" };
    await tx`
      update blacklist_entries set removed_at = now(), removed_by = ${actor.staff.id}, removed_reason = ${reason}
      where id = ${row.id}`;
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "risk.blacklist.remove",
      target: `blacklist:${row.id}`,
      detail: { idNumber: row.idMask, phone: row.phoneMask, reason },
      ip: actor.ip,
    });
    return { ok: true, entryId: String(row.id) };
  });
}

/**
 * The list, newest first, one page of {@link BLACKLIST_PAGE_SIZE} (`beforeId` pages back). `query` — an ID
 * number or a phone number — finds entries by keyed hash (exact match); an unrecognised query finds none.
 */
export async function listBlacklist(
  db: Queryable,
  pii: PiiCipher,
  options: { query?: string; includeRemoved?: boolean; beforeId?: string | null } = {},
): Promise<{ rows: BlacklistEntryView[]; nextBeforeId: string | null }> {
  const q = (options.query ?? "").trim();
  let filter = db`true`;
  if (q !== "") {
    const phone = normalizePhone(q);
    const idText = normalizeIdNumber(q);
    const hashes: string[] = [];
    if (phone) hashes.push(await phoneHash(pii, phone));
    if (/^\d{17}[\dX]$/.test(idText)) hashes.push(await idNumberHash(pii, idText));
    if (hashes.length === 0) return { rows: [], nextBeforeId: null };
    filter = db`(b.id_number_hash = any(${hashes}::text[]) or b.phone_hash = any(${hashes}::text[]))`;
  }
  const before = options.beforeId && isId(options.beforeId) ? options.beforeId : null;
  const rows = await db<(BlacklistEntryView & { id: string | bigint })[]>`
    select b.id, b.id_number_mask as "idNumberMask", b.phone_mask as "phoneMask", b.reason,
      a.display_name as "addedByName", b.added_at as "addedAt", b.removed_at as "removedAt",
      r.display_name as "removedByName", b.removed_reason as "removedReason"
    from blacklist_entries b
      left join staff a on a.id = b.added_by
      left join staff r on r.id = b.removed_by
    where ${filter}
      and ${options.includeRemoved ? db`true` : db`b.removed_at is null`}
      and ${before ? db`b.id < ${before}` : db`true`}
    order by b.id desc limit ${BLACKLIST_PAGE_SIZE + 1}`;
  const page = rows.slice(0, BLACKLIST_PAGE_SIZE).map((r) => ({ ...r, id: String(r.id) }));
  return { rows: page, nextBeforeId: rows.length > BLACKLIST_PAGE_SIZE ? page[page.length - 1].id : null };
}
