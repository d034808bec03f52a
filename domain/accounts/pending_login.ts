/**
 * A log-in that passed the password and waits for its second step — an SMS code to the account's phone
 * (a user on a new device) or a TOTP code / enrolment (staff). It is *not* a session: it grants nothing
 * but the second-step page, lives 10 minutes, takes at most {@link PENDING_MAX_ATTEMPTS} wrong codes, and
 * is used up when the session is created. The browser holds its random id in a short-lived HttpOnly
 * cookie; the table stores only the SHA-256.
 * @module
 */
import { type BatchLimits, deleteInBatches } from "../../db/batches.ts";
import type { Db, Queryable, Tx } from "../../db/tx.ts";
import { sha256Hex } from "./pii.ts";
import { newSessionId, type SubjectType } from "./session.ts";

/** Lifetime of a pending log-in. */
export const PENDING_LOGIN_TTL_SECONDS = 600;
/** Wrong codes allowed per pending log-in; the next one ends it. */
export const PENDING_MAX_ATTEMPTS = 5;

/** The second step. */
export type PendingStep = "device_sms" | "totp" | "totp_enrol";

/** A pending log-in as loaded. */
export interface PendingLogin {
  idHash: string;
  subjectType: SubjectType;
  subjectId: string;
  step: PendingStep;
  deviceHash: string | null;
  attempts: number;
  nextPath: string | null;
  ip: string | null;
  userAgent: string | null;
  expiresAt: Date;
}

/** A new pending log-in: `pendingId` goes into the cookie only. */
export interface CreatedPending {
  pendingId: string;
  step: PendingStep;
  expiresAt: Date;
}

/** Create a pending log-in inside the password step's transaction. */
export async function createPendingLogin(
  tx: Tx,
  input: {
    subjectType: SubjectType;
    subjectId: string;
    step: PendingStep;
    deviceHash?: string | null;
    nextPath?: string | null;
    ip: string | null;
    userAgent: string | null;
    now: Date;
  },
): Promise<CreatedPending> {
  const pendingId = newSessionId();
  const expiresAt = new Date(input.now.getTime() + PENDING_LOGIN_TTL_SECONDS * 1000);
  // one pending log-in per subject: a new password step replaces the old one
  await tx`
    delete from pending_logins where subject_type = ${input.subjectType} and subject_id = ${input.subjectId}`;
  await tx`
    insert into pending_logins (id_hash, subject_type, subject_id, step, device_hash, next_path, ip, user_agent,
                                expires_at, created_at)
    values (${await sha256Hex(pendingId)}, ${input.subjectType}, ${input.subjectId}, ${input.step},
            ${input.deviceHash ?? null}, ${input.nextPath ?? null}, ${input.ip},
            ${input.userAgent?.slice(0, 500) ?? null}, ${expiresAt}, ${input.now})`;
  return { pendingId, step: input.step, expiresAt };
}

const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The live pending log-in for a raw id (of `subjectType`), or `null`. `forUpdate` locks the row. */
export async function loadPendingLogin(
  db: Queryable,
  rawId: string | null | undefined,
  subjectType: SubjectType,
  options: { now?: Date; forUpdate?: boolean } = {},
): Promise<PendingLogin | null> {
  if (!rawId || !ID_PATTERN.test(rawId)) return null;
  const now = options.now ?? new Date();
  const lock = options.forUpdate ? db`for update` : db``;
  const [row] = await db<PendingLogin[]>`
    select id_hash as "idHash", subject_type as "subjectType", subject_id as "subjectId", step,
      device_hash as "deviceHash", attempts, next_path as "nextPath", ip, user_agent as "userAgent",
      expires_at as "expiresAt"
    from pending_logins
    where id_hash = ${await sha256Hex(rawId)} and subject_type = ${subjectType} and expires_at > ${now}
    ${lock}`;
  return row ?? null;
}

/**
 * Count a wrong code on a pending log-in; the {@link PENDING_MAX_ATTEMPTS}th ends it. Returns the attempts
 * left (0: ended, log in again).
 */
export async function countPendingFailure(tx: Tx, pending: PendingLogin): Promise<number> {
  const [row] = await tx<{ attempts: number }[]>`
    update pending_logins set attempts = attempts + 1 where id_hash = ${pending.idHash} returning attempts`;
  const left = Math.max(0, PENDING_MAX_ATTEMPTS - (row?.attempts ?? PENDING_MAX_ATTEMPTS));
  if (left === 0) await tx`delete from pending_logins where id_hash = ${pending.idHash}`;
  return left;
}

/** Use the pending log-in up (when its session is created). */
export async function endPendingLogin(tx: Tx, pending: Pick<PendingLogin, "idHash">): Promise<void> {
  await tx`delete from pending_logins where id_hash = ${pending.idHash}`;
}

/** The pending log-in cookie's name for a subject: `__Host-` prefixed when cookies are Secure. */
export function pendingCookieName(subjectType: SubjectType, secure: boolean): string {
  const base = subjectType === "staff" ? "staff_pending" : "login_pending";
  return secure ? `__Host-${base}` : base;
}

/** Finished e-mail links and bid authorisations are kept this long after they expire (support questions). */
export const SECURITY_ROWS_RETENTION_SECONDS = 30 * 24 * 3600;

/**
 * Delete expired pending log-ins, and e-mail links and bid authorisations expired more than
 * {@link SECURITY_ROWS_RETENTION_SECONDS} ago, in bounded batches (the daily purge job). Returns how many.
 */
export async function purgeAccountSecurityRows(
  db: Db,
  now: Date = new Date(),
  limits?: BatchLimits,
): Promise<number> {
  const before = new Date(now.getTime() - SECURITY_ROWS_RETENTION_SECONDS * 1000);
  return await deleteInBatches((limit) =>
    db`delete from pending_logins where id_hash in (
         select id_hash from pending_logins where expires_at <= ${now} limit ${limit})`, limits) +
    await deleteInBatches((limit) =>
      db`delete from email_bindings where id in (
           select id from email_bindings where expires_at < ${before} limit ${limit})`, limits) +
    await deleteInBatches((limit) =>
      db`delete from bid_authorisations where id in (
           select id from bid_authorisations where expires_at < ${before} limit ${limit})`, limits);
}
