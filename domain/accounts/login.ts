/**
 * User log-in (登录): with phone and password, through the shared log-in core; or with an SMS code
 * (短信验证码登录 / 解锁), which also lifts the account's password lock — the owner of a phone can always get
 * in, however many wrong passwords someone else typed for it (ASVS 6.1.1).
 * @module
 */
import { type Db, transaction } from "../../db/tx.ts";
import type { Outbox } from "../../db/outbox.ts";
import { userDisplayName } from "./display_name.ts";
import {
  authenticate,
  type LockScope,
  type LoginAccount,
  loginFailureMessage,
  networkLockedMessage,
} from "./login_core.ts";
import { normalizePhone } from "./phone.ts";
import { maskPhone, type PiiCipher } from "./pii.ts";
import { consumeQuotas, lockMinutes, type LockoutRule, type QuotaRule, resetFailures } from "./rate_limit.ts";
import { canLogIn, rotateSession } from "./session.ts";
import { type DeviceCheck, deviceSecondStep, rememberDevice } from "./device.ts";
import type { SessionUser } from "./session_subject.ts";
import {
  requestSmsCode,
  SMS_CODE_MESSAGES,
  type SmsCodeDeps,
  type SmsPurpose,
  throttledMessage,
  verifySmsCode,
} from "./sms_code.ts";
import { phoneHashRef, type SecurityEventFields, type SecurityLog } from "../shared/security_log.ts";

/** Failed logins per account: 5 in 15 minutes locks it for 15 minutes. */
export const ACCOUNT_LOCKOUT: LockoutRule = { maxFailures: 5, windowSeconds: 900, lockSeconds: 900 };

/** Outcome of {@link loginUser}. */
export type LoginResult =
  | { ok: true; sessionId: string; expiresAt: Date; user: SessionUser }
  | { ok: false; code: "invalid_credentials"; remainingAttempts: number }
  | { ok: false; code: "locked"; retryAfterSeconds: number; scope: LockScope }
  | { ok: false; code: "account_disabled" };

/** Chinese messages for log-in outcomes. `locked` takes the minutes left and which key is locked. */
export const LOGIN_MESSAGES = {
  invalid_credentials: (remainingAttempts: number) =>
    remainingAttempts > 0 ? `手机号或密码错误，还可尝试 ${remainingAttempts} 次` : "手机号或密码错误",
  locked: (retryAfterSeconds: number, scope: LockScope = "account") =>
    scope === "ip"
      ? networkLockedMessage(retryAfterSeconds)
      : `账户已锁定，请 ${lockMinutes(retryAfterSeconds)} 分钟后再试`,
  account_disabled: () => "该账户已停用，请联系客服",
} as const;

/** The Chinese message for a failed log-in. */
export function loginErrorMessage(result: Exclude<LoginResult, { ok: true }>): string {
  return loginFailureMessage(LOGIN_MESSAGES, result);
}

/** Dependencies of {@link loginUser}. */
export interface LoginDeps {
  cipher: PiiCipher;
  now?: Date;
  /** Where the log-in's security events go (the request's log). */
  securityLog?: SecurityLog;
}

type UserRow = LoginAccount & {
  kind: "investor" | "borrower";
  displayName: string | null;
  phoneEnc?: Uint8Array;
};

/** How security events name a user: the id when known, else the phone's keyed hash (never the phone). */
function userRef(account: { id: string } | null, phoneHash: string | null): SecurityEventFields {
  if (account) return { subject: "user", userId: account.id };
  return phoneHash ? { subject: "user", phoneHash: phoneHashRef(phoneHash) } : { subject: "user" };
}

/** What a phone + password log-in gets; `previousSessionId` is the browser's session before it. */
export interface PasswordLoginInput {
  phone: string;
  password: string;
  ip: string | null;
  userAgent: string | null;
  previousSessionId?: string | null;
}

