/**
 * 更换手机号 (phone change): the login password again, an SMS code to the old phone (purpose
 * `phone_change_old`) and one to the new phone (`phone_change_new`). Whether the new number belongs to
 * another account is said only after its code is proven (only its owner learns it). The new phone is stored
 * encrypted with its keyed hash (unique); other sessions end (this one continues under a new id); the old
 * phone gets an SMS, the account a notification (message centre + SMS to the new phone).
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, transaction } from "../../db/tx.ts";
import { signedSmsText, SMS_TOPIC } from "../gateways/sms.ts";
import { notify } from "../messaging/notifications.ts";
import { SERVICE_PHONE } from "../shared/brand.ts";
import { normalizePhone } from "./phone.ts";
import { maskPhone, type PiiCipher } from "./pii.ts";
import { loginPasswordProblem, userPhone } from "./reauth.ts";
import { type CreatedSession, renewUserSessions } from "./session.ts";
import { requestSmsCode, SMS_CODE_MESSAGES, throttledMessage, verifySmsCode } from "./sms_code.ts";

/** Chinese messages of the phone change. */
export const PHONE_CHANGE_MESSAGES = {
  invalid_phone: SMS_CODE_MESSAGES.invalid_phone,
  same_phone: "新手机号不能与当前手机号相同",
  phone_taken: "该手机号已被其他账户使用",
  code_required: "请输入 6 位数字短信验证码",
  password_required: "请输入登录密码",
} as const;

/** Outcome of {@link sendPhoneChangeCode}. */
export type SendPhoneChangeCodeResult =
  | { ok: true; resendAfterSeconds: number }
  | { ok: false; code: "invalid_phone" | "same_phone" | "throttled"; message: string };

/**
 * Send the code to the old phone (`which: "old"`) or to `newPhone` (`"new"`), within the SMS quotas. The
 * new number gets a code whether or not it is registered (the answer is the same).
 */
export async function sendPhoneChangeCode(
  db: Db,
  input: { userId: string; which: "old" | "new"; newPhone?: string; ip: string | null },
  deps: { outbox: Outbox; cipher: PiiCipher; now?: Date; generateCode?: () => string },
): Promise<SendPhoneChangeCodeResult> {
  const current = await userPhone(db, deps.cipher, input.userId);
  if (!current) return { ok: false, code: "invalid_phone", message: PHONE_CHANGE_MESSAGES.invalid_phone };
  let phone = current;
  if (input.which === "new") {
    const typed = normalizePhone(input.newPhone ?? "");
    if (!typed) return { ok: false, code: "invalid_phone", message: PHONE_CHANGE_MESSAGES.invalid_phone };
    if (typed === current) {
      return { ok: false, code: "same_phone", message: PHONE_CHANGE_MESSAGES.same_phone };
    }
    phone = typed;
  }
  const sent = await requestSmsCode(db, {
    phone,
    purpose: input.which === "old" ? "phone_change_old" : "phone_change_new",
    ip: input.ip,
  }, deps);
  if (sent.ok) return { ok: true, resendAfterSeconds: sent.resendAfterSeconds };
  if (sent.code === "throttled") {
    return { ok: false, code: "throttled", message: throttledMessage(sent.retryAfterSeconds) };
  }
  return { ok: false, code: "invalid_phone", message: PHONE_CHANGE_MESSAGES.invalid_phone };
}

/** Outcome of {@link changePhone}. */
export type ChangePhoneResult =
  | { ok: true; session: CreatedSession; phoneMasked: string }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> }
  | { ok: false; code: "not_found" };

/**
 * The command 更换手机号. Checks the login password (rate-limited), then in one transaction both codes
 * (wrong guesses are counted on the codes), the new number's uniqueness, stores it, ends every session of
 * the user and opens a new one for this browser, sends the old phone an SMS and notifies the account.
 *
 * Codes: `invalid_input` (fields: loginPassword, oldCode, newPhone, newCode), `not_found`.
 */
