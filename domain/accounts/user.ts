/**
 * Users (investors and borrowers): registration with phone + SMS code + password (+ invite code) and
 * log-in with phone + password.
 */
import { rememberDevice, validDeviceId } from "./device.ts";
import { z } from "zod";
import { type FieldErrors, fieldErrorsFrom } from "../shared/field_errors.ts";
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import type { Outbox } from "../../db/outbox.ts";
import { notify } from "../messaging/notifications.ts";
import { recordAgreementAcceptance } from "./agreements.ts";
import { type CreatedSession, rotateSession } from "./session.ts";
import { userDisplayName } from "./display_name.ts";
import type { PiiCipher } from "./pii.ts";
import { hashPassword, PASSWORD_MESSAGES, passwordLengthProblems, validatePassword } from "./password.ts";
import { INVALID_PHONE_MESSAGE, normalizePhone } from "./phone.ts";
import { consumeQuotas, lockMinutes, type QuotaRule } from "./rate_limit.ts";
import { SMS_CODE_MESSAGES, verifySmsCode } from "./sms_code.ts";
import { phoneHashRef, type SecurityLog } from "../shared/security_log.ts";

/** User kinds. */
export const USER_KINDS = ["investor", "borrower"] as const;
/** A user kind. */
export type UserKind = typeof USER_KINDS[number];

/** Chinese labels of the kinds. */
export const USER_KIND_LABELS: Readonly<Record<UserKind, string>> = {
  investor: "出借人",
  borrower: "借款人",
};

/** The register form's field names, in form order. */
export const REGISTER_FIELDS = [
  "kind",
  "phone",
  "smsCode",
  "password",
  "passwordConfirm",
  "inviteCode",
  "acceptAgreements",
] as const;
/** A register form field. */
export type RegisterField = typeof REGISTER_FIELDS[number];

export type { FieldErrors } from "../shared/field_errors.ts";

const INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const INVITE_CODE_LENGTH = 8;
/** Fresh invite codes tried before giving up (a collision is already rare at 31^8 codes). */
const INVITE_CODE_ATTEMPTS = 5;

/**
 * The register form. Accepts what an HTML form posts (`acceptAgreements` as `"on"`, empty invite code)
 * as well as typed values. `passwordConfirm` is checked against `password` by {@link parseRegisterInput}.
 */
export const registerSchema = z.object({
  kind: z.enum(USER_KINDS, { error: "请选择注册身份（出借人或借款人）" }),
  phone: z.string({ error: INVALID_PHONE_MESSAGE }).transform((v, ctx) => {
    const phone = normalizePhone(v);
    if (!phone) {
      ctx.addIssue({ code: "custom", message: INVALID_PHONE_MESSAGE });
      return z.NEVER;
    }
    return phone;
  }),
  smsCode: z.string({ error: "请输入短信验证码" }).trim().regex(/^\d{6}$/, {
    error: "请输入 6 位数字短信验证码",
  }),
  // only the length here: the strength check (zxcvbn, tens of ms of CPU) runs in registerUser once the SMS
  // code is proven
  password: z.string({ error: "请设置密码" }).superRefine((pw, ctx) => {
    for (const p of passwordLengthProblems(pw)) {
      ctx.addIssue({ code: "custom", message: PASSWORD_MESSAGES[p.code] });
    }
  }),
  passwordConfirm: z.string().optional(),
  inviteCode: z.preprocess(
    (
      v,
    ) => (typeof v === "string" && v.trim() === ""
      ? undefined
      : typeof v === "string"
      ? v.trim().toUpperCase()
      : v),
    z.string().regex(/^[A-Z0-9]{4,16}$/, { error: "邀请码格式不正确，可不填" }).optional(),
  ),
  acceptAgreements: z.preprocess(
    (v) => v === true || v === "on" || v === "true" || v === "1",
    z.literal(true, { error: "请阅读并同意《用户协议》和《隐私政策》" }),
  ),
});

/** Parsed register form. */
export type RegisterData = z.output<typeof registerSchema>;

/**
 * Validate the register form, collecting every field's errors (including the password confirmation). The
 * password's length is checked here, its strength by {@link registerUser} after the SMS code.
 */
export function parseRegisterInput(
  raw: Record<string, unknown>,
): { ok: true; data: RegisterData } | { ok: false; fields: FieldErrors<RegisterField> } {
  const parsed = registerSchema.safeParse(raw);
  const fields: FieldErrors<RegisterField> = parsed.success ? {} : fieldErrorsFrom(parsed.error, "phone");
  const confirm = raw.passwordConfirm;
  if (confirm !== undefined && confirm !== raw.password) {
    (fields.passwordConfirm ??= []).push("两次输入的密码不一致");
  }
  if (!parsed.success || Object.keys(fields).length > 0) return { ok: false, fields };
  return { ok: true, data: parsed.data };
}

