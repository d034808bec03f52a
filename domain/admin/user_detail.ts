/**
 * One user as staff see it (`/admin/users/[id]`): account, identity, cards, balances, recent journal lines
 * and tags — personal data masked; the full data only to staff with `users.pii`, each look audit-logged
 * (`users.pii_reveal`). The staff commands on a user: status 正常 / 冻结 / 注销 with a reason
 * (`users.status`) and tags (`users.tag_add`, `users.tag_remove`), each with its audit entry in one
 * transaction. A frozen user can still log in but moves no money (see `lockUserForMoney`); a closed one
 * cannot log in (sessions ended at once) and a closed account stays closed.
 * @module
 */
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import { destroySessionsFor } from "../accounts/session.ts";
import { cardTail, maskIdNumber, maskName, maskPhone, type PiiCipher } from "../accounts/pii.ts";
import { userDisplayName } from "../accounts/display_name.ts";
import { USER_KIND_LABELS, type UserKind } from "../accounts/user.ts";
import { listUserLines, type UserBalances, userBalances, type UserLineRow } from "../ledger/ledger.ts";
import type { Outbox } from "../../db/outbox.ts";
import { notify } from "../messaging/notifications.ts";
import { SERVICE_PHONE } from "../shared/brand.ts";
import { appendAudit } from "../staff/audit_log.ts";
import { can } from "../staff/permissions.ts";
import { isId } from "../shared/ids.ts";
import { USER_STATUS_LABELS, type UserStatus } from "./users.ts";

/** Journal lines the detail page shows. */
export const USER_DETAIL_LINES = 20;
/** Most tags one user may carry. */
export const MAX_TAGS_PER_USER = 20;
/** Longest tag (characters). */
export const TAG_MAX_CHARS = 20;
/** Status reason bounds (characters). */
export const STATUS_REASON_MIN_CHARS = 2;
/** Longest status reason. */
export const STATUS_REASON_MAX_CHARS = 200;

/** The states staff may set on 用户详情. */
export const SETTABLE_USER_STATUSES = ["active", "frozen", "closed"] as const;
/** A state staff may set. */
export type SettableUserStatus = typeof SETTABLE_USER_STATUSES[number];

/** One bank card as the detail shows it. */
export interface DetailCard {
  id: string;
  bankName: string;
  /** `尾号 1234`, or the full number when revealed. */
  number: string;
  isDefault: boolean;
  createdAt: Date;
}

/** A user as staff see it (`revealed`: with full personal data; otherwise masked). */
export interface UserDetail {
  id: string;
  kind: UserKind;
  kindLabel: string;
  displayName: string;
  phone: string;
  email: string | null;
  status: string;
  statusLabel: string;
  statusReason: string | null;
  statusChangedAt: Date | null;
  createdAt: Date;
  identity: { verifiedAt: Date | null; realName: string | null; idNumber: string | null };
  custody: { accountNo: string; status: string } | null;
  cards: DetailCard[];
  balances: UserBalances;
  lines: UserLineRow[];
  linesTotal: bigint;
  tags: string[];
  revealed: boolean;
}

