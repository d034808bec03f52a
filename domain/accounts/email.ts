/**
 * 绑定邮箱 (e-mail binding): the user asks to bind an address (login password again); a single-use link,
 * valid 24 hours, goes out through the e-mail gateway (outbox `email.send`); only the SHA-256 of its token
 * is stored. Opening the link and confirming binds the address (encrypted, keyed hash unique across users)
 * and supersedes other pending links. The address can be changed (a new link) or unbound (login password).
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import { EMAIL_TOPIC, isEmailAddress } from "../gateways/email.ts";
import { notify } from "../messaging/notifications.ts";
import { PLATFORM_NAME } from "../shared/brand.ts";
import { type PiiCipher, sha256Hex } from "./pii.ts";
import { consumeQuota, type QuotaRule } from "./rate_limit.ts";
import { loginPasswordProblem } from "./reauth.ts";
import { newSessionId } from "./session.ts";

/** Lifetime of a confirmation link. */
export const EMAIL_LINK_TTL_SECONDS = 24 * 3600;
/** Binding requests per user: 5 per hour. */
export const EMAIL_REQUESTS_PER_USER: QuotaRule = { limit: 5, windowSeconds: 3600 };

/** Chinese messages of e-mail binding. */
export const EMAIL_MESSAGES = {
  invalid_email: "请输入正确的电子邮箱地址",
  same_email: "该邮箱已是您绑定的邮箱",
  email_taken: "该邮箱已被其他账户绑定",
  throttled: "发送过于频繁，请 1 小时后再试",
  invalid_token: "链接无效或已使用，请重新发起绑定",
  expired_token: "链接已过期（24 小时内有效），请重新发起绑定",
  not_bound: "尚未绑定邮箱",
} as const;

/** Lower-cased, trimmed address, or `null` when it is not one. */
export function normalizeEmail(raw: string): string | null {
  const e = raw.trim().toLowerCase();
  return e.length <= 254 && isEmailAddress(e) ? e : null;
}

/** 「zh***@example.com」: the first two characters of the local part, the domain in full. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 0) return "***";
  const local = email.slice(0, at);
  return `${Array.from(local).slice(0, Math.min(2, Math.max(1, local.length - 1))).join("")}***${
    email.slice(at)
  }`;
}

function emailHash(cipher: PiiCipher, email: string): Promise<string> {
  return cipher.hash(`email:${email}`);
}

/** The bound address (decrypted) and since when, or `null`. */
export async function boundEmail(
  db: Queryable,
  cipher: PiiCipher,
  userId: string,
): Promise<{ email: string; verifiedAt: Date } | null> {
  const [row] = await db<{ emailEnc: Uint8Array | null; verifiedAt: Date | null }[]>`
    select email_enc as "emailEnc", email_verified_at as "verifiedAt" from users where id = ${userId}`;
  if (!row?.emailEnc || !row.verifiedAt) return null;
  return { email: await cipher.decrypt(row.emailEnc), verifiedAt: row.verifiedAt };
}

/** Outcome of {@link requestEmailBinding}. */
export type RequestEmailBindingResult =
  | { ok: true; expiresAt: Date }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/**
 * The command 发送绑定邮件: check the login password, the address (valid, not the bound one, not bound
 * to another user) and the quota ({@link EMAIL_REQUESTS_PER_USER}); store the token's hash and publish the
 * e-mail with the link `linkFor(token)` in one transaction.
 *
 * Codes: `invalid_input` (fields: email, loginPassword).
 */
export async function requestEmailBinding(
  db: Db,
  input: { userId: string; email: string; loginPassword: string },
  deps: { cipher: PiiCipher; outbox: Outbox; linkFor: (token: string) => string; now?: Date },
): Promise<RequestEmailBindingResult> {
  const now = deps.now ?? new Date();
  const email = normalizeEmail(input.email);
  const fields: Record<string, string[]> = {};
  if (!email) fields.email = [EMAIL_MESSAGES.invalid_email];
  if (input.loginPassword === "") fields.loginPassword = ["请输入登录密码"];
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  const wrong = await loginPasswordProblem(
    db,
    { userId: input.userId, password: input.loginPassword, field: "loginPassword" },
    now,
  );
  if (wrong) return wrong;
  const hash = await emailHash(deps.cipher, email!);
  const emailEnc = await deps.cipher.encrypt(email!);
  const token = newSessionId();
  const tokenHash = await sha256Hex(token);
  const expiresAt = new Date(now.getTime() + EMAIL_LINK_TTL_SECONDS * 1000);
  return await transaction(db, async (tx, rollback): Promise<RequestEmailBindingResult> => {
    const [owner] = await tx<{ id: string }[]>`select id from users where email_hash = ${hash}`;
    if (owner) {
      const message = owner.id === input.userId ? EMAIL_MESSAGES.same_email : EMAIL_MESSAGES.email_taken;
      return { ok: false, code: "invalid_input", fields: { email: [message] } };
    }
    const quota = await consumeQuota(tx, `emailbind:${input.userId}`, EMAIL_REQUESTS_PER_USER, now);
    if (!quota.ok) {
      return rollback({ ok: false, code: "invalid_input", fields: { email: [EMAIL_MESSAGES.throttled] } });
    }
    const [row] = await tx<{ id: string }[]>`
      insert into email_bindings (user_id, email_enc, email_hash, token_hash, expires_at, created_at)
      values (${input.userId}, ${emailEnc}, ${hash}, ${tokenHash}, ${expiresAt}, ${now})
      returning id`;
    await deps.outbox.publish(tx, {
      topic: EMAIL_TOPIC,
      secret: {
        to: email!,
        subject: `【${PLATFORM_NAME}】请确认绑定邮箱`,
        text: `您好！请在 24 小时内打开以下链接，确认将本邮箱绑定到您的${PLATFORM_NAME}账户：\n${
          deps.linkFor(token)
        }\n链接仅可使用一次。如非本人操作，请忽略本邮件。`,
      },
      dedupeKey: `email_binding:${row.id}`,
      expiresAt,
    });
    return { ok: true, expiresAt };
  });
}

