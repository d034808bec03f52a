/**
 * 新设备登录验证: every browser gets a long-lived random device id (cookie); the devices a user has logged
 * in from are remembered as SHA-256 hashes (`known_devices`). A password log-in from a device the user has
 * not used yet does not create a session: it opens a pending step and sends an SMS code to the account's
 * phone; the code proves the phone, the device becomes known and the session is created. Registering, or
 * logging in with an SMS code, makes the device known (the phone was proven there).
 * @module
 */
import type { Outbox } from "../../db/outbox.ts";
import { type Db, transaction, type Tx } from "../../db/tx.ts";
import { userDisplayName } from "./display_name.ts";
import {
  countPendingFailure,
  type CreatedPending,
  createPendingLogin,
  endPendingLogin,
  loadPendingLogin,
} from "./pending_login.ts";
import { maskPhone, type PiiCipher, sha256Hex } from "./pii.ts";
import { canLogIn, newSessionId, rotateSession } from "./session.ts";
import type { SessionUser } from "./session_subject.ts";
import { issueSmsCodeInTx, SMS_CODE_MESSAGES, throttledMessage, verifySmsCode } from "./sms_code.ts";
import type { SecurityLog } from "../shared/security_log.ts";

/** The device cookie lives 400 days (the longest browsers keep a cookie). */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 400 * 24 * 3600;

const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The device cookie's name: `__Host-` prefixed when cookies are Secure. */
export function deviceCookieName(secure: boolean): string {
  return secure ? "__Host-did" : "did";
}

/** A well-formed device id from a cookie, or `null`. */
export function validDeviceId(raw: string | null | undefined): string | null {
  return raw && DEVICE_ID_PATTERN.test(raw) ? raw : null;
}

/** A new random device id. */
export function newDeviceId(): string {
  return newSessionId();
}

/** What `known_devices` stores for a device id. */
export function deviceHash(deviceId: string): Promise<string> {
  return sha256Hex(`device:${deviceId}`);
}

/** Remember a device for a user (inside the caller's transaction); refreshes `last_seen_at`. */
export async function rememberDevice(
  tx: Tx,
  userId: string,
  deviceId: string | null,
  now: Date,
): Promise<void> {
  if (!deviceId) return;
  await tx`
    insert into known_devices (user_id, device_hash, created_at, last_seen_at)
    values (${userId}, ${await deviceHash(deviceId)}, ${now}, ${now})
    on conflict (user_id, device_hash) do update set last_seen_at = excluded.last_seen_at`;
}

/** What the password log-in needs to check the device. */
export interface DeviceCheck {
  /** The browser's device id (the route makes one when the cookie is missing). */
  deviceId: string;
  outbox: Outbox;
  cipher: PiiCipher;
  nextPath?: string | null;
  ip: string | null;
  userAgent: string | null;
  now: Date;
}

/**
 * The second step of a password log-in (inside its transaction): a known device refreshes its
 * `last_seen_at` and gets no step (`null`: the session is created); an unknown one gets a pending
 * `device_sms` step and an SMS code (purpose `login_device`) to the account's phone.
 */
export async function deviceSecondStep(
  tx: Tx,
  user: { id: string; phoneEnc?: Uint8Array },
  check: DeviceCheck,
): Promise<CreatedPending | null> {
  const hash = await deviceHash(check.deviceId);
  const known = await tx`
    update known_devices set last_seen_at = ${check.now}
    where user_id = ${user.id} and device_hash = ${hash} returning user_id`;
  if (known.length > 0) return null;
  const pending = await createPendingLogin(tx, {
    subjectType: "user",
    subjectId: user.id,
    step: "device_sms",
    deviceHash: hash,
    nextPath: check.nextPath,
    ip: check.ip,
    userAgent: check.userAgent,
    now: check.now,
  });
  if (!user.phoneEnc) throw new Error("deviceSecondStep: the account's phone was not loaded");
  const phone = await check.cipher.decrypt(user.phoneEnc);
  await issueSmsCodeInTx(tx, { phone, purpose: "login_device", ip: check.ip }, {
    outbox: check.outbox,
    cipher: check.cipher,
    now: check.now,
  });
  return pending;
}

/** The pending device step for the confirmation page: the masked phone the code went to. */
export async function pendingDeviceLogin(
  db: Db,
  pendingId: string | null,
  cipher: PiiCipher,
): Promise<{ phoneMasked: string } | null> {
  const pending = await loadPendingLogin(db, pendingId, "user");
  if (!pending || pending.step !== "device_sms") return null;
  const [u] = await db<
    { phoneEnc: Uint8Array }[]
  >`select phone_enc as "phoneEnc" from users where id = ${pending.subjectId}`;
  return u ? { phoneMasked: maskPhone(await cipher.decrypt(u.phoneEnc)) } : null;
}

/** Outcome of {@link confirmDeviceLogin}. */
export type ConfirmDeviceLoginResult =
  | { ok: true; sessionId: string; expiresAt: Date; user: SessionUser; nextPath: string | null }
  | { ok: false; code: "expired" | "account_disabled" }
  | { ok: false; code: "invalid_code" | "expired_code" | "too_many_attempts"; attemptsLeft: number };

