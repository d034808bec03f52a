/**
 * The staff second factor (两步验证): TOTP (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) with `otpauth`.
 * A staff log-in is the password, then — on a short-lived pending step, not a session — a TOTP code or a
 * single-use recovery code. A member without TOTP enrols on that step: the page shows a QR code (SVG made
 * on the server), the secret for manual entry and 10 recovery codes; the first right code turns it on.
 * Secrets are encrypted with the PII cipher, recovery codes stored as keyed hashes, a code's time step is
 * accepted once. A super administrator can reset a member's second factor (audited; the member enrols
 * again at the next log-in).
 * @module
 */
import { Secret, TOTP } from "otpauth";
// @ts-types="npm:@types/qrcode@1.5.6"
import type QRCodeModule from "qrcode";
import { type Db, type Queryable, transaction, type Tx } from "../../db/tx.ts";
import type { SessionStaff } from "../accounts/session_subject.ts";
import type { PiiCipher } from "../accounts/pii.ts";
import {
  countPendingFailure,
  endPendingLogin,
  loadPendingLogin,
  type PendingLogin,
} from "../accounts/pending_login.ts";
import { destroySessionsFor, rotateSession } from "../accounts/session.ts";
import { PLATFORM_NAME } from "../shared/brand.ts";
import { isId } from "../shared/ids.ts";
import { appendAudit } from "./audit_log.ts";
import type { SecurityLog } from "../shared/security_log.ts";
import { can } from "./permissions.ts";

/** Seconds per TOTP step. */
export const TOTP_PERIOD = 30;
/** Digits of a TOTP code. */
export const TOTP_DIGITS = 6;
/** Steps accepted on either side of now (clock drift). */
export const TOTP_WINDOW = 1;
/** Recovery codes made at enrolment. */
export const RECOVERY_CODE_COUNT = 10;

const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** A new random secret (160 bits), base32. */
export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secretBase32: string, label = "staff"): TOTP {
  return new TOTP({
    issuer: PLATFORM_NAME,
    label,
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The `otpauth://` URI an authenticator app scans. */
export function totpUri(secretBase32: string, username: string): string {
  return totp(secretBase32, username).toString();
}

/** The code of a secret at a time (tests, the demo). */
export function totpCode(secretBase32: string, at: Date = new Date()): string {
  return totp(secretBase32).generate({ timestamp: at.getTime() });
}

/** The time step of a moment. */
export function totpStep(at: Date): number {
  return Math.floor(at.getTime() / 1000 / TOTP_PERIOD);
}

/**
 * The time step `code` belongs to (within ±{@link TOTP_WINDOW} of `now`), or `null` for a wrong code or
 * one whose step is not after `lastUsedStep` (each step is accepted once).
 */
export function matchTotp(
  secretBase32: string,
  code: string,
  now: Date,
  lastUsedStep: number | null,
): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32).validate({ token: code, timestamp: now.getTime(), window: TOTP_WINDOW });
  if (delta === null) return null;
  const step = totpStep(now) + delta;
  if (lastUsedStep !== null && step <= lastUsedStep) return null;
  return step;
}

/** The QR code of a URI as SVG markup (rendered on the server; no script). */
export async function qrSvg(text: string): Promise<string> {
  // loaded on first use, not at start-up (few requests draw a QR code)
  const QRCode = (await import("qrcode")).default as typeof QRCodeModule;
  return await QRCode.toString(text, { type: "svg", margin: 1, errorCorrectionLevel: "M", width: 200 });
}

/** Ten random recovery codes, `xxxx-xxxx` (no look-alike characters). */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars: string[] = [];
    const buf = new Uint8Array(1);
    while (chars.length < 8) {
      crypto.getRandomValues(buf);
      // 248 = 8 × 31: rejection sampling keeps the choice uniform
      if (buf[0] < 248) chars.push(RECOVERY_ALPHABET[buf[0] % RECOVERY_ALPHABET.length]);
    }
    return `${chars.slice(0, 4).join("")}-${chars.slice(4).join("")}`;
  });
}

/** A typed recovery code in canonical form (lower case, no spaces or dashes), or `null`. */
export function normalizeRecoveryCode(raw: string): string | null {
  const c = raw.trim().toLowerCase().replace(/[\s-]/g, "");
  return /^[a-z0-9]{8}$/.test(c) ? c : null;
}

function recoveryHash(cipher: PiiCipher, staffId: string, canonical: string): Promise<string> {
  return cipher.hash(`staff-recovery:${staffId}:${canonical}`);
}

/** A member's second factor: whether it is on, and recovery codes left. */
export interface StaffTotpState {
  enabled: boolean;
  recoveryCodesLeft: number;
}