/**
 * Log in with phone and password (5 failures per account / 20 per IP in 15 minutes lock for 15 minutes;
 * see `authenticate` for how attempts are counted). On success `previousSessionId` (if any) is destroyed
 * and a new session created.
 */
export async function loginUser(
  db: Db,
  input: PasswordLoginInput,
  deps: LoginDeps,
): Promise<LoginResult> {
  const result = await passwordLogin(db, input, deps, null);
  if (!result.ok && result.code === "device_unconfirmed") throw new Error("unreachable: no device check");
  return result as LoginResult;
}

/** Outcome of {@link loginUserOnDevice}: {@link LoginResult}, or the new-device step. */
export type DeviceLoginResult =
  | LoginResult
  | { ok: false; code: "device_unconfirmed"; pendingId: string; expiresAt: Date };

/**
 * {@link loginUser} from a browser with a device id (the `/login` page): a right password from a device
 * this user has not logged in from does not create a session — it answers `device_unconfirmed` with a
 * pending step (its id goes into a short-lived cookie) and sends an SMS code to the account's phone
 * (`confirmDeviceLogin` in device.ts finishes it). From a known device it is {@link loginUser}.
 */
export async function loginUserOnDevice(
  db: Db,
  input: PasswordLoginInput & { deviceId: string; nextPath?: string | null },
  deps: LoginDeps & { outbox: Outbox },
): Promise<DeviceLoginResult> {
  return await passwordLogin(db, input, deps, {
    deviceId: input.deviceId,
    outbox: deps.outbox,
    cipher: deps.cipher,
    nextPath: input.nextPath ?? null,
    ip: input.ip,
    userAgent: input.userAgent,
    now: deps.now ?? new Date(),
  });
}

async function passwordLogin(
  db: Db,
  input: PasswordLoginInput,
  deps: LoginDeps,
  device: DeviceCheck | null,
): Promise<DeviceLoginResult> {
  const phone = normalizePhone(String(input.phone ?? ""));
  const phoneHash = phone ? await deps.cipher.hash(phone) : null;
  const result = await authenticate<UserRow>(db, {
    subjectType: "user",
    accountKey: phoneHash ? accountLockKey(phoneHash) : null,
    accountRule: ACCOUNT_LOCKOUT,
    ip: input.ip,
    userAgent: input.userAgent,
    password: String(input.password ?? ""),
    previousSessionId: input.previousSessionId,
    now: deps.now ?? new Date(),
    securityLog: deps.securityLog,
    accountRef: (account) => userRef(account, phoneHash),
    find: async (q) => {
      if (!phoneHash) return null;
      const [row] = await q<UserRow[]>`
        select id, kind, display_name as "displayName", password_hash as "passwordHash", status,
          phone_enc as "phoneEnc"
        from users where phone_hash = ${phoneHash}`;
      return row ?? null;
    },
    secondStep: device ? (tx, account) => deviceSecondStep(tx, account, device) : undefined,
  });
  if (!result.ok) return result;
  const { account, session, pending } = result;
  if (pending) {
    return {
      ok: false,
      code: "device_unconfirmed",
      pendingId: pending.pendingId,
      expiresAt: pending.expiresAt,
    };
  }
  return {
    ok: true,
    sessionId: session.sessionId,
    expiresAt: session.expiresAt,
    user: sessionUser(account, phone!),
  };
}

/** The rate-limit key of a user's failed password log-ins (the account lock). */
export function accountLockKey(phoneHash: string): string {
  return `acct:${phoneHash}`;
}

function sessionUser(account: UserRow, phone: string): SessionUser {
  return {
    id: account.id,
    kind: account.kind,
    phoneMasked: maskPhone(phone),
    displayName: userDisplayName(account.displayName, phone),
    status: account.status === "frozen" ? "frozen" : "active",
  };
}

// ---------------------------------------------------------------------------------------------------------
// 短信验证码登录 / 解锁

