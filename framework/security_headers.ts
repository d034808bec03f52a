/**
 * `securityHeaders()`: CSP and the other protective response headers.
 * @module
 */
import { BOOT_SCRIPT_CSP_HASH } from "./islands.ts";
import { onErrorResponse } from "./error_response.ts";
import { mutable } from "./response.ts";
import type { Context, Middleware } from "./types.ts";

/** Options of {@linkcode securityHeaders}. */
export interface SecurityHeadersOptions {
  /** Development mode (kept for API symmetry; the dev reload script is a same-origin file). */
  dev?: boolean;
  /** Send `Strict-Transport-Security` (only behind HTTPS). */
  hsts?: boolean;
}

/** The Content-Security-Policy the layer sends: no inline script except the hashed boot script. */
export function contentSecurityPolicy(_dev = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' ${BOOT_SCRIPT_CSP_HASH}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Adds `Content-Security-Policy`, `X-Content-Type-Options: nosniff`, `Referrer-Policy`,
 * `X-Frame-Options: DENY`, `Permissions-Policy`, `Cross-Origin-Opener-Policy` and, with `hsts`,
 * `Strict-Transport-Security` to every response — error pages included — keeping headers a handler set
 * itself.
 */
export function securityHeaders<State = unknown>(options: SecurityHeadersOptions = {}): Middleware<State> {
  const values: [string, string][] = [
    ["content-security-policy", contentSecurityPolicy(options.dev)],
    ["x-content-type-options", "nosniff"],
    ["referrer-policy", "strict-origin-when-cross-origin"],
    ["x-frame-options", "DENY"],
    [
      "permissions-policy",
      "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    ],
    ["cross-origin-opener-policy", "same-origin"],
  ];
  if (options.hsts) values.push(["strict-transport-security", "max-age=31536000; includeSubDomains"]);
  const apply = (res: Response): Response => {
    const out = mutable(res);
    for (const [k, v] of values) if (!out.headers.has(k)) out.headers.set(k, v);
    return out;
  };
  return async (ctx: Context<State>) => {
    let res: Response;
    try {
      res = await ctx.next();
    } catch (err) {
      // Error pages rendered further out carry the headers too.
      onErrorResponse(ctx as Context<unknown>, apply);
      throw err;
    }
    return apply(res);
  };
}
