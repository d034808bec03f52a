/**
 * Users (investors and borrowers): registration with phone + SMS code + password (+ invite code) and
 * log-in with phone + password.
 */
import { z } from "zod";
import { type FieldErrors, fieldErrorsFrom } from "../shared/field_errors.ts";
import { type Db, type Queryable, transaction } from "../../db/tx.ts";
import { recordAgreementAcceptance } from "./agreements.ts";
import { userDisplayName } from "./display_name.ts";
import type { PiiCipher } from "./pii.ts";
import { hashPassword, validatePassword } from "./password.ts";
import { INVALID_PHONE_MESSAGE, normalizePhone } from "./phone.ts";
import { SMS_CODE_MESSAGES, verifySmsCode } from "./sms_code.ts";

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
  password: z.string({ error: "请设置密码" }).superRefine((pw, ctx) => {
    for (const message of validatePassword(pw)) ctx.addIssue({ code: "custom", message });
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

/** Validate the register form, collecting every field's errors (including the password confirmation). */
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
  now?: Date;
  /** bcrypt cost (tests use 4). */
  bcryptCost?: number;
}

/** Outcome of {@link registerUser}. */
export type RegisterResult =
  | { ok: true; userId: string }
  | { ok: false; code: "invalid_input"; fields: FieldErrors<RegisterField> }
  | { ok: false; code: "invalid_code" | "expired_code" | "too_many_attempts" }
  | { ok: false; code: "phone_taken" };

/** Chinese messages for registration failures (field errors carry their own). */
export const REGISTER_MESSAGES = {
  invalid_input: "请检查填写的内容",
  invalid_code: SMS_CODE_MESSAGES.invalid_code,
  expired_code: SMS_CODE_MESSAGES.expired_code,
  too_many_attempts: SMS_CODE_MESSAGES.too_many_attempts,
  phone_taken: "该手机号已注册，请直接登录",
  invalid_invite_code: "邀请码不存在，请核对或不填",
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
 * Register an investor or borrower. In one transaction: check the phone is free, consume the SMS code
 * (purpose `register`), resolve the invite code, insert the user and the acceptance of the current
 * user agreement and privacy policy. The SMS code is consumed only when the user is created.
 */
export async function registerUser(
  db: Db,
  input: Record<string, unknown> & { ip: string | null },
  deps: AccountDeps,
): Promise<RegisterResult> {
  const parsed = parseRegisterInput(input);
  if (!parsed.ok) return { ok: false, code: "invalid_input", fields: parsed.fields };
  const data = parsed.data;
  const now = deps.now ?? new Date();
  const phoneHash = await deps.cipher.hash(data.phone);
  const phoneEnc = await deps.cipher.encrypt(data.phone);
  if (await isPhoneRegistered(db, phoneHash)) return { ok: false, code: "phone_taken" };
  let invitedBy: string | null = null;
  if (data.inviteCode) {
    const [inviter] = await db<
      { id: string }[]
    >`select id from users where invite_code = ${data.inviteCode}`;
    if (!inviter) {
      return {
        ok: false,
        code: "invalid_input",
        fields: { inviteCode: [REGISTER_MESSAGES.invalid_invite_code] },
      };
    }
    invitedBy = inviter.id;
  }
  const passwordHash = await hashPassword(data.password, { cost: deps.bcryptCost });

  return await transaction(db, async (tx, rollback): Promise<RegisterResult> => {
    const code = await verifySmsCode(tx, { phone: data.phone, purpose: "register", code: data.smsCode }, {
      cipher: deps.cipher,
      now,
    });
    // a wrong guess must be counted: return (commit) rather than roll back
    if (!code.ok) return { ok: false, code: code.code };
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
        return { ok: true, userId: row.id };
      }
      // registered concurrently: undo the code consumption
      if (await isPhoneRegistered(tx, phoneHash)) return rollback({ ok: false, code: "phone_taken" });
      // else the invite code collided: try another
    }
    throw new Error("could not generate a unique invite code");
  });
}

/** How many users have registered (the home page shows it). */
export async function countUsers(sql: Db): Promise<{ total: number; investors: number; borrowers: number }> {
  const [r] = await sql<{ total: number; investors: number; borrowers: number }[]>`
    select count(*)::int as total,
           count(*) filter (where kind = 'investor')::int as investors,
           count(*) filter (where kind = 'borrower')::int as borrowers
    from users`;
  return r;
}
