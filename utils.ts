/**
 * The per-request state every route sees, and the typed `define` helpers (Fresh 2 style).
 */
import { createDefine } from "./framework/mod.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db/tx.ts";
import type { DatabaseKind } from "./db/connection.ts";
import type { PiiCipher } from "./domain/accounts/pii.ts";
import type { Gateways } from "./domain/gateways/mod.ts";
import type { Outbox } from "./db/outbox.ts";
import type { SessionStaff, SessionUser } from "./domain/accounts/session_subject.ts";
import type { SecurityLog } from "./domain/shared/security_log.ts";
import { type Cidr, clientIpFrom } from "./domain/shared/ip.ts";
import { sessionCookie, sessionCookieName, type SubjectType } from "./domain/accounts/session.ts";
import { pendingCookieName } from "./domain/accounts/pending_login.ts";
import {
  DEVICE_COOKIE_MAX_AGE_SECONDS,
  deviceCookieName,
  newDeviceId,
  validDeviceId,
} from "./domain/accounts/device.ts";

export type { SessionStaff, SessionUser } from "./domain/accounts/session_subject.ts";

/** State shared by middleware and routes; a fresh object per request. */
export interface State {
  sql: Db;
  kv: Deno.Kv;
  config: Config;
  dbKind: DatabaseKind;
  /** Encrypts/decrypts personal data at rest (one per process). */
  pii: PiiCipher;
  /** The outside systems (built once in main.ts); routes pass them to commands, never import a sandbox. */
  gateways: Gateways;
  /** Where commands publish side effects (SMS, e-mail, notifications) inside their transaction. */
  outbox: Outbox;
  requestId: string;
  /** The client's address: the TCP peer, or behind a trusted proxy the `X-Forwarded-For` client. */
  clientIp: string;
  /** Security events of this request (log-ins, lockouts, refusals), with its IP and request id. */
  securityLog: SecurityLog;
  csrfToken: string;
  /** The user's session id, when the request carries a live one. */
  sessionId: string | null;
  /** The staff member's session id, when the request carries a live one. */
  staffSessionId: string | null;
  user: SessionUser | null;
  staff: SessionStaff | null;
  /** The page title (without the platform name); set by a handler or middleware. */
  title?: string;
}

/** `define.page`, `define.handlers`, `define.middleware`, `define.layout` typed with {@link State}. */
export const define = createDefine<State>();

/** Whether cookies set for this request must be `Secure` (`__Host-` names): always in production, else on https. */
export function secureCookies(state: Pick<State, "config">, url: URL): boolean {
  return state.config.secureCookies || url.protocol === "https:";
}

/** A subject's session cookie for one request (see {@link sessionCookieFor}). */
export interface SessionCookieInfo {
  name: string;
  secure: boolean;
  /** The session the browser carries — the live one, else the raw cookie (replaced at log-in). */
  sessionId: string | null;
}

/** The user's or staff member's session cookie for this request: name, `Secure`, current id. */
export function sessionCookieFor(
  ctx: { state: State; url: URL; req: Request },
  subject: SubjectType,
): SessionCookieInfo {
  const secure = secureCookies(ctx.state, ctx.url);
  const name = sessionCookieName(subject, secure);
  const live = subject === "user" ? ctx.state.sessionId : ctx.state.staffSessionId;
  return { name, secure, sessionId: live ?? getCookie(ctx.req, name) };
}

/** After a log-in: a 303 to `location` that sets the new session cookie. */
export function redirectSignedIn(
  ctx: { redirect(path: string, status?: number): Response },
  location: string,
  cookie: SessionCookieInfo,
  sessionId: string,
): Response {
  const res = ctx.redirect(location, 303);
  res.headers.append("set-cookie", sessionCookie(cookie.name, sessionId, { secure: cookie.secure }));
  return res;
}