/** SMS log-in attempts (code checks) per client IP: 20 in 15 minutes. */
export const SMS_LOGIN_PER_IP: QuotaRule = { limit: 20, windowSeconds: 900 };
/**
 * SMS log-in attempts per phone *from one IP*: 10 in 15 minutes. Not per phone alone: then anyone could
 * use up the owner's attempts and keep them out — the very lockout this path exists to get around. Guessing
 * is bounded by the code itself (5 wrong guesses kill it; ≤ 10 codes per phone per day).
 */
export const SMS_LOGIN_PER_PHONE_AND_IP: QuotaRule = { limit: 10, windowSeconds: 900 };

/** Outcome of {@link loginUserWithSmsCode}. */
export type SmsLoginResult =
  | { ok: true; sessionId: string; expiresAt: Date; user: SessionUser; unlocked: boolean }
  | { ok: false; code: "invalid_phone" | "invalid_code" | "expired_code" | "too_many_attempts" }
  | { ok: false; code: "throttled"; retryAfterSeconds: number }
  | { ok: false; code: "account_disabled" };

/** Chinese messages for SMS log-in failures. */
export const SMS_LOGIN_MESSAGES = {
  invalid_phone: SMS_CODE_MESSAGES.invalid_phone,
  invalid_code: SMS_CODE_MESSAGES.invalid_code,
  expired_code: SMS_CODE_MESSAGES.expired_code,
  too_many_attempts: SMS_CODE_MESSAGES.too_many_attempts,
  throttled: (retryAfterSeconds: number) =>
    `登录尝试过于频繁，请 ${lockMinutes(retryAfterSeconds)} 分钟后再试`,
  account_disabled: LOGIN_MESSAGES.account_disabled(),
} as const;

/**
 * The command 短信验证码登录 / 解锁: log in with the phone and an SMS code (purpose `login`). The code
 * proves the phone, so it **logs the user in and clears the account's password lock** (`acct:` key) in one
 * transaction with consuming the code and rotating the session; the per-IP password lock is left alone (it
 * is about the network, and this path does not check passwords). Attempts are limited per IP and per phone
 * from that IP; a wrong code is counted on the code (5 wrong guesses kill it). An unregistered phone never has a
 * login code ({@link sendLoginSmsCode} sends none), so it answers `invalid_code` like any wrong code.
 */
export async function loginUserWithSmsCode(
  db: Db,
  input: {
    phone: string;
    code: string;
    ip: string | null;
    userAgent: string | null;
    previousSessionId?: string | null;
    /** The browser's device id: the code proves the phone, so the device becomes known. */
    deviceId?: string | null;
  },
  deps: LoginDeps,
): Promise<SmsLoginResult> {
  const phone = normalizePhone(String(input.phone ?? ""));
  if (!phone) return { ok: false, code: "invalid_phone" };
  const now = deps.now ?? new Date();
  const phoneHash = await deps.cipher.hash(phone);
  const log = deps.securityLog;
  // the outcome, and the account it concerns (for the security log)
  type Attempt = { result: SmsLoginResult; userId: string | null };
  const fail = (result: SmsLoginResult, userId: string | null = null): Attempt => ({ result, userId });
  const { result, userId } = await transaction(db, async (tx, rollback): Promise<Attempt> => {
    const quota = await consumeQuotas(tx, [
      [`smslogin:${phoneHash}:${input.ip ?? ""}`, SMS_LOGIN_PER_PHONE_AND_IP],
      [input.ip ? `smsloginip:${input.ip}` : null, SMS_LOGIN_PER_IP],
    ], now);
    if (!quota.ok) {
      return rollback(fail({ ok: false, code: "throttled", retryAfterSeconds: quota.retryAfterSeconds }));
    }
    const code = await verifySmsCode(tx, { phone, purpose: "login", code: String(input.code ?? "").trim() }, {
      cipher: deps.cipher,
      now,
    });
    // a wrong guess is counted: commit
    if (!code.ok) return fail({ ok: false, code: code.code });
    const [account] = await tx<UserRow[]>`
      select id, kind, display_name as "displayName", password_hash as "passwordHash", status
      from users where phone_hash = ${phoneHash}`;
    if (!account) return fail({ ok: false, code: "invalid_code" });
    if (!canLogIn(account.status)) return fail({ ok: false, code: "account_disabled" }, account.id);
    const [lock] = await tx<{ locked: boolean }[]>`
      select locked_until > ${now} as locked from rate_limits where key = ${accountLockKey(phoneHash)}`;
    await resetFailures(tx, accountLockKey(phoneHash));
    await rememberDevice(tx, account.id, input.deviceId ?? null, now);
    const session = await rotateSession(tx, input.previousSessionId, {
      subjectType: "user",
      subjectId: account.id,
      ip: input.ip,
      userAgent: input.userAgent,
      now,
    });
    return {
      result: {
        ok: true,
        sessionId: session.sessionId,
        expiresAt: session.expiresAt,
        user: sessionUser(account, phone),
        unlocked: lock?.locked === true,
      },
      userId: account.id,
    };
  });
  if (result.ok) {
    if (result.unlocked) {
      log?.emit("login.unlocked", { subject: "user", userId: result.user.id, method: "sms" });
    }
    log?.emit("login.succeeded", { subject: "user", userId: result.user.id, method: "sms" });
    return result;
  }
  log?.emit("login.failed", {
    ...userRef(userId ? { id: userId } : null, phoneHash),
    method: "sms",
    reason: result.code,
    ...(result.code === "throttled" ? { retryAfterSeconds: result.retryAfterSeconds } : {}),
  });
  return result;
}

