/**
 * Server-side sessions. The cookie holds an opaque random id (32 bytes, base64url); the table stores
 * only its SHA-256, so a leaked database does not yield usable cookies. Each session has an idle timeout
 * (slid forward on use, at most once a minute) and an absolute timeout; `expires_at` is the earlier one.
 *
 * | subject | idle | absolute | cookie (secure / plain http) |
 * | user    | 30 min | 12 h   | `__Host-sid` / `sid` |
 * | staff   | 15 min | 8 h    | `__Host-staff_sid` / `staff_sid` |
 */
import { type BatchLimits, deleteInBatches } from "../../db/batches.ts";
import type { Db, Queryable } from "../../db/tx.ts";
import type { SessionStaff, SessionUser } from "./session_subject.ts";
import { maskPhone, type PiiCipher, sha256Hex, toHex } from "./pii.ts";
import { loadRolePermissions } from "../staff/role_permissions.ts";
import { userDisplayName } from "./display_name.ts";

/** Who a session belongs to. */
export type SubjectType = "user" | "staff";

/** Timeouts per subject type, in seconds. */
export const SESSION_TIMEOUTS: Readonly<
  Record<SubjectType, { idleSeconds: number; absoluteSeconds: number }>
> = {
  user: { idleSeconds: 30 * 60, absoluteSeconds: 12 * 3600 },
  staff: { idleSeconds: 15 * 60, absoluteSeconds: 8 * 3600 },
};

/** `last_seen_at` is written at most this often (sliding the idle timeout). */
export const SESSION_TOUCH_INTERVAL_SECONDS = 60;

/** Random bytes in a session id (256 bits). */
export const SESSION_ID_BYTES = 32;

/** A new session. `sessionId` goes into the cookie and nowhere else. */
export interface CreatedSession {
  sessionId: string;
  expiresAt: Date;
  absoluteExpiresAt: Date;
}

/** Who a new session is for, and where it comes from. */
export interface NewSessionInput {
  subjectType: SubjectType;
  subjectId: string;
  ip: string | null;
  userAgent: string | null;
  /** Clock (tests). */
  now?: Date;
}

/** A loaded session. */
export interface LoadedSession {
  subjectType: SubjectType;
  subjectId: string;
  createdAt: Date;
  expiresAt: Date;
  absoluteExpiresAt: Date;
}

function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A fresh random session id (43 characters of base64url). */
export function newSessionId(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(SESSION_ID_BYTES)));
}

/** What the table stores for a raw id. */
export function hashSessionId(rawId: string): Promise<string> {
  return sha256Hex(rawId);
}

const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Create a session for a user or staff member. */
export async function createSession(
  db: Queryable,
  input: NewSessionInput,
): Promise<CreatedSession> {
  const now = input.now ?? new Date();
  const t = SESSION_TIMEOUTS[input.subjectType];
  const idle = new Date(now.getTime() + t.idleSeconds * 1000);
  const absolute = new Date(now.getTime() + t.absoluteSeconds * 1000);
  const expires = idle < absolute ? idle : absolute;
  const sessionId = newSessionId();
  await db`
    insert into sessions (id_hash, subject_type, subject_id, created_at, last_seen_at, idle_expires_at,
                          absolute_expires_at, expires_at, ip, user_agent)
    values (${await hashSessionId(
    sessionId,
  )}, ${input.subjectType}, ${input.subjectId}, ${now}, ${now}, ${idle},
            ${absolute}, ${expires}, ${input.ip}, ${input.userAgent?.slice(0, 500) ?? null})`;
  return { sessionId, expiresAt: expires, absoluteExpiresAt: absolute };
}

/**
 * Load a live session by its raw id, sliding the idle timeout (written at most once a minute; not with
 * `touch: false`, for a look that is not activity — a staff session seen on the public site).
 * Returns `null` for an unknown, malformed or expired id (an expired row is deleted).
 */
export async function loadSession(
  db: Queryable,
  rawId: string | null | undefined,
  options: { now?: Date; touch?: boolean } = {},
): Promise<LoadedSession | null> {
  if (!rawId || !SESSION_ID_PATTERN.test(rawId)) return null;
  const idHash = await hashSessionId(rawId);
  const [row] = await db<SessionRow[]>`
    select subject_type, subject_id, created_at, last_seen_at, expires_at, absolute_expires_at
    from sessions where id_hash = ${idHash}`;
  return await liveSession(db, idHash, row, options);
}