/** The second-factor state of every member, by staff id. */
export async function staffTotpStates(db: Queryable): Promise<Map<string, StaffTotpState>> {
  const rows = await db<{ staffId: string; enabled: boolean; left: bigint }[]>`
    select t.staff_id as "staffId", t.enabled_at is not null as enabled,
      (select count(*) from staff_recovery_codes r where r.staff_id = t.staff_id and r.used_at is null) as left
    from staff_totp t`;
  return new Map(rows.map((r) => [r.staffId, { enabled: r.enabled, recoveryCodesLeft: Number(r.left) }]));
}

/** Whether the member has a working second factor. */
export async function hasTotp(db: Queryable, staffId: string): Promise<boolean> {
  const [row] = await db`select 1 from staff_totp where staff_id = ${staffId} and enabled_at is not null`;
  return row !== undefined;
}

/** What the enrolment page shows. */
export interface TotpEnrolment {
  username: string;
  secret: string;
  uri: string;
  qrSvg: string;
  recoveryCodes: string[];
}

/**
 * The command behind the enrolment page (step `totp_enrol` of a pending staff log-in): keep (or make) the
 * member's not-yet-enabled secret, and make a fresh set of recovery codes (the ones shown last are the
 * ones that count). `null` when the pending log-in is gone or not an enrolment.
 */
export async function prepareTotpEnrolment(
  db: Db,
  input: { pendingId: string | null },
  deps: { cipher: PiiCipher; now?: Date },
): Promise<TotpEnrolment | null> {
  const now = deps.now ?? new Date();
  const codes = generateRecoveryCodes();
  return await transaction(db, async (tx): Promise<TotpEnrolment | null> => {
    const pending = await loadPendingLogin(tx, input.pendingId, "staff", { now, forUpdate: true });
    if (!pending || pending.step !== "totp_enrol") return null;
    const [staff] = await tx<
      { username: string }[]
    >`select username from staff where id = ${pending.subjectId}`;
    if (!staff) return null;
    const [existing] = await tx<{ secretEnc: Uint8Array; enabledAt: Date | null }[]>`
      select secret_enc as "secretEnc", enabled_at as "enabledAt" from staff_totp
      where staff_id = ${pending.subjectId} for update`;
    if (existing?.enabledAt) return null;
    let secret: string;
    if (existing) secret = await deps.cipher.decrypt(existing.secretEnc);
    else {
      secret = generateTotpSecret();
      await tx`
        insert into staff_totp (staff_id, secret_enc, created_at)
        values (${pending.subjectId}, ${await deps.cipher.encrypt(secret)}, ${now})`;
    }
    await tx`delete from staff_recovery_codes where staff_id = ${pending.subjectId}`;
    for (const code of codes) {
      const canonical = normalizeRecoveryCode(code)!;
      await tx`
        insert into staff_recovery_codes (staff_id, code_hash, created_at)
        values (${pending.subjectId}, ${await recoveryHash(
        deps.cipher,
        pending.subjectId,
        canonical,
      )}, ${now})`;
    }
    const uri = totpUri(secret, staff.username);
    return { username: staff.username, secret, uri, qrSvg: await qrSvg(uri), recoveryCodes: codes };
  });
}

/** Outcome of {@link completeStaffLogin}. */
export type CompleteStaffLoginResult =
  | {
    ok: true;
    sessionId: string;
    expiresAt: Date;
    nextPath: string | null;
    method: "totp" | "recovery_code";
  }
  | { ok: false; code: "expired" }
  | { ok: false; code: "invalid_code"; attemptsLeft: number };

/** Chinese messages of the second step. */
export const STAFF_TOTP_MESSAGES = {
  expired: "登录已超时，请重新输入用户名和密码",
  invalid_code: (attemptsLeft: number) =>
    attemptsLeft > 0 ? `验证码错误，还可尝试 ${attemptsLeft} 次` : "验证码错误次数过多，请重新登录",
  required: "请输入 6 位动态验证码或恢复码",
} as const;

/**
 * The command 两步验证: finish a pending staff log-in with a TOTP code (or, on step `totp`, a recovery
 * code — used up). On step `totp_enrol` the first right code turns TOTP on. Success ends the pending step,
 * creates the staff session (replacing `previousSessionId`) and audits `staff.login` (and
 * `staff.totp_enrolled`), all in one transaction. A wrong code is counted on the pending step (5 end it)
 * and audited `staff.login_failed`.
 *
 * Codes: `expired` (no live pending log-in: start again), `invalid_code` (with attempts left).
 */