/** Outcome of {@link sendLoginSmsCode}: the same for every valid phone, registered or not. */
export type SendLoginCodeOutcome =
  | { ok: true; resendAfterSeconds: number }
  | { ok: false; code: "invalid_phone"; message: string }
  | { ok: false; code: "throttled"; message: string; retryAfterSeconds: number };

/**
 * Send a log-in code to `rawPhone`: within the usual SMS quotas (per phone and purpose, per phone per day,
 * per IP), a registered phone gets a code; an unregistered one gets nothing, and the answer is the same
 * (「验证码已发送」), so nobody learns whether a phone has an account.
 */
export async function sendLoginSmsCode(
  db: Db,
  input: { rawPhone: string; ip: string | null },
  deps: { outbox: Outbox; cipher: PiiCipher; now?: Date },
): Promise<SendLoginCodeOutcome> {
  return await sendRegisteredPhoneCode(db, { ...input, purpose: "login" }, deps);
}

/**
 * Send a `purpose` code to `rawPhone` only if it is registered (log-in, 找回密码), within the usual SMS
 * quotas; the answer is the same either way, so nobody learns whether a phone has an account.
 */
export async function sendRegisteredPhoneCode(
  db: Db,
  input: { rawPhone: string; ip: string | null; purpose: SmsPurpose },
  deps: SmsCodeDeps,
): Promise<SendLoginCodeOutcome> {
  const phone = normalizePhone(input.rawPhone);
  if (!phone) return { ok: false, code: "invalid_phone", message: SMS_CODE_MESSAGES.invalid_phone };
  const sent = await requestSmsCode(db, {
    phone,
    purpose: input.purpose,
    ip: input.ip,
    delivery: async (tx, phoneHash) => {
      const [row] = await tx`select 1 from users where phone_hash = ${phoneHash} limit 1`;
      return row ? { kind: "code" } : { kind: "none" };
    },
  }, deps);
  if (sent.ok) return { ok: true, resendAfterSeconds: sent.resendAfterSeconds };
  if (sent.code === "throttled") {
    return {
      ok: false,
      code: "throttled",
      message: throttledMessage(sent.retryAfterSeconds),
      retryAfterSeconds: sent.retryAfterSeconds,
    };
  }
  return { ok: false, code: "invalid_phone", message: SMS_CODE_MESSAGES.invalid_phone };
}