/** A `sessions` row as {@link liveSession} reads it. */
interface SessionRow {
  subject_type: SubjectType;
  subject_id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  absolute_expires_at: Date;
}

/** The session of a row read by its hash: `null` when absent or expired (deleted), else slid forward. */
async function liveSession(
  db: Queryable,
  idHash: string,
  row: SessionRow | undefined,
  options: { now?: Date; touch?: boolean },
): Promise<LoadedSession | null> {
  if (!row) return null;
  const now = options.now ?? new Date();
  if (row.expires_at.getTime() <= now.getTime()) {
    await db`delete from sessions where id_hash = ${idHash}`;
    return null;
  }
  let expiresAt = row.expires_at;
  if (
    options.touch !== false &&
    now.getTime() - row.last_seen_at.getTime() >= SESSION_TOUCH_INTERVAL_SECONDS * 1000
  ) {
    const idle = new Date(now.getTime() + SESSION_TIMEOUTS[row.subject_type].idleSeconds * 1000);
    expiresAt = idle < row.absolute_expires_at ? idle : row.absolute_expires_at;
    await db`
      update sessions set last_seen_at = ${now}, idle_expires_at = ${idle}, expires_at = ${expiresAt}
      where id_hash = ${idHash} and last_seen_at < ${now}`;
  }
  return {
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    createdAt: row.created_at,
    expiresAt,
    absoluteExpiresAt: row.absolute_expires_at,
  };
}

/** End a session server-side (log-out). Returns whether a session was deleted. */
export async function destroySession(db: Queryable, rawId: string | null | undefined): Promise<boolean> {
  if (!rawId) return false;
  const rows = await db`delete from sessions where id_hash = ${await hashSessionId(
    rawId,
  )} returning subject_id`;
  return rows.length > 0;
}

/** End every session of a subject (password change, account disabled). Returns the count. */
export async function destroySessionsFor(
  db: Queryable,
  subjectType: SubjectType,
  subjectId: string,
): Promise<number> {
  const rows = await db`
    delete from sessions where subject_type = ${subjectType} and subject_id = ${subjectId} returning subject_id`;
  return rows.length;
}

/**
 * Log-in: delete the old session (if the browser had one) and create a new one, so a session id that
 * existed before authentication never carries it (no session fixation).
 */
export async function rotateSession(
  db: Queryable,
  oldRawId: string | null | undefined,
  input: NewSessionInput,
): Promise<CreatedSession> {
  await destroySession(db, oldRawId);
  return await createSession(db, input);
}

/**
 * A security change (password, phone): end every session of the user and open a new one for this browser,
 * so the current session continues under a new id. Returns the new session and how many sessions ended
 * (the current one among them).
 */
export async function renewUserSessions(
  tx: Queryable,
  input: { userId: string; ip: string | null; userAgent: string | null; now: Date },
): Promise<{ session: CreatedSession; ended: number }> {
  const ended = await destroySessionsFor(tx, "user", input.userId);
  const session = await createSession(tx, {
    subjectType: "user",
    subjectId: input.userId,
    ip: input.ip,
    userAgent: input.userAgent,
    now: input.now,
  });
  return { session, ended };
}

/** Delete expired sessions in bounded batches (the daily purge job). Returns how many. */
export function purgeExpiredSessions(db: Db, now: Date = new Date(), limits?: BatchLimits): Promise<number> {
  return deleteInBatches((limit) =>
    db`delete from sessions where id_hash in (
         select id_hash from sessions where expires_at <= ${now} limit ${limit})`, limits);
}

/** The cookie name for a subject: `__Host-` prefixed when cookies are Secure. */
export function sessionCookieName(subjectType: SubjectType, secure: boolean): string {
  const base = subjectType === "staff" ? "staff_sid" : "sid";
  return secure ? `__Host-${base}` : base;
}

/**
 * A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure when `secure`. Without `maxAgeSeconds`
 * it is a browser-session cookie (the server enforces the timeouts either way).
 */
