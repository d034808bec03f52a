/**
 * `csrf()`: double-submit CSRF tokens plus an `Origin` check for state-changing requests.
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mutable } from "./response.ts";
import type { Context, Middleware } from "./types.ts";

/** Options of {@linkcode csrf}. */
export interface CsrfOptions {
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
}

/** Name of the form field carrying the token. */
export const CSRF_FIELD = "_csrf";
/** Name of the header carrying the token (for fetch/JSON requests). */
export const CSRF_HEADER = "x-csrf-token";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function sign(secret: string, nonce: string): string {
  return b64url(new Uint8Array(createHmac("sha256", secret).update(nonce).digest()).subarray(0, 18));
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
 * and answers 403 to POST/PUT/PATCH/DELETE when the `Origin` header names another origin, or the
 * submitted token does not equal the cookie's (compared in constant time; tokens are HMAC-signed).
 */
export function csrf<State = unknown>(options: CsrfOptions): Middleware<State> {
  if (!options.secret || options.secret.length < 16) {
    throw new Error("csrf(): secret must be at least 16 characters");
  }
  const { secret } = options;
  const isValid = (token: string | null): token is string => {
    if (!token) return false;
    const dot = token.indexOf(".");
    if (dot <= 0) return false;
    return safeEqual(token.slice(dot + 1), sign(secret, token.slice(0, dot)));
  };
  const newToken = () => {
    const nonce = b64url(randomBytes(18));
    return `${nonce}.${sign(secret, nonce)}`;
  };

  return async (ctx: Context<State>) => {
    const secure = typeof options.secureCookies === "function"
      ? options.secureCookies(ctx.url)
      : options.secureCookies;
    const name = secure ? "__Host-csrf" : "csrf";
    const fromCookie = readCookie(ctx.req.headers.get("cookie"), name);
    const valid = isValid(fromCookie);
    const token = valid ? fromCookie : newToken();
    (ctx.state as { csrfToken: string }).csrfToken = token;

    const setCookie = (res: Response): Response => {
      if (valid) return res;
      const out = mutable(res);
      out.headers.append(
        "set-cookie",
        `${name}=${token}; Path=/; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`,
      );
      return out;
    };

    if (UNSAFE.has(ctx.req.method) && !options.exempt?.(ctx.url)) {
      const origin = ctx.req.headers.get("origin");
      if (origin !== null && origin !== ctx.url.origin && !options.allowedOrigins?.includes(origin)) {
        return setCookie(reject(ctx.req));
      }
      if (ctx.req.headers.get("sec-fetch-site") === "cross-site") return setCookie(reject(ctx.req));
      if (!valid) return setCookie(reject(ctx.req));
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
      if (submitted === null || !safeEqual(submitted, token)) return reject(ctx.req);
    }
    return setCookie(await ctx.next());
  };
}