/** Chinese messages of the new-device step. */
export const DEVICE_LOGIN_MESSAGES = {
  expired: "登录已超时，请重新登录",
  account_disabled: "该账户已停用，请联系客服",
  invalid_code: (attemptsLeft: number) =>
    attemptsLeft > 0
      ? `${SMS_CODE_MESSAGES.invalid_code}（还可尝试 ${attemptsLeft} 次）`
      : "验证码错误次数过多，请重新登录",
  expired_code: SMS_CODE_MESSAGES.expired_code,
  too_many_attempts: SMS_CODE_MESSAGES.too_many_attempts,
  required: "请输入 6 位数字短信验证码",
} as const;

/**
 * The command 新设备登录验证: check the SMS code (purpose `login_device`, to the account's phone) of a
 * pending device step; on success, in one transaction: use the code up, remember the device, end the
 * pending step and create the session (replacing `previousSessionId`). A wrong code is counted on the code
 * and on the pending step (5 end it).
 *
 * Codes: `expired` (no live pending step: log in again), `account_disabled`, `invalid_code`,
 * `expired_code`, `too_many_attempts` (with attempts left on the pending step).
 */
export async function confirmDeviceLogin(
  db: Db,
  input: {
    pendingId: string | null;
    code: string;
    deviceId: string;
    ip: string | null;
    userAgent: string | null;
    previousSessionId?: string | null;
  },
  deps: { cipher: PiiCipher; now?: Date; securityLog?: SecurityLog },
): Promise<ConfirmDeviceLoginResult> {
  const now = deps.now ?? new Date();
  const result = await transaction(db, async (tx): Promise<ConfirmDeviceLoginResult> => {
    const pending = await loadPendingLogin(tx, input.pendingId, "user", { now, forUpdate: true });
    if (!pending || pending.step !== "device_sms") return { ok: false, code: "expired" };
    const [u] = await tx<
      {
        id: string;
        kind: "investor" | "borrower";
        phoneEnc: Uint8Array;
        displayName: string | null;
        status: string;
      }[]
    >`
      select id, kind, phone_enc as "phoneEnc", display_name as "displayName", status
      from users where id = ${pending.subjectId}`;
    if (!u || !canLogIn(u.status)) {
      await endPendingLogin(tx, pending);
      return { ok: false, code: u ? "account_disabled" : "expired" };
    }
    const phone = await deps.cipher.decrypt(u.phoneEnc);
    const code = await verifySmsCode(tx, { phone, purpose: "login_device", code: input.code.trim() }, {
      cipher: deps.cipher,
      now,
    });
    if (!code.ok) {
      const attemptsLeft = await countPendingFailure(tx, pending);
      return { ok: false, code: code.code, attemptsLeft };
    }
    // the device the browser carries now is the one that passed the password step
    const deviceId = (await deviceHash(input.deviceId)) === pending.deviceHash ? input.deviceId : null;
    await rememberDevice(tx, u.id, deviceId, now);
    await endPendingLogin(tx, pending);
    const session = await rotateSession(tx, input.previousSessionId, {
      subjectType: "user",
      subjectId: u.id,
      ip: input.ip,
      userAgent: input.userAgent,
      now,
    });
    return {
      ok: true,
      sessionId: session.sessionId,
      expiresAt: session.expiresAt,
      nextPath: pending.nextPath,
      user: {
        id: u.id,
        kind: u.kind,
        phoneMasked: maskPhone(phone),
        displayName: userDisplayName(u.displayName, phone),
        status: u.status === "frozen" ? "frozen" : "active",
      },
    };
  });
  if (result.ok) {
    deps.securityLog?.emit("login.succeeded", { subject: "user", userId: result.user.id, method: "sms" });
  } else {deps.securityLog?.emit("login.failed", {
      subject: "user",
      method: "sms",
      reason: `device_${result.code}`,
    });}
  return result;
}

/** Outcome of {@link resendDeviceCode}. */
export type ResendDeviceCodeResult =
  | { ok: true }
  | { ok: false; code: "expired" }
  | { ok: false; code: "throttled"; message: string };

/** The command 重新发送 on the new-device step: a new code within the SMS quotas. */
export async function resendDeviceCode(
  db: Db,
  input: { pendingId: string | null; ip: string | null },
  deps: { cipher: PiiCipher; outbox: Outbox; now?: Date },
): Promise<ResendDeviceCodeResult> {
  const now = deps.now ?? new Date();
  return await transaction(db, async (tx): Promise<ResendDeviceCodeResult> => {
    const pending = await loadPendingLogin(tx, input.pendingId, "user", { now, forUpdate: true });
    if (!pending || pending.step !== "device_sms") return { ok: false, code: "expired" };
    const [u] = await tx<
      { phoneEnc: Uint8Array }[]
    >`select phone_enc as "phoneEnc" from users where id = ${pending.subjectId}`;
    if (!u) return { ok: false, code: "expired" };
    const sent = await issueSmsCodeInTx(tx, {
      phone: await deps.cipher.decrypt(u.phoneEnc),
      purpose: "login_device",
      ip: input.ip,
    }, { ...deps, now });
    return sent.sent
      ? { ok: true }
      : { ok: false, code: "throttled", message: throttledMessage(sent.retryAfterSeconds) };
  });
}