export function sessionCookie(
  name: string,
  value: string,
  options: { secure: boolean; maxAgeSeconds?: number },
): string {
  const parts = [`${name}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax"];
  if (options.secure) parts.push("Secure");
  if (options.maxAgeSeconds !== undefined) {
    parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  }
  return parts.join("; ");
}

/** A `Set-Cookie` value that deletes the cookie. */
export function clearSessionCookie(name: string, options: { secure: boolean }): string {
  return sessionCookie(name, "", { secure: options.secure, maxAgeSeconds: 0 }) +
    "; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
}

/**
 * Whether an account in this state may log in: `active`, and a user `frozen` by staff (who may look but
 * not move money); not `disabled` or `closed`.
 */
export function canLogIn(status: string): boolean {
  return status === "active" || status === "frozen";
}

/** Masked phones by ciphertext, per cipher (see {@link maskedPhoneOf}). */
const maskedPhones = new WeakMap<PiiCipher, Map<string, string>>();
/** Most masked phones kept per cipher (least recently used dropped first): about 1 MB. */
export const MASKED_PHONE_CACHE_SIZE = 5000;

/**
 * `maskPhone(decrypt(phoneEnc))`, remembered by ciphertext: a session is loaded on every request and its
 * header shows the masked phone, but the phone rarely changes, and a changed phone is a new ciphertext
 * (a random IV each time). Only the masked form is kept, never the phone.
 */
async function maskedPhoneOf(cipher: PiiCipher, phoneEnc: Uint8Array): Promise<string> {
  let cache = maskedPhones.get(cipher);
  if (!cache) maskedPhones.set(cipher, cache = new Map());
  const key = toHex(phoneEnc);
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const masked = maskPhone(await cipher.decrypt(phoneEnc));
  cache.set(key, masked);
  if (cache.size > MASKED_PHONE_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return masked;
}

/**
 * The signed-in user for a raw session id, or `null` (no session, a staff session, or a user who may not
 * log in: disabled or closed). A frozen user is signed in with `status: "frozen"` (money commands refuse).
 */
export async function loadUserForSession(
  db: Queryable,
  rawId: string | null | undefined,
  cipher: PiiCipher,
  options: { now?: Date } = {},
): Promise<SessionUser | null> {
  if (!rawId || !SESSION_ID_PATTERN.test(rawId)) return null;
  const idHash = await hashSessionId(rawId);
  // the session and its user in one round trip (as loadSession, then the user row)
  const [row] = await db<
    (SessionRow & {
      user_id: string | null;
      kind: "investor" | "borrower";
      phone_enc: Uint8Array;
      display_name: string | null;
      status: "active" | "frozen";
    })[]
  >`
    select s.subject_type, s.subject_id, s.created_at, s.last_seen_at, s.expires_at, s.absolute_expires_at,
      u.id as user_id, u.kind, u.phone_enc, u.display_name, u.status
    from sessions s
    left join users u on s.subject_type = 'user' and u.id = s.subject_id and u.status in ('active', 'frozen')
    where s.id_hash = ${idHash}`;
  const session = await liveSession(db, idHash, row, options);
  if (!session || session.subjectType !== "user") return null;
  const u = row!;
  if (u.user_id === null) return null;
  const phoneMasked = await maskedPhoneOf(cipher, u.phone_enc);
  return {
    id: u.user_id,
    kind: u.kind,
    phoneMasked,
    displayName: userDisplayName(u.display_name, phoneMasked),
    status: u.status,
  };
}

/**
 * The signed-in staff member (with permissions) for a raw session id, or `null`. `touch: false` checks the
 * session without sliding its idle timeout.
 */
export async function loadStaffForSession(
  db: Queryable,
  rawId: string | null | undefined,
  options: { now?: Date; touch?: boolean } = {},
): Promise<SessionStaff | null> {
  const session = await loadSession(db, rawId, options);
  if (!session || session.subjectType !== "staff") return null;
  const [s] = await db<{ id: string; username: string; display_name: string; role: string }[]>`
    select id, username, display_name, role from staff where id = ${session.subjectId} and status = 'active'`;
  if (!s) return null;
  return {
    id: s.id,
    username: s.username,
    displayName: s.display_name,
    role: s.role,
    permissions: await loadRolePermissions(db, s.role),
  };
}