/** Dependencies of registration and log-in. */
export interface AccountDeps {
  cipher: PiiCipher;
  /** The welcome notification leaves through the outbox. */
  outbox: Outbox;
  now?: Date;
  /** bcrypt cost (tests use 4). */
  bcryptCost?: number;
  /** The password hasher (default `hashPassword`; tests count its calls). */
  hashPassword?: (password: string) => Promise<string>;
  /** Where registration's security events go (the request's log). */
  securityLog?: SecurityLog;
}

/** Registration attempts (forms that reach the SMS code check) per client IP: 20 in 15 minutes. */
export const REGISTER_PER_IP: QuotaRule = { limit: 20, windowSeconds: 900 };
/** Registration attempts per phone: 10 in 15 minutes (a code allows 5 guesses anyway). */
export const REGISTER_PER_PHONE: QuotaRule = { limit: 10, windowSeconds: 900 };

/** Outcome of {@link registerUser}. */
export type RegisterResult =
  | { ok: true; userId: string; session: CreatedSession }
  | { ok: false; code: "invalid_input"; fields: FieldErrors<RegisterField> }
  | { ok: false; code: "invalid_code" | "expired_code" | "too_many_attempts" }
  | { ok: false; code: "throttled"; retryAfterSeconds: number }
  | { ok: false; code: "phone_taken" };

/** Chinese messages for registration failures (field errors carry their own). */
export const REGISTER_MESSAGES = {
  invalid_input: "请检查填写的内容",
  invalid_code: SMS_CODE_MESSAGES.invalid_code,
  expired_code: SMS_CODE_MESSAGES.expired_code,
  too_many_attempts: SMS_CODE_MESSAGES.too_many_attempts,
  phone_taken: "该手机号已注册，请直接登录",
  invalid_invite_code: "邀请码不存在，请核对或不填",
  throttled: (retryAfterSeconds: number) =>
    `注册尝试过于频繁，请 ${lockMinutes(retryAfterSeconds)} 分钟后再试`,
} as const;

/**
 * Whether a user with this phone exists (any status). Takes the phone's look-up hash
 * (`PiiCipher.hash` of the normalised number), never the number itself.
 */
export async function isPhoneRegistered(sql: Queryable, phoneHash: string): Promise<boolean> {
  const [row] = await sql`select 1 from users where phone_hash = ${phoneHash} limit 1`;
  return row !== undefined;
}

/** What 我的账户 shows about the account itself. */
export interface AccountProfile {
  createdAt: Date;
  /** `null` for accounts made without one (e.g. imported). */
  inviteCode: string | null;
}

/** The registration time and invite code of a user, or `null` when there is no such user. */
export async function getAccountProfile(sql: Db, userId: string): Promise<AccountProfile | null> {
  const [row] = await sql<AccountProfile[]>`
    select created_at as "createdAt", invite_code as "inviteCode" from users where id = ${userId}`;
  return row ?? null;
}

/** A fresh invite code (8 characters without look-alikes: no I, L, O, 0, 1). */
export function generateInviteCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(INVITE_CODE_LENGTH));
  // 256 % 31 bias is negligible for an invite code (not a secret)
  return Array.from(bytes, (b) => INVITE_ALPHABET[b % INVITE_ALPHABET.length]).join("");
}

/**
 * The command 注册: register an investor or borrower and sign them in. Nothing about the phone, the invite
 * code or the password is revealed or computed before the SMS code is proven:
 * 1. the form's shape (cheap); then one transaction counts the attempt per IP and per phone
 *    ({@link REGISTER_PER_IP}, {@link REGISTER_PER_PHONE}; over the limit: `throttled`, nothing counted)
 *    and checks the code without using it up (a wrong guess is counted on the code);
 * 2. only then the password's strength (zxcvbn) and its bcrypt hash — both slow, outside any transaction;
 * 3. one transaction: consume the code (purpose `register`), refuse a registered phone (`phone_taken`,
 *    said only to whoever proved the code) or an unknown invite code (rolled back: the code stays good),
 *    insert the user with the acceptance of the current user agreement and privacy policy, publish the
 *    welcome notification and create the first session (replacing the one the browser carried).
 */
