/**
 * The per-request state every route sees, and the typed `define` helpers (Fresh 2 style).
 */
import { createDefine } from "./framework/mod.ts";
import type { Config } from "./config.ts";
import type { Db } from "./db/tx.ts";
import type { DatabaseKind } from "./db/connection.ts";
import type { PiiCipher } from "./domain/accounts/pii.ts";
import type { SessionStaff, SessionUser } from "./domain/accounts/session_subject.ts";

export type { SessionStaff, SessionUser } from "./domain/accounts/session_subject.ts";

/** State shared by middleware and routes; a fresh object per request. */
export interface State {
  sql: Db;
  kv: Deno.Kv;
  config: Config;
  dbKind: DatabaseKind;
  /** Encrypts/decrypts personal data at rest (one per process). */
  pii: PiiCipher;
  requestId: string;
  csrfToken: string;
  sessionId: string | null;
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

/** The client's IP address as the server sees it. */
export function clientIp(info: Deno.ServeHandlerInfo | undefined): string {
  const addr = info?.remoteAddr;
  return addr && "hostname" in addr ? addr.hostname : "unknown";
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
