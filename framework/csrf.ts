/**
 * `csrf()`: signed double-submit CSRF tokens, optionally bound to the session, plus an `Origin` check for
 * state-changing requests.
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { onErrorResponse } from "./error_response.ts";
import { mutable } from "./response.ts";
import type { Context, Middleware } from "./types.ts";

/** Options of {@linkcode csrf}. */
export interface CsrfOptions<State = unknown> {
  /** Secret for signing tokens (HMAC-SHA256); at least 16 characters. */
  secret: string;
  /** Mark the cookie `Secure` and name it `__Host-csrf` (else `csrf`); may depend on the request URL. */
  secureCookies: boolean | ((url: URL) => boolean);
  /** Requests to exempt (e.g. signed webhooks). */
  exempt?: (url: URL) => boolean;
  /**
   * Origins accepted besides the request URL's own, e.g. the public `https://` origin when a proxy
   * terminates TLS and the app sees `http://`.
   */
  allowedOrigins?: readonly string[];
  /**
   * Binds tokens to the session: the session id(s) of the request as the app recognises them (`null`
   * without a session). A token is then an HMAC over its nonce *and* this id, so a token obtained outside
   * the session (an attacker's own visit, a page from before the log-in) does not work inside it.
   *
   * Called before the handler without `res`, and after it with the response: when the answer changed (the
   * handler started, rotated or ended a session — log-in, registration, log-out — e.g. by setting or
   * clearing the session cookie), a new token bound to the new session is issued with the response. A
   * handler that changes the session should redirect (the page it would render carries the old token).
   */
  sessionId?: (ctx: Context<State>, res?: Response) => string | null;
  /** Told about every refused request (for the security log): a foreign `Origin`, a cross-site fetch, a bad token. */
  onReject?: (ctx: Context<State>, reason: "origin" | "cross_site" | "token") => void;
}

/** Name of the form field carrying the token. */
export const CSRF_FIELD = "_csrf";
/** Name of the header carrying the token (for fetch/JSON requests). */
export const CSRF_HEADER = "x-csrf-token";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function sign(secret: string, nonce: string, sessionId: string | null): string {
  const mac = createHmac("sha256", secret).update(nonce);
  // with a session: HMAC(nonce ‖ NUL ‖ session id); the NUL keeps the two parts apart (nonces are base64url)
  if (sessionId !== null) mac.update("\0").update(sessionId);
  return b64url(new Uint8Array(mac.digest()).subarray(0, 18));
}

function safeEqual(a: string, b: string): boolean {
  const ab = new TextEncoder().encode(a);
  const bb = new TextEncoder().encode(b);
  return ab.byteLength === bb.byteLength && timingSafeEqual(ab, bb);
}

function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function wantsJson(req: Request): boolean {
  const type = req.headers.get("content-type") ?? "";
  const accept = req.headers.get("accept") ?? "";
  return type.includes("application/json") ||
    (accept.includes("application/json") && !accept.includes("text/html"));
}

function reject(req: Request): Response {
  if (wantsJson(req)) {
    return new Response(
      JSON.stringify({ error: { code: "csrf_failed", message: "请求校验失败，请刷新页面后重试" } }),
      { status: 403, headers: { "content-type": "application/json; charset=utf-8" } },
    );
  }
  const html =
    `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>请求校验失败</title></head>` +
    `<body><h1>请求校验失败</h1><p>页面已过期或请求来源不正确。请返回上一页，刷新后重试。</p>` +
    `<p><a href="/">返回首页</a></p></body></html>`;
  return new Response(html, { status: 403, headers: { "content-type": "text/html; charset=utf-8" } });
}

/**
 * CSRF protection. Sets `ctx.state.csrfToken` (put it in every form as a hidden `_csrf` field, or send
 * it as `X-CSRF-Token`), keeps the token in an HttpOnly SameSite=Lax cookie (`__Host-csrf` when secure),
 * and answers 403 to POST/PUT/PATCH/DELETE (in any letter case) when the `Origin` header names another
 * origin, or the submitted token does not equal the cookie's (compared in constant time; tokens are
 * HMAC-signed, and with `sessionId` bound to the session and rotated with it).
 */
export function csrf<State = unknown>(options: CsrfOptions<State>): Middleware<State> {
  if (!options.secret || options.secret.length < 16) {
    throw new Error("csrf(): secret must be at least 16 characters");
  }
  const { secret } = options;
  const isValid = (token: string | null, sessionId: string | null): token is string => {
    if (!token) return false;
    const dot = token.indexOf(".");
    if (dot <= 0) return false;
    return safeEqual(token.slice(dot + 1), sign(secret, token.slice(0, dot), sessionId));
  };
  const newToken = (sessionId: string | null) => {
    const nonce = b64url(randomBytes(18));
    return `${nonce}.${sign(secret, nonce, sessionId)}`;
  };

  return async (ctx: Context<State>) => {
    const secure = typeof options.secureCookies === "function"
      ? options.secureCookies(ctx.url)
      : options.secureCookies;
    const name = secure ? "__Host-csrf" : "csrf";
    const fromCookie = readCookie(ctx.req.headers.get("cookie"), name);
    const session = options.sessionId?.(ctx) ?? null;
    const valid = isValid(fromCookie, session);
    const token = valid ? fromCookie : newToken(session);
    (ctx.state as { csrfToken: string }).csrfToken = token;

    const cookieLine = (value: string) =>
      `${name}=${value}; Path=/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
    // one Set-Cookie for the token at most: never after one the response already has
    const withCookie = (res: Response, value: string): Response => {
      if (res.headers.getSetCookie().some((l) => l.startsWith(`${name}=`))) return res;
      const out = mutable(res);
      out.headers.append("set-cookie", cookieLine(value));
      return out;
    };
    const setCookie = (res: Response): Response => (valid ? res : withCookie(res, token));
    const refuse = (reason: "origin" | "cross_site" | "token", res: Response): Response => {
      options.onReject?.(ctx, reason);
      return res;
    };

    if (UNSAFE.has(ctx.req.method.toUpperCase()) && !options.exempt?.(ctx.url)) {
      const origin = ctx.req.headers.get("origin");
      if (origin !== null && origin !== ctx.url.origin && !options.allowedOrigins?.includes(origin)) {
        return refuse("origin", setCookie(reject(ctx.req)));
      }
      if (ctx.req.headers.get("sec-fetch-site") === "cross-site") {
        return refuse("cross_site", setCookie(reject(ctx.req)));
      }
      if (!valid) return refuse("token", setCookie(reject(ctx.req)));
      let submitted = ctx.req.headers.get(CSRF_HEADER);
      const type = (ctx.req.headers.get("content-type") ?? "").toLowerCase();
      if (
        submitted === null &&
        (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data"))
      ) {
        try {
          const value = (await ctx.req.clone().formData()).get(CSRF_FIELD);
          submitted = typeof value === "string" ? value : null;
        } catch {
          submitted = null;
        }
      }
      if (submitted === null || !safeEqual(submitted, token)) return refuse("token", reject(ctx.req));
    }
    let res: Response;
    try {
      res = await ctx.next();
    } catch (err) {
      if (!valid) onErrorResponse(ctx as Context<unknown>, setCookie);
      throw err;
    }
    if (options.sessionId) {
      const after = options.sessionId(ctx, res) ?? null;
      if (after !== session) {
        // the handler started or ended a session: a fresh token, bound to the new one
        const rotated = newToken(after);
        (ctx.state as { csrfToken: string }).csrfToken = rotated;
        return withCookie(res, rotated);
      }
    }
    return setCookie(res);
  };
}