export async function registerUser(
  db: Db,
  input: Record<string, unknown> & {
    ip: string | null;
    userAgent?: string | null;
    /** The session id the browser still carries: replaced by the new user's session. */
    previousSessionId?: string | null;
    /** The browser's device id: the device used to register becomes a known device. */
    deviceId?: string | null;
  },
  deps: AccountDeps,
): Promise<RegisterResult> {
  const parsed = parseRegisterInput(input);
  if (!parsed.ok) return { ok: false, code: "invalid_input", fields: parsed.fields };
  const data = parsed.data;
  const now = deps.now ?? new Date();
  const log = deps.securityLog;
  const phoneHash = await deps.cipher.hash(data.phone);
  const ref = { subject: "user" as const, phoneHash: phoneHashRef(phoneHash) };
  const smsCode = { phone: data.phone, purpose: "register" as const, code: data.smsCode };

  type Refusal = Exclude<RegisterResult, { ok: true }>;
  const checked = await transaction(db, async (tx, rollback): Promise<Refusal | null> => {
    const quota = await consumeQuotas(tx, [
      [`register:${phoneHash}`, REGISTER_PER_PHONE],
      [input.ip ? `registerip:${input.ip}` : null, REGISTER_PER_IP],
    ], now);
    if (!quota.ok) {
      return rollback({ ok: false, code: "throttled", retryAfterSeconds: quota.retryAfterSeconds });
    }
    const code = await verifySmsCode(tx, smsCode, { cipher: deps.cipher, now, consume: false });
    // a wrong guess must be counted: return (commit) rather than roll back
    return code.ok ? null : { ok: false, code: code.code };
  });
  if (checked) {
    if (checked.code === "throttled") {
      log?.emit("register.throttled", { ...ref, retryAfterSeconds: checked.retryAfterSeconds });
    }
    return checked;
  }

  const weak = validatePassword(data.password, [data.phone]);
  if (weak.length > 0) {
    // one line: the rule, then zxcvbn's feedback (a field shows its first message)
    const message = weak.length > 1 ? `${weak[0]}。${weak.slice(1).join("")}` : weak[0];
    return { ok: false, code: "invalid_input", fields: { password: [message] } };
  }
  const phoneEnc = await deps.cipher.encrypt(data.phone);
  const passwordHash = await (deps.hashPassword ?? ((pw) => hashPassword(pw, { cost: deps.bcryptCost })))(
    data.password,
  );

  const result = await transaction(db, async (tx, rollback): Promise<RegisterResult> => {
    const code = await verifySmsCode(tx, smsCode, { cipher: deps.cipher, now });
    // used up meanwhile (a concurrent registration): nothing else happened, commit
    if (!code.ok) return { ok: false, code: code.code };
    if (await isPhoneRegistered(tx, phoneHash)) return { ok: false, code: "phone_taken" };
    let invitedBy: string | null = null;
    if (data.inviteCode) {
      const [inviter] = await tx<
        { id: string }[]
      >`select id from users where invite_code = ${data.inviteCode}`;
      // undo the code's use: the user corrects the invite code and submits the same code again
      if (!inviter) {
        return rollback({
          ok: false,
          code: "invalid_input",
          fields: { inviteCode: [REGISTER_MESSAGES.invalid_invite_code] },
        });
      }
      invitedBy = inviter.id;
    }
    for (let attempt = 0; attempt < INVITE_CODE_ATTEMPTS; attempt++) {
      const [row] = await tx<{ id: string }[]>`
        insert into users (kind, phone_enc, phone_hash, display_name, password_hash, invite_code, invited_by, created_at)
        values (${data.kind}, ${phoneEnc}, ${phoneHash}, ${
        userDisplayName(null, data.phone)
      }, ${passwordHash},
                ${generateInviteCode()}, ${invitedBy}, ${now})
        on conflict do nothing
        returning id`;
      if (row) {
        await recordAgreementAcceptance(tx, { userId: row.id, ip: input.ip, now });
        await notify(tx, deps.outbox, { userId: row.id, kind: "welcome" });
        await rememberDevice(tx, row.id, validDeviceId(input.deviceId), now);
        const session = await rotateSession(tx, input.previousSessionId, {
          subjectType: "user",
          subjectId: row.id,
          ip: input.ip,
          userAgent: input.userAgent ?? null,
          now,
        });
        return { ok: true, userId: row.id, session };
      }
      // registered concurrently: undo the code consumption
      if (await isPhoneRegistered(tx, phoneHash)) return rollback({ ok: false, code: "phone_taken" });
      // else the invite code collided: try another
    }
    throw new Error("could not generate a unique invite code");
  });
  if (result.ok) log?.emit("register.succeeded", { subject: "user", userId: result.userId });
  return result;
}

/** How many users have registered (the home page shows it). Counts are `bigint` (int8, exact). */
export async function countUsers(sql: Db): Promise<{ total: bigint; investors: bigint; borrowers: bigint }> {
  const [r] = await sql<{ total: bigint; investors: bigint; borrowers: bigint }[]>`
    select count(*) as total,
           count(*) filter (where kind = 'investor') as investors,
           count(*) filter (where kind = 'borrower') as borrowers
    from users`;
  return r;
}