/** Mask an e-mail address: `zhang.san@example.com` → `z***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${Array.from(email)[0]}***${email.slice(at)}`;
}

interface RawDetail {
  id: string;
  kind: UserKind;
  phone_enc: Uint8Array;
  email_enc: Uint8Array | null;
  display_name: string | null;
  status: string;
  status_reason: string | null;
  status_changed_at: Date | null;
  created_at: Date;
  real_name_enc: Uint8Array | null;
  id_number_enc: Uint8Array | null;
  identity_verified_at: Date | null;
}

async function tableExists(db: Queryable, name: string): Promise<boolean> {
  const [row] = await db<{ present: boolean }[]>`select to_regclass(${name}) is not null as present`;
  return row.present;
}

async function decryptOr(cipher: PiiCipher, bytes: Uint8Array | null): Promise<string | null> {
  if (!bytes) return null;
  try {
    return await cipher.decrypt(bytes);
  } catch {
    return "（无法解密）";
  }
}

/** The user `userId` for staff, masked unless `reveal`; `null` when there is no such user. */
async function readDetail(
  db: Queryable,
  cipher: PiiCipher,
  userId: string,
  reveal: boolean,
): Promise<UserDetail | null> {
  const [u] = await db<RawDetail[]>`
    select id, kind, phone_enc, email_enc, display_name, status, status_reason, status_changed_at, created_at,
           real_name_enc, id_number_enc, identity_verified_at
    from users where id = ${userId}`;
  if (!u) return null;
  const phone = (await decryptOr(cipher, u.phone_enc))!;
  const email = await decryptOr(cipher, u.email_enc);
  const realName = await decryptOr(cipher, u.real_name_enc);
  const idNumber = await decryptOr(cipher, u.id_number_enc);
  const show = (value: string | null, mask: (v: string) => string) =>
    value === null ? null : reveal ? value : mask(value);

  let custody: UserDetail["custody"] = null;
  if (await tableExists(db, "custody_accounts")) {
    const [c] = await db<{ account_no: string | null; status: string }[]>`
      select account_no, status from custody_accounts where user_id = ${userId}`;
    if (c) {
      const no = c.account_no ?? "";
      custody = { accountNo: reveal ? no : no ? cardTail(no) : "—", status: c.status };
    }
  }
  const cards: DetailCard[] = [];
  if (await tableExists(db, "bank_cards")) {
    const rows = await db<{
      id: string;
      bank_name: string;
      last4: string;
      card_number_enc: Uint8Array;
      is_default: boolean;
      created_at: Date;
    }[]>`
      select id, bank_name, last4, card_number_enc, is_default, created_at
      from bank_cards where user_id = ${userId} and status = 'active' order by id limit 20`;
    for (const r of rows) {
      cards.push({
        id: r.id,
        bankName: r.bank_name,
        number: reveal ? (await decryptOr(cipher, r.card_number_enc))! : `尾号 ${r.last4}`,
        isDefault: r.is_default,
        createdAt: r.created_at,
      });
    }
  }
  const [balances, lines, tags] = [
    await userBalances(db, userId),
    await listUserLines(db, userId, { limit: USER_DETAIL_LINES }),
    await db<{ tag: string }[]>`select tag from user_tags where user_id = ${userId} order by created_at, tag`,
  ];
  const phoneMasked = maskPhone(phone);
  return {
    id: u.id,
    kind: u.kind,
    kindLabel: USER_KIND_LABELS[u.kind] ?? u.kind,
    displayName: userDisplayName(u.display_name, phoneMasked),
    phone: reveal ? phone : phoneMasked,
    email: show(email, maskEmail),
    status: u.status,
    statusLabel: USER_STATUS_LABELS[u.status as UserStatus] ?? u.status,
    statusReason: u.status_reason,
    statusChangedAt: u.status_changed_at,
    createdAt: u.created_at,
    identity: {
      verifiedAt: u.identity_verified_at,
      realName: show(realName, maskName),
      idNumber: show(idNumber, maskIdNumber),
    },
    custody,
    cards,
    balances,
    lines: lines.rows,
    linesTotal: lines.total,
    tags: tags.map((t) => t.tag),
    revealed: reveal,
  };
}

/** The user `userId`, masked (viewing needs `users.view`, checked by the route; not audited). */
export async function getUserDetail(db: Db, cipher: PiiCipher, userId: string): Promise<UserDetail | null> {
  if (!isId(userId)) return null;
  return await readDetail(db, cipher, userId, false);
}

/** Outcome of {@link revealUserDetail}. */
export type RevealResult =
  | { ok: true; detail: UserDetail }
  | { ok: false; code: "forbidden" | "not_found" };

/**
 * 查看完整信息: the user with full personal data. Needs `users.pii`. The read and its audit entry
 * (`users.pii_reveal`, naming the fields shown, never their values) are one transaction. Codes:
 * `forbidden`, `not_found`.
 */