export async function completeStaffLogin(
  db: Db,
  input: {
    pendingId: string | null;
    code: string;
    ip: string | null;
    userAgent: string | null;
    previousSessionId?: string | null;
  },
  deps: { cipher: PiiCipher; now?: Date; securityLog?: SecurityLog },
): Promise<CompleteStaffLoginResult> {
  const now = deps.now ?? new Date();
  const typed = String(input.code ?? "").trim();
  let staffId: string | null = null;
  const result = await transaction(db, async (tx): Promise<CompleteStaffLoginResult> => {
    const pending = await loadPendingLogin(tx, input.pendingId, "staff", { now, forUpdate: true });
    if (!pending || pending.step === "device_sms") return { ok: false, code: "expired" };
    staffId = pending.subjectId;
    const [staff] = await tx<{ status: string }[]>`select status from staff where id = ${pending.subjectId}`;
    if (!staff || staff.status !== "active") {
      await endPendingLogin(tx, pending);
      return { ok: false, code: "expired" };
    }
    const method = await checkSecondFactor(tx, pending, typed, now, deps.cipher);
    if (!method) {
      const attemptsLeft = await countPendingFailure(tx, pending);
      await appendAudit(tx, {
        staffId: pending.subjectId,
        action: "staff.login_failed",
        target: `staff:${pending.subjectId}`,
        detail: { reason: "second_factor", attemptsLeft },
        ip: input.ip,
      });
      return { ok: false, code: "invalid_code", attemptsLeft };
    }
    await endPendingLogin(tx, pending);
    const session = await rotateSession(tx, input.previousSessionId, {
      subjectType: "staff",
      subjectId: pending.subjectId,
      ip: input.ip,
      userAgent: input.userAgent,
      now,
    });
    if (pending.step === "totp_enrol") {
      await appendAudit(tx, {
        staffId: pending.subjectId,
        action: "staff.totp_enrolled",
        target: `staff:${pending.subjectId}`,
        detail: {},
        ip: input.ip,
      });
    }
    await appendAudit(tx, {
      staffId: pending.subjectId,
      action: "staff.login",
      target: `staff:${pending.subjectId}`,
      detail: { secondFactor: method },
      ip: input.ip,
    });
    return {
      ok: true,
      sessionId: session.sessionId,
      expiresAt: session.expiresAt,
      nextPath: pending.nextPath,
      method,
    };
  });
  const ref = { subject: "staff" as const, ...(staffId ? { staffId } : {}) };
  if (result.ok) deps.securityLog?.emit("login.succeeded", { ...ref, method: "password" });
  else {deps.securityLog?.emit("login.failed", {
      ...ref,
      method: "password",
      reason: `second_factor_${result.code}`,
    });}
  return result;
}

/** Check the typed code against the member's TOTP (or a recovery code); on success record its use. */
async function checkSecondFactor(
  tx: Tx,
  pending: PendingLogin,
  typed: string,
  now: Date,
  cipher: PiiCipher,
): Promise<"totp" | "recovery_code" | null> {
  const [t] = await tx<{ secretEnc: Uint8Array; enabledAt: Date | null; lastUsedStep: string | null }[]>`
    select secret_enc as "secretEnc", enabled_at as "enabledAt", last_used_step as "lastUsedStep"
    from staff_totp where staff_id = ${pending.subjectId} for update`;
  if (!t) return null;
  const enrolling = pending.step === "totp_enrol";
  if (enrolling === (t.enabledAt !== null)) return null;
  if (/^\d{6}$/.test(typed)) {
    const secret = await cipher.decrypt(t.secretEnc);
    const step = matchTotp(secret, typed, now, t.lastUsedStep === null ? null : Number(t.lastUsedStep));
    if (step === null) return null;
    await tx`
      update staff_totp set last_used_step = ${step}, enabled_at = coalesce(enabled_at, ${now})
      where staff_id = ${pending.subjectId}`;
    return "totp";
  }
  const canonical = normalizeRecoveryCode(typed);
  if (enrolling || !canonical) return null;
  const used = await tx`
    update staff_recovery_codes set used_at = ${now}
    where id = (select id from staff_recovery_codes
                where staff_id = ${pending.subjectId} and used_at is null
                  and code_hash = ${await recoveryHash(cipher, pending.subjectId, canonical)}
                limit 1)
    returning id`;
  return used.length === 1 ? "recovery_code" : null;
}

/** Outcome of {@link resetStaffTotp}. */
export type ResetStaffTotpResult =
  | { ok: true; changed: boolean }
  | { ok: false; code: "forbidden" | "not_found" }
  | { ok: false; code: "invalid_input"; fields: Record<string, string[]> };

/** Chinese messages of {@link resetStaffTotp}. */
export const RESET_STAFF_TOTP_MESSAGES = {
  forbidden: "无权操作",
  not_found: "员工不存在",
} as const;

/**
 * The command 重置两步验证 (super administrator, `staff.manage`): remove a member's TOTP secret and
 * recovery codes and end their sessions; they enrol again at the next log-in. A reason of 2–200
 * characters; audited `staff.totp_reset` with it in the same transaction. A member without a second factor
 * changes nothing (`changed: false`, no audit row).
 */