/** The short-lived cookie of a pending log-in's second step (SMS code on a new device, staff TOTP). */
export function pendingCookieFor(
  ctx: { state: State; url: URL; req: Request },
  subject: SubjectType,
): { name: string; secure: boolean; pendingId: string | null } {
  const secure = secureCookies(ctx.state, ctx.url);
  const name = pendingCookieName(subject, secure);
  return { name, secure, pendingId: getCookie(ctx.req, name) };
}

/**
 * The browser's device id (long-lived random cookie, see domain/accounts/device.ts), and the `Set-Cookie`
 * value to send when it had none (a new id) — `null` when the cookie is already there.
 */
export function deviceIdFor(ctx: { state: State; url: URL; req: Request }): {
  deviceId: string;
  setCookie: string | null;
} {
  const secure = secureCookies(ctx.state, ctx.url);
  const name = deviceCookieName(secure);
  const existing = validDeviceId(getCookie(ctx.req, name));
  if (existing) return { deviceId: existing, setCookie: null };
  const deviceId = newDeviceId();
  return {
    deviceId,
    setCookie: sessionCookie(name, deviceId, { secure, maxAgeSeconds: DEVICE_COOKIE_MAX_AGE_SECONDS }),
  };
}

/**
 * Reads a posted form's fields as text: `text(name, max)` is the field's value cut to `max` characters (to
 * `defaultMax` when `max` is left out), `""` when the field is missing.
 */
export function formText<N extends string = string>(
  form: FormData,
  defaultMax?: number,
): (name: N, max?: number) => string {
  return (name, max = defaultMax) => String(form.get(name) ?? "").slice(0, max);
}

/** The notice a post/redirect/get page shows after `?done=<key>`: `notices[key]`, or `null`. */
export function doneNotice(url: URL, notices: Record<string, string>): string | null {
  const done = url.searchParams.get("done") ?? "";
  // own keys only: `?done=constructor` is no notice
  return Object.hasOwn(notices, done) ? notices[done] : null;
}

/** The value of one cookie of a request, or `null`. */
export function getCookie(req: Request, name: string): string | null {
  const header = req.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

/**
 * The client's IP address: the TCP peer, or — when the peer is a trusted proxy (`config.trustedProxies`) —
 * the right-most untrusted `X-Forwarded-For` hop (see `clientIpFrom`). The app computes it once per request
 * into `ctx.state.clientIp`; routes read that.
 */
export function clientIp(
  info: Deno.ServeHandlerInfo | undefined,
  req: Request,
  trustedProxies: readonly Cidr[],
): string {
  const addr = info?.remoteAddr;
  const peer = addr && "hostname" in addr ? addr.hostname : "unknown";
  if (peer === "unknown") return peer;
  return clientIpFrom({ peer, forwardedFor: req.headers.get("x-forwarded-for"), trusted: trustedProxies });
}

/**
 * An absolute link to `path` on this site, for pages, SMS and e-mail: from the configured public origin
 * (`PUBLIC_ORIGIN`), else in development `http://localhost:PORT`. Never from the request's `Host` header,
 * which the client chooses. In production without `PUBLIC_ORIGIN` the path alone.
 */
export function publicUrl(config: Pick<Config, "publicOrigin" | "env" | "port">, path: string): string {
  const origin = config.publicOrigin ??
    (config.env === "production" ? null : `http://localhost:${config.port}`);
  return origin ? origin + path : path;
}

/** Longest `next` path accepted. */
const MAX_NEXT_LENGTH = 512;

/**
 * `raw` when it is a path on this site (`/account`, `/loans?page=2`), else `null`. Refuses absolute
 * URLs, protocol-relative `//host`, backslashes (`/\host`) and control characters.
 */
export function safeNextPath(raw: string | null | undefined): string | null {
  if (!raw || raw.length > MAX_NEXT_LENGTH) return null;
  if (!raw.startsWith("/") || raw.startsWith("//")) return null;
  // deno-lint-ignore no-control-regex
  if (/[\\\x00-\x1f\x7f]/.test(raw)) return null;
  return raw;
}