export async function revealUserDetail(
  db: Db,
  input: { cipher: PiiCipher; userId: string },
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
): Promise<RevealResult> {
  if (!can(actor.staff, "users.pii")) return { ok: false, code: "forbidden" };
  if (!isId(input.userId)) return { ok: false, code: "not_found" };
  return await transaction(db, async (tx, rollback): Promise<RevealResult> => {
    const detail = await readDetail(tx, input.cipher, input.userId, true);
    if (!detail) return rollback({ ok: false, code: "not_found" });
    const fields = ["phone"];
    if (detail.email) fields.push("email");
    if (detail.identity.realName) fields.push("realName");
    if (detail.identity.idNumber) fields.push("idNumber");
    if (detail.cards.length > 0) fields.push("cards");
    if (detail.custody) fields.push("custodyAccount");
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "users.pii_reveal",
      target: `user:${detail.id}`,
      detail: { fields },
      ip: actor.ip,
    });
    return { ok: true, detail };
  });
}

/** Outcome of {@link setUserStatus}. */
export type SetUserStatusResult =
  | { ok: true; changed: boolean; sessionsEnded: number }
  | { ok: false; code: "forbidden" | "not_found" | "already_closed" | "has_balance" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/** Chinese messages of the user commands' failures. */
export const USER_ADMIN_MESSAGES = {
  forbidden: "无权操作",
  not_found: "用户不存在",
  already_closed: "该账户已注销，不能再变更状态",
  has_balance: "该用户仍有余额（可用、冻结或奖励金），请先结清后再注销",
  tag_limit: `每位用户最多 ${MAX_TAGS_PER_USER} 个标签`,
} as const;

function reasonError(reason: string): string | null {
  const n = Array.from(reason).length;
  if (n < STATUS_REASON_MIN_CHARS) return "请填写原因（至少 2 个字）";
  if (n > STATUS_REASON_MAX_CHARS) return "原因最多 200 个字";
  return null;
}

/**
 * 变更状态: set a user 正常 (`active`), 冻结 (`frozen`: may log in, moves no money) or 注销 (`closed`:
 * cannot log in; every session ends at once; only with all balances at zero). Needs `users.manage`; a
 * reason of 2–200 characters. Codes: `forbidden`, `invalid_input`, `not_found`, `already_closed` (a
 * closed account stays closed), `has_balance`. Audited as `users.status` (from, to, reason). Setting the
 * state it has changes nothing (`changed: false`, no audit row). The user's row is locked, so a money
 * command that holds `lockUserForMoney` finishes first and every later one sees the new state. Freezing
 * notifies the user (message centre and SMS, without the reason), unfreezing too (message centre).
 */
export async function setUserStatus(
  db: Db,
  input: { userId: string; status: string; reason: string; outbox: Outbox },
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
): Promise<SetUserStatusResult> {
  if (!can(actor.staff, "users.manage")) return { ok: false, code: "forbidden" };
  const fields: Record<string, string[]> = {};
  const reason = input.reason.trim();
  const bad = reasonError(reason);
  if (bad) fields.reason = [bad];
  if (!(SETTABLE_USER_STATUSES as readonly string[]).includes(input.status)) fields.status = ["请选择状态"];
  if (!isId(input.userId)) return { ok: false, code: "not_found" };
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  const status = input.status as SettableUserStatus;
  return await transaction(db, async (tx): Promise<SetUserStatusResult> => {
    const [row] = await tx<{ id: string; status: string }[]>`
      select id, status from users where id = ${input.userId} for update`;
    if (!row) return { ok: false, code: "not_found" };
    if (row.status === status) return { ok: true, changed: false, sessionsEnded: 0 };
    if (row.status === "closed") return { ok: false, code: "already_closed" };
    if (status === "closed") {
      const b = await userBalances(tx, row.id);
      if (b.availableFen !== 0n || b.frozenFen !== 0n || b.rewardFen !== 0n) {
        return { ok: false, code: "has_balance" };
      }
    }
    await tx`
      update users set status = ${status}, status_reason = ${reason}, status_changed_at = now()
      where id = ${row.id}`;
    const sessionsEnded = status === "closed" ? await destroySessionsFor(tx, "user", row.id) : 0;
    // the user learns of a freeze and its end (not the staff's reason, which may be internal)
    if (status === "frozen") {
      await notify(tx, input.outbox, {
        userId: row.id,
        kind: "generic",
        payload: {
          title: "账户已冻结",
          body:
            `您的账户已被冻结，冻结期间可以登录查看，但不能充值、提现或出借。如有疑问请致电客服 ${SERVICE_PHONE}。`,
          channels: ["sms"],
        },
      });
    } else if (status === "active" && row.status === "frozen") {
      await notify(tx, input.outbox, {
        userId: row.id,
        kind: "generic",
        payload: { title: "账户已解除冻结", body: "您的账户已解除冻结，可正常使用全部功能。", channels: [] },
      });
    }
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "users.status",
      target: `user:${row.id}`,
      detail: { from: row.status, to: status, reason, sessionsEnded },
      ip: actor.ip,
    });
    return { ok: true, changed: true, sessionsEnded };
  });
}