export async function resetStaffTotp(
  db: Db,
  input: { staffId: string; reason: string },
  actor: { staff: Pick<SessionStaff, "id" | "permissions">; ip: string | null },
): Promise<ResetStaffTotpResult> {
  if (!can(actor.staff, "staff.manage")) return { ok: false, code: "forbidden" };
  const reason = input.reason.trim();
  const fields: Record<string, string[]> = {};
  const len = Array.from(reason).length;
  if (len < 2) fields.reason = ["请填写原因（至少 2 个字）"];
  else if (len > 200) fields.reason = ["原因最多 200 个字"];
  if (!isId(input.staffId)) fields.staffId = ["请选择员工"];
  if (Object.keys(fields).length > 0) return { ok: false, code: "invalid_input", fields };
  return await transaction(db, async (tx): Promise<ResetStaffTotpResult> => {
    const [row] = await tx<{ id: string; username: string }[]>`
      select id, username from staff where id = ${input.staffId} for update`;
    if (!row) return { ok: false, code: "not_found" };
    const removed = await tx`delete from staff_totp where staff_id = ${row.id} returning staff_id`;
    await tx`delete from staff_recovery_codes where staff_id = ${row.id}`;
    await tx`delete from pending_logins where subject_type = 'staff' and subject_id = ${row.id}`;
    if (removed.length === 0) return { ok: true, changed: false };
    const sessionsEnded = await destroySessionsFor(tx, "staff", row.id);
    await appendAudit(tx, {
      staffId: actor.staff.id,
      action: "staff.totp_reset",
      target: `staff:${row.id}`,
      detail: { username: row.username, reason, sessionsEnded },
      ip: actor.ip,
    });
    return { ok: true, changed: true };
  });
}

/**
 * Enrol a member with a known secret, enabled at once (the demo seed's documented secret; tests). Leaves an
 * existing second factor alone. Returns whether it enrolled.
 */
export async function enrolStaffTotpWithSecret(
  tx: Tx,
  input: { staffId: string; secret: string; now?: Date },
  cipher: PiiCipher,
): Promise<boolean> {
  const now = input.now ?? new Date();
  const rows = await tx`
    insert into staff_totp (staff_id, secret_enc, enabled_at, created_at)
    values (${input.staffId}, ${await cipher.encrypt(input.secret)}, ${now}, ${now})
    on conflict (staff_id) do nothing returning staff_id`;
  return rows.length === 1;
}

/** Outcome of {@link regenerateRecoveryCodes}. */
export type RegenerateRecoveryCodesResult =
  | { ok: true; recoveryCodes: string[] }
  | { ok: false; code: "not_enrolled" | "invalid_code" };

/**
 * The command 重新生成恢复码 (a signed-in member, for themselves): a current TOTP code proves the
 * authenticator is at hand; the old recovery codes are replaced by 10 new ones (shown once) and the change is
 * audited `staff.recovery_codes_regenerated`, in one transaction.
 *
 * Codes: `not_enrolled`, `invalid_code` (wrong or already used code).
 */
export async function regenerateRecoveryCodes(
  db: Db,
  input: { staffId: string; code: string; ip: string | null },
  deps: { cipher: PiiCipher; now?: Date },
): Promise<RegenerateRecoveryCodesResult> {
  const now = deps.now ?? new Date();
  const codes = generateRecoveryCodes();
  return await transaction(db, async (tx): Promise<RegenerateRecoveryCodesResult> => {
    const [t] = await tx<{ secretEnc: Uint8Array; lastUsedStep: string | null }[]>`
      select secret_enc as "secretEnc", last_used_step as "lastUsedStep" from staff_totp
      where staff_id = ${input.staffId} and enabled_at is not null for update`;
    if (!t) return { ok: false, code: "not_enrolled" };
    const step = matchTotp(
      await deps.cipher.decrypt(t.secretEnc),
      input.code.trim(),
      now,
      t.lastUsedStep === null ? null : Number(t.lastUsedStep),
    );
    if (step === null) return { ok: false, code: "invalid_code" };
    await tx`update staff_totp set last_used_step = ${step} where staff_id = ${input.staffId}`;
    await tx`delete from staff_recovery_codes where staff_id = ${input.staffId}`;
    for (const code of codes) {
      await tx`
        insert into staff_recovery_codes (staff_id, code_hash, created_at)
        values (${input.staffId}, ${await recoveryHash(
        deps.cipher,
        input.staffId,
        normalizeRecoveryCode(code)!,
      )}, ${now})`;
    }
    await appendAudit(tx, {
      staffId: input.staffId,
      action: "staff.recovery_codes_regenerated",
      target: `staff:${input.staffId}`,
      detail: {},
      ip: input.ip,
    });
    return { ok: true, recoveryCodes: codes };
  });
}
