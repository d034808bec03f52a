/**
 * Security events (ASVS 16.3.1, 16.3.2): log-ins and their failures, lockouts, registrations, password
 * changes, refused admin requests and CSRF refusals — one structured JSON line each, with the event name,
 * a reference to the account (user id, staff id, or the keyed hash of an unknown phone — never the phone
 * itself), the client IP, the request id and the time. Never a password, SMS code, session id or token:
 * the fields are a closed list, so nothing else can be passed in.
 *
 * Commands take a {@link SecurityLog} (optional: absent, nothing is logged); the app makes one per request
 * (`ctx.state.securityLog`) bound to that request's IP and id, writing to one {@link SecurityEventSink}
 * (stdout in production, a list in tests).
 * @module
 */

/** The events. */
export type SecurityEventName =
  | "login.succeeded"
  | "login.failed"
  | "login.locked_out"
  | "login.refused_locked"
  | "login.unlocked"
  | "logout"
  | "register.succeeded"
  | "register.throttled"
  | "register.existing_phone"
  | "password.changed"
  | "admin.forbidden"
  | "csrf.refused"
  | "callback.refused";

/** What an event may say besides its name (nothing secret can be expressed here). */
export interface SecurityEventFields {
  subject?: "user" | "staff";
  userId?: string;
  staffId?: string;
  /** First 16 hex characters of the phone's keyed hash (PII_HASH_KEY), for accounts not known by id. */
  phoneHash?: string;
  /** Log-in method: password or SMS code. */
  method?: "password" | "sms";
  /** Why: `invalid_credentials`, `account_disabled`, `invalid_code`, `origin`, `token`, … */
  reason?: string;
  /** Which key a lock is on. */
  scope?: "account" | "ip";
  /** Seconds a lock still lasts. */
  retryAfterSeconds?: number;
  /** The request path (refusals). */
  path?: string;
  /** The request method (refusals). */
  httpMethod?: string;
}

/** One event as written. */
export interface SecurityEvent extends SecurityEventFields {
  time: string;
  level: "info" | "warn";
  msg: "security";
  event: SecurityEventName;
  ip: string | null;
  requestId: string | null;
}

/** Where events go. */
export type SecurityEventSink = (event: SecurityEvent) => void;

/** Records events for one request (or one job). */
export interface SecurityLog {
  emit(event: SecurityEventName, fields?: SecurityEventFields): void;
}

/** Events that call for attention (`warn`); the rest are `info`. */
const WARN: ReadonlySet<SecurityEventName> = new Set([
  "login.failed",
  "login.locked_out",
  "login.refused_locked",
  "register.throttled",
  "register.existing_phone",
  "admin.forbidden",
  "csrf.refused",
]);

/** The log of one request: every event gets `ip`, `requestId` and the time (clock for tests). */
export function securityLogFor(
  sink: SecurityEventSink,
  context: { ip: string | null; requestId: string | null },
  clock: () => Date = () => new Date(),
): SecurityLog {
  return {
    emit(event, fields = {}) {
      const line: SecurityEvent = {
        time: clock().toISOString(),
        level: WARN.has(event) ? "warn" : "info",
        msg: "security",
        event,
        ip: context.ip,
        requestId: context.requestId,
      };
      // copy only the known fields, dropping undefined ones
      for (const key of FIELD_NAMES) {
        const value = fields[key];
        if (value !== undefined) (line as unknown as Record<string, unknown>)[key] = value;
      }
      try {
        sink(line);
      } catch {
        // logging never breaks the request
      }
    },
  };
}

const FIELD_NAMES: readonly (keyof SecurityEventFields)[] = [
  "subject",
  "userId",
  "staffId",
  "phoneHash",
  "method",
  "reason",
  "scope",
  "retryAfterSeconds",
  "path",
  "httpMethod",
];

/** The account reference for a phone that is not (or not yet) known by id. */
export function phoneHashRef(phoneHash: string): string {
  return phoneHash.slice(0, 16);
}

/** The default sink: one JSON line per event on stdout. */
export const stdoutSecuritySink: SecurityEventSink = (event) => console.log(JSON.stringify(event));