export async function changePhone(
  db: Db,
  input: {
    userId: string;
    loginPassword: string;
    oldCode: string;
    newPhone: string;
    newCode: string;
    ip: string | null;
    userAgent: string | null;
  },
  deps: { cipher: PiiCipher; outbox: Outbox; now?: Date },
): Promise<ChangePhoneResult> {
  const now = deps.now ?? new Date();
  const current = await userPhone(db, deps.cipher, input.userId);
  if (!current) return { ok: false, code: "not_found" };
  const newPhone = normalizePhone(input.newPhone ?? "");
  const oldCode = input.oldCode.trim();
  const newCode = input.newCode.trim();
  const fields: Record<string, string[]> = {};
  if (input.loginPassword === "") fields.loginPassword = [PHONE_CHANGE_MESSAGES.password_required];
  if (!/^\d{6}$/.test(oldCode)) fields.oldCode = [PHONE_CHANGE_MESSAGES.code_required];
  if (!newPhone) fields.newPhone = [PHONE_CHANGE_MESSAGES.invalid_phone];
  else if (newPhone === current) fields.newPhone = [PHONE_CHANGE_MESSAGES.same_phone];
  if (!/^\d{6}$/.test(newCode)) fields.newCode = [PHONE_CHANGE_MESSAGES.code_required];
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  const wrong = await loginPasswordProblem(
    db,
    { userId: input.userId, password: input.loginPassword, field: "loginPassword" },
    now,
  );
  if (wrong) return wrong;
  const newHash = await deps.cipher.hash(newPhone!);
  const newEnc = await deps.cipher.encrypt(newPhone!);
  return await transaction(db, async (tx, rollback): Promise<ChangePhoneResult> => {
    const old = await verifySmsCode(tx, { phone: current, purpose: "phone_change_old", code: oldCode }, {
      cipher: deps.cipher,
      now,
    });
    const fresh = await verifySmsCode(tx, { phone: newPhone!, purpose: "phone_change_new", code: newCode }, {
      cipher: deps.cipher,
      now,
      consume: old.ok,
    });
    if (!old.ok || !fresh.ok) {
      // wrong guesses are counted (commit); a right code stays usable only when it was not consumed
      const f: Record<string, string[]> = {};
      if (!old.ok) f.oldCode = [SMS_CODE_MESSAGES[old.code]];
      if (!fresh.ok) f.newCode = [SMS_CODE_MESSAGES[fresh.code]];
      if (old.ok) return rollback({ ok: false, code: "invalid_input", fields: f });
      return { ok: false, code: "invalid_input", fields: f };
    }
    const [taken] = await tx`select 1 from users where phone_hash = ${newHash}`;
    if (taken) {
      return { ok: false, code: "invalid_input", fields: { newPhone: [PHONE_CHANGE_MESSAGES.phone_taken] } };
    }
    await tx`update users set phone_enc = ${newEnc}, phone_hash = ${newHash} where id = ${input.userId}`;
    const { session } = await renewUserSessions(tx, {
      userId: input.userId,
      ip: input.ip,
      userAgent: input.userAgent,
      now,
    });
    await deps.outbox.publish(tx, {
      topic: SMS_TOPIC,
      secret: {
        to: current,
        text: signedSmsText(
          `您的账户绑定手机号已更换为 ${
            maskPhone(newPhone!)
          }，本号码不再接收账户短信。如非本人操作，请立即致电 ${SERVICE_PHONE}。`,
        ),
      },
      dedupeKey: `phone_changed:${input.userId}:${crypto.randomUUID()}`,
    });
    await notify(tx, deps.outbox, {
      userId: input.userId,
      kind: "generic",
      payload: {
        title: "手机号已更换",
        body: `您的账户绑定手机号已由 ${maskPhone(current)} 更换为 ${
          maskPhone(newPhone!)
        }。如非本人操作，请立即联系客服。`,
        channels: ["sms"],
      },
    });
    return { ok: true, session, phoneMasked: maskPhone(newPhone!) };
  });
}