/** Outcome of {@link addUserTag} / {@link removeUserTag}. */
export type UserTagResult =
  | { ok: true; changed: boolean }
  | { ok: false; code: "forbidden" | "not_found" | "tag_limit" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/** A tag as stored: trimmed, inner whitespace collapsed; `null` when empty or too long. */
export function normalizeTag(tag: string): string | null {
  const t = tag.trim().replace(/\s+/g, " ");
  const n = Array.from(t).length;
  return n >= 1 && n <= TAG_MAX_CHARS && !/[\p{Cc}]/u.test(t) ? t : null;
}

async function tagCommand(
  db: Db,
  input: { userId: string; tag: string },
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
  op: "add" | "remove",
): Promise<UserTagResult> {
  if (!can(actor.staff, "users.manage")) return { ok: false, code: "forbidden" };
  if (!isId(input.userId)) return { ok: false, code: "not_found" };
  const tag = normalizeTag(input.tag);
  if (!tag) return { ok: false, code: "invalid_input", fields: { tag: ["请输入标签（1–20 个字）"] } };
  return await transaction(db, async (tx: Tx): Promise<UserTagResult> => {
    const [user] = await tx<{ id: string }[]>`select id from users where id = ${input.userId} for update`;
    if (!user) return { ok: false, code: "not_found" };
    let changed: boolean;
    if (op === "add") {
      const [count] = await tx<
        { n: bigint }[]
      >`select count(*) as n from user_tags where user_id = ${user.id}`;
      const exists = await tx`select 1 from user_tags where user_id = ${user.id} and tag = ${tag}`;
      if (exists.length > 0) return { ok: true, changed: false };
      if (count.n >= BigInt(MAX_TAGS_PER_USER)) return { ok: false, code: "tag_limit" };
      await tx`insert into user_tags (user_id, tag, staff_id) values (${user.id}, ${tag}, ${actor.staff.id})`;
      changed = true;
    } else {
      const gone = await tx`delete from user_tags where user_id = ${user.id} and tag = ${tag} returning tag`;
      changed = gone.length > 0;
    }
    if (changed) {
      await appendAudit(tx, {
        staffId: actor.staff.id,
        action: op === "add" ? "users.tag_add" : "users.tag_remove",
        target: `user:${user.id}`,
        detail: { tag },
        ip: actor.ip,
      });
    }
    return { ok: true, changed };
  });
}

/**
 * 添加标签: put a tag (1–{@link TAG_MAX_CHARS} characters) on a user. Needs `users.manage`. Codes:
 * `forbidden`, `not_found`, `invalid_input`, `tag_limit` (at most {@link MAX_TAGS_PER_USER}). Audited as
 * `users.tag_add`; a tag the user has already changes nothing.
 */
export function addUserTag(
  db: Db,
  input: { userId: string; tag: string },
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
): Promise<UserTagResult> {
  return tagCommand(db, input, actor, "add");
}

/** 移除标签: the reverse of {@link addUserTag}, audited as `users.tag_remove`. Same codes but `tag_limit`. */
export function removeUserTag(
  db: Db,
  input: { userId: string; tag: string },
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
): Promise<UserTagResult> {
  return tagCommand(db, input, actor, "remove");
}