/** Outcome of {@link confirmEmailBinding}. */
export type ConfirmEmailBindingResult =
  | { ok: true; userId: string; email: string }
  | { ok: false; code: "invalid_token" | "expired_token" | "email_taken" };

/**
 * The command 确认绑定邮箱: use the link's token once (a conditional update, so two clicks cannot both
 * bind), bind the address, supersede the user's other pending links and notify the user.
 *
 * Codes: `invalid_token` (unknown, used or superseded), `expired_token`, `email_taken` (bound meanwhile by
 * another user).
 */
export async function confirmEmailBinding(
  db: Db,
  input: { token: string },
  deps: { cipher: PiiCipher; outbox: Outbox; now?: Date },
): Promise<ConfirmEmailBindingResult> {
  const now = deps.now ?? new Date();
  if (!/^[A-Za-z0-9_-]{43}$/.test(input.token)) return { ok: false, code: "invalid_token" };
  const tokenHash = await sha256Hex(input.token);
  return await transaction(db, async (tx, rollback): Promise<ConfirmEmailBindingResult> => {
    const [b] = await tx<
      {
        id: string;
        userId: string;
        emailEnc: Uint8Array;
        emailHash: string;
        expiresAt: Date;
        usedAt: Date | null;
      }[]
    >`
      select id, user_id as "userId", email_enc as "emailEnc", email_hash as "emailHash",
        expires_at as "expiresAt", used_at as "usedAt"
      from email_bindings where token_hash = ${tokenHash} for update`;
    if (!b || b.usedAt) return { ok: false, code: "invalid_token" };
    if (b.expiresAt <= now) return { ok: false, code: "expired_token" };
    const [taken] = await tx`select 1 from users where email_hash = ${b.emailHash} and id <> ${b.userId}`;
    if (taken) return rollback({ ok: false, code: "email_taken" });
    await tx`update email_bindings set used_at = ${now} where user_id = ${b.userId} and used_at is null`;
    await tx`
      update users set email_enc = ${b.emailEnc}, email_hash = ${b.emailHash}, email_verified_at = ${now}
      where id = ${b.userId}`;
    await notify(tx, deps.outbox, {
      userId: b.userId,
      kind: "generic",
      payload: {
        title: "邮箱已绑定",
        body: "您的账户已成功绑定新的电子邮箱。如非本人操作，请立即联系客服。",
      },
    });
    return { ok: true, userId: b.userId, email: await deps.cipher.decrypt(b.emailEnc) };
  });
}

/** Outcome of {@link unbindEmail}. */
export type UnbindEmailResult =
  | { ok: true }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> }
  | { ok: false; code: "not_bound" };

/** The command 解绑邮箱: check the login password, clear the address, cancel pending links, notify. */
export async function unbindEmail(
  db: Db,
  input: { userId: string; loginPassword: string },
  deps: { outbox: Outbox; now?: Date },
): Promise<UnbindEmailResult> {
  const now = deps.now ?? new Date();
  if (input.loginPassword === "") {
    return { ok: false, code: "invalid_input", fields: { loginPassword: ["请输入登录密码"] } };
  }
  const wrong = await loginPasswordProblem(
    db,
    { userId: input.userId, password: input.loginPassword, field: "loginPassword" },
    now,
  );
  if (wrong) return wrong;
  return await transaction(db, async (tx): Promise<UnbindEmailResult> => {
    const rows = await tx`
      update users set email_enc = null, email_hash = null, email_verified_at = null
      where id = ${input.userId} and email_hash is not null returning id`;
    if (rows.length === 0) return { ok: false, code: "not_bound" };
    await tx`update email_bindings set used_at = ${now} where user_id = ${input.userId} and used_at is null`;
    await notify(tx, deps.outbox, {
      userId: input.userId,
      kind: "generic",
      payload: {
        title: "邮箱已解绑",
        body: "您的账户已解绑电子邮箱。如非本人操作，请立即联系客服。",
        channels: ["sms"],
      },
    });
    return { ok: true };
  });
}
